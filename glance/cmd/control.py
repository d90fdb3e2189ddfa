"""glance-control: start, stop, reload and check the Glance daemons.

    glance-control [--pid-file PATH] [--await-child N] [--respawn]
                   [--capture-output] <api|registry|all> <COMMAND> [CONFPATH]

======== ==================================================================
start    launch glance-<server> in a session of its own (stdio on
         /dev/null, or syslog with --capture-output) and write its pid file;
         refused while the pid file names a running process
stop     SIGTERM (a graceful stop), then SIGKILL to the server's process
         group if it is still running after 15 s
shutdown SIGTERM, then wait however long the graceful stop takes
restart  stop, then start
reload   SIGHUP: the server re-reads its configuration and rebuilds its app
         without dropping connections
force-reload
         shutdown, then start
status   "running" with the pid (exit status 0) or "stopped" (exit status 3)
======== ==================================================================

CONFPATH is handed to the server as --config-file.  The pid file is
--pid-file, else /var/run/glance/glance-<server>.pid, else (that directory
not writable, as for a non-root user) ~/.glance/glance-<server>.pid.
A pid file naming a process that is gone is removed.  stop and shutdown
remove the pid file before signalling, which is how --respawn tells a
deliberate stop from a crash.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

from glance.common import pidfile

SERVERS = ('glance-api', 'glance-registry')
COMMANDS = ('start', 'stop', 'shutdown', 'restart', 'reload', 'force-reload',
            'status')
PID_DIR = '/var/run/glance'
FALLBACK_PID_DIR = '~/.glance'
STOP_TIMEOUT = 15
# How long a SIGKILLed server may take to disappear.
KILL_TIMEOUT = 5
# --respawn leaves a server dead that dies this young: it would only bounce.
MIN_RESPAWN_UPTIME = 1
POLL_SECONDS = 0.1
# LSB exit status of "status" for a stopped service.
STATUS_STOPPED = 3


class Refused(Exception):
    """A command that cannot be carried out; the message says why."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='glance-control',
        description='Start, stop, reload and check the Glance daemons.')
    parser.add_argument('--pid-file', metavar='PATH',
                        help='Pid file of the server.  Default: '
                             '/var/run/glance/glance-<server>.pid, or '
                             '~/.glance/glance-<server>.pid when that '
                             'directory is not writable.')
    parser.add_argument('--await-child', metavar='N', type=int, default=0,
                        help='After start, wait up to N seconds to see the '
                             'server die, and exit with its status if it '
                             'does.')
    parser.add_argument('--respawn', action='store_true',
                        help='Stay in the foreground after start and '
                             'relaunch the server when it dies other than '
                             'by a stop.')
    parser.add_argument('--capture-output', action='store_true',
                        help='Send the server\'s stdout and stderr to '
                             'syslog (through logger) instead of '
                             'discarding them.')
    parser.add_argument('server', choices=('api', 'registry', 'all')
                        + SERVERS)
    parser.add_argument('command', choices=COMMANDS)
    parser.add_argument('confpath', nargs='?', metavar='CONFPATH',
                        help='Config file handed to the server as '
                             '--config-file.')
    args = parser.parse_args(argv)
    if args.server == 'all':
        args.servers = SERVERS
    else:
        args.servers = ('glance-' + args.server.removeprefix('glance-'),)
    if args.pid_file and len(args.servers) > 1:
        parser.error('--pid-file names the pid file of one server, not all')
    if args.respawn and args.await_child:
        parser.error('--respawn and --await-child do not go together')
    if args.confpath:
        if not os.path.isfile(args.confpath):
            parser.error('CONFPATH %s is not a file' % args.confpath)
        args.confpath = os.path.abspath(args.confpath)
    return args


def pid_file_path(server, requested):
    if requested:
        return os.path.abspath(requested)
    for directory in (PID_DIR, os.path.expanduser(FALLBACK_PID_DIR)):
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError:
            continue
        if os.access(directory, os.W_OK):
            return os.path.join(directory, '%s.pid' % server)
    raise Refused('No writable directory for the pid file of %s; give one '
                  'with --pid-file' % server)


def find_program(server):
    """The server's executable: next to glance-control, else on PATH."""
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    candidate = os.path.join(here, server)
    if os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(server)
    if found is None:
        raise Refused('%s is not installed (not in %s nor on PATH)'
                      % (server, here))
    return found


def launch(server, confpath, capture_output):
    command = [find_program(server)]
    if confpath:
        command += ['--config-file', confpath]
    if not capture_output:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        logger = subprocess.Popen(['logger', '-t', server],
                                  stdin=subprocess.PIPE,
                                  start_new_session=True)
    except FileNotFoundError:
        raise Refused('--capture-output needs the logger command')
    with logger.stdin:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                stdout=logger.stdin, stderr=logger.stdin,
                                start_new_session=True)


def start(server, path, args):
    """Launch the server and write its pid file; return its Popen."""
    running = pidfile.running_pid(path)
    if running is not None:
        raise Refused('%s is already running (pid %d, %s)'
                      % (server, running, path))
    pidfile.remove(path)
    process = launch(server, args.confpath, args.capture_output)
    pidfile.write(path, process.pid)
    print('Started %s (pid %d)%s' % (
        server, process.pid,
        ' with %s' % args.confpath if args.confpath else ''))
    if args.await_child:
        try:
            status = process.wait(args.await_child)
        except subprocess.TimeoutExpired:
            return process
        pidfile.remove(path, process.pid)
        raise Refused('%s exited with status %d at start' % (server, status))
    return process


def wait_for_exit(pid, timeout):
    """Whether ``pid`` ended within ``timeout`` seconds (None: no limit)."""
    give_up_at = None if timeout is None else time.monotonic() + timeout
    while pidfile.is_running(pid):
        if give_up_at is not None and time.monotonic() > give_up_at:
            return False
        time.sleep(POLL_SECONDS)
    return True


def running_or_clean(path):
    """The server's pid if it runs; a pid file left by a dead one goes."""
    pid = pidfile.read(path)
    if pid is not None and not pidfile.is_running(pid):
        print('Removing stale pid file %s' % path)
        pidfile.remove(path, pid)
        pid = None
    return pid


def stop(server, path, timeout):
    """SIGTERM, then after ``timeout`` s (None: never) SIGKILL the group."""
    pid = running_or_clean(path)
    if pid is None:
        print('%s is not running' % server)
        return
    pidfile.remove(path, pid)
    print('Stopping %s (pid %d)' % (server, pid))
    os.kill(pid, signal.SIGTERM)
    if wait_for_exit(pid, timeout):
        return
    print('%s (pid %d) still running after %d s; killing it'
          % (server, pid, timeout))
    try:
        # Servers started here lead their process group: workers go too.
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_for_exit(pid, KILL_TIMEOUT)


def reload(server, path):
    pid = running_or_clean(path)
    if pid is None:
        raise Refused('%s is not running' % server)
    os.kill(pid, signal.SIGHUP)
    print('Reloading %s (pid %d)' % (server, pid))


def status(server, path):
    pid = running_or_clean(path)
    if pid is None:
        print('%s is stopped' % server)
        return STATUS_STOPPED
    print('%s (pid %d) is running' % (server, pid))
    return 0


def supervise(children, args):
    """--respawn: relaunch children that die unexpectedly, until none is
    left.  ``children`` maps pid to (server, pid file, start time)."""
    while children:
        pid, wait_status = os.wait()
        if pid not in children:
            continue
        server, path, started = children.pop(pid)
        code = os.waitstatus_to_exitcode(wait_status)
        if pidfile.read(path) != pid or code == 0:
            print('%s (pid %d) was stopped; not respawning' % (server, pid))
            continue
        if time.monotonic() - started < MIN_RESPAWN_UPTIME:
            print('%s (pid %d) died within %d s of starting; not '
                  'respawning' % (server, pid, MIN_RESPAWN_UPTIME))
            pidfile.remove(path, pid)
            continue
        print('%s (pid %d) died with status %d; respawning'
              % (server, pid, code))
        try:
            process = start(server, path, args)
        except Refused as e:
            print('glance-control: %s' % e, file=sys.stderr)
            continue
        children[process.pid] = (server, path, time.monotonic())


def run(server, path, args):
    """Carry out the command for one server: (exit status, Popen or None)."""
    if args.command == 'status':
        return status(server, path), None
    if args.command == 'reload':
        reload(server, path)
        return 0, None
    if args.command in ('stop', 'restart'):
        stop(server, path, STOP_TIMEOUT)
    if args.command in ('shutdown', 'force-reload'):
        stop(server, path, None)
    if args.command in ('start', 'restart', 'force-reload'):
        return 0, start(server, path, args)
    return 0, None


def main(argv=None):
    args = parse_args(argv)
    exit_status = 0
    children = {}
    for server in args.servers:
        try:
            path = pid_file_path(server, args.pid_file)
            code, process = run(server, path, args)
        except Refused as e:
            print('glance-control: %s' % e, file=sys.stderr)
            code, process = 1, None
        exit_status = max(exit_status, code)
        if process is not None:
            children[process.pid] = (server, path, time.monotonic())
    if args.respawn:
        supervise(children, args)
    return exit_status
