"""The processes of the eventlet WSGI server of glance-api and
glance-registry: the master, its workers, their signals and the pid file.
Each connection is served by glance.common.http_protocol.

Process model, after gunicorn's arbiter:

* ``Server.start()`` builds the app with ``app_loader()``, binds the socket
  and writes ``pid_file``; a broken configuration fails there, before
  anything is served.  ``Server.wait()`` then serves until told to stop.
* With ``workers`` > 0 the master forks that many workers, which serve the
  shared socket, and respawns a worker that dies (after a delay that grows
  while workers die young).  The master itself never runs the eventlet hub
  (it waits with the original select()), so forking it is safe.
* Signal handlers only record the signal; the master loop acts on it:

  ======== ================================================================
  TERM     graceful stop: workers stop accepting, let requests in flight
           (long downloads included) finish within graceful_shutdown_timeout,
           then exit; the pid file is removed
  INT QUIT fast stop
  HUP      re-read the config files, rebuild the app, start new workers and
           stop the old ones gracefully; the listening socket stays open, so
           no connection is refused (bind_host/bind_port need a restart)
  USR1     reopen log files, in the master and in every worker
  ======== ================================================================

* With ``workers = 0`` one process serves, with the same signals; HUP swaps
  the rebuilt app in place.
* Periodic maintenance (``Server(..., maintenance=callable)``) runs at
  start and then every ``maintenance_interval`` seconds, one round at a
  time (a round due while the last one still runs is skipped).  The master
  runs each round in a short-lived child, forked like a worker, so that it
  never runs the hub itself; a failing round is logged and the master
  carries on.  A stop ends the round in progress: maintenance must be safe
  to interrupt.  With ``workers = 0`` the rounds run in a green thread of
  the one process.

The app is built in the master and forked (gunicorn's "preload"): whatever
must not be shared across a fork (database connections, native threads)
must be created lazily in the worker (or maintenance child), or reset with
os.register_at_fork().

Monkey-patching: glance/cmd/api.py calls eventlet.monkey_patch() before it
imports anything else, so the app's sockets, locks and sleeps are green in
the workers.  The app stays plain WSGI and runs unchanged under gunicorn or
uWSGI (glance/wsgi/api.py).

There is no TLS here: terminate it in front of the server.
"""

import errno
import functools
import logging
import os
import signal
import socket

import eventlet
import eventlet.hubs
import eventlet.patcher
from eventlet.green import select as green_select
from oslo_config import cfg

from glance.common.eventlet_wsgi import wsgi as eventlet_wsgi
from glance.common import exception
from glance.common import http_protocol
from glance.common import log
from glance.common import pidfile

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

OPTS = [
    cfg.HostAddressOpt('bind_host', default='0.0.0.0',
                       help='Address to listen on.  glance-registry '
                            'defaults to 127.0.0.1: it must not be reachable '
                            'by clients.  Changing it needs a restart: '
                            'SIGHUP keeps the listening socket.'),
    cfg.PortOpt('bind_port',
                help='Port to listen on; each program has its own default '
                     '(glance-api: 9292, glance-registry: 9191).  Changing '
                     'it needs a restart.'),
    cfg.IntOpt('workers', min=0,
               help='Worker processes serving requests.  Unset: one per '
                    'CPU, at most 8.  0: serve in the one process, without '
                    'forking (debugging, profiling).'),
    cfg.IntOpt('backlog', default=4096, min=1,
               help='Connections the kernel queues while every worker is '
                    'busy accepting.'),
    cfg.IntOpt('tcp_keepidle', default=600, min=1,
               help='Seconds a client connection stays idle before TCP '
                    'keepalive probes start, to detect dead clients.'),
    cfg.IntOpt('client_socket_timeout', default=900, min=0,
               help='Seconds a client connection may make no progress '
                    'before it is closed; also how long an idle keep-alive '
                    'connection is kept.  0: wait forever.'),
    cfg.IntOpt('max_header_line', default=16384, min=1,
               help='Bytes from which a request header line is refused '
                    '(400).  Large Keystone tokens may need more.'),
    cfg.BoolOpt('http_keepalive', default=True,
                help='Keep client connections open between requests.  '
                     'False closes each connection after one response.'),
    cfg.StrOpt('pid_file',
               help='File the server writes its (master) pid to at start '
                    'and removes at exit, for glance-control and init '
                    'systems.  Start fails while it names a live process.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=60, min=0,
               help='Seconds requests in flight get to finish after SIGTERM '
                    'or a SIGHUP reload before their worker exits anyway.  '
                    '0: wait for them however long they take.'),
]

# Only where a program has maintenance (see list_api_opts in glance.opts).
MAINTENANCE_OPTS = [
    cfg.IntOpt('maintenance_interval', default=60, min=0,
               help='Seconds between two rounds of periodic maintenance, '
                    'the first at start.  The master process runs each '
                    'round in a child process (with workers = 0, the one '
                    'process runs it); a round due while the previous one '
                    'still runs is skipped.  0: never.'),
]

CONF.register_opts(OPTS)
CONF.register_opts(MAINTENANCE_OPTS)

# Connections one worker serves at once.
GREEN_POOL_SIZE = 1000
MAX_DEFAULT_WORKERS = 8
# How long start() waits for a busy address (a previous server closing).
BIND_RETRY_SECONDS = 30
# How long workers, and a maintenance round, get to exit after a fast stop
# before they are killed.
FAST_STOP_SECONDS = 5
# Extra time the master gives a gracefully stopping worker before killing
# it, beyond graceful_shutdown_timeout which the worker enforces itself.
GRACE_MARGIN_SECONDS = 5
# A worker that dies younger than this delays its replacement, 1 s first,
# doubling up to MAX_RESPAWN_DELAY.
HEALTHY_WORKER_SECONDS = 5
MAX_RESPAWN_DELAY = 30
# How often the master and the workers look around without a signal.
TICK_SECONDS = 1.0
# How long a worker lets just-accepted connections start before it stops
# accepting, at a graceful stop.
STOP_SETTLE_SECONDS = 0.05

MASTER_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT,
                  signal.SIGHUP, signal.SIGUSR1, signal.SIGCHLD)
# Forked workers leave SIGHUP to the master, which replaces them.
WORKER_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT,
                  signal.SIGUSR1)

# The master must block without running the eventlet hub (see above).
_blocking_select = eventlet.patcher.original('select').select
# Never waits: a green read would wait for data after a spurious wake-up.
_nonblocking_read = eventlet.patcher.original('os').read
_blocking_sleep = eventlet.patcher.original('time').sleep
_clock = eventlet.patcher.original('time').monotonic


def worker_count():
    """``workers``, or the number of CPUs (at most 8) when it is unset."""
    if CONF.workers is not None:
        return CONF.workers
    return min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS)


def listen(address):
    """A listening socket on ``address``, with TCP keepalive on.

    A busy address is retried for BIND_RETRY_SECONDS, the time a previous
    server may take to let go of it.  SO_REUSEPORT stays off, so a second
    server on the same port fails instead of silently sharing it.
    """
    host, port = address
    family = socket.getaddrinfo(host, port, socket.AF_UNSPEC,
                                socket.SOCK_STREAM)[0][0]
    give_up_at = _clock() + BIND_RETRY_SECONDS
    while True:
        try:
            sock = eventlet.listen(address, family=family,
                                   backlog=CONF.backlog, reuse_port=False)
            break
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            if _clock() > give_up_at:
                raise OSError(e.errno, 'Cannot bind to %s:%d after %d s: %s'
                              % (host, port, BIND_RETRY_SECONDS, e.strerror))
            _blocking_sleep(0.1)
    # Accepted connections inherit these.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    # A response leaves in several writes (eventlet flushes 16 KiB
    # buffers): with Nagle's algorithm the last one waits for the client's
    # delayed ACK, ~40 ms on Linux, for any body over 16 KiB.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if hasattr(socket, 'TCP_KEEPIDLE'):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE,
                        CONF.tcp_keepidle)
    return sock


class Server:
    """Serves the app ``app_loader()`` builds; see the module docstring.

    ``app_loader`` is called at start and again on each SIGHUP reload;
    ``default_port`` applies while ``bind_port`` is unset.
    ``maintenance``, when given, is called without arguments for each
    round of periodic maintenance.
    """

    def __init__(self, app_loader, default_port, program_name='glance-api',
                 maintenance=None):
        self.app_loader = app_loader
        self.default_port = default_port
        self.program_name = program_name
        self.maintenance = maintenance
        self.app = None
        self.sock = None
        self._pid_file = None

    def configured_address(self):
        port = CONF.bind_port if CONF.bind_port is not None \
            else self.default_port
        return CONF.bind_host, port

    def start(self):
        """Build the app, bind the socket, write the pid file.

        Raises ConfigError or OSError, before anything is served.
        """
        self.app = self.app_loader()
        self.sock = listen(self.configured_address())
        if CONF.pid_file:
            other = pidfile.running_pid(CONF.pid_file)
            if other not in (None, os.getpid()):
                raise exception.ConfigError(
                    'pid_file %s names process %d, which is running: is '
                    '%s already started?'
                    % (CONF.pid_file, other, self.program_name))
            pidfile.write(CONF.pid_file, os.getpid())
            self._pid_file = CONF.pid_file
        host, port = self.sock.getsockname()[:2]
        LOG.info('%s (pid %d) listening on %s:%d with %d workers',
                 self.program_name, os.getpid(), host, port, worker_count())

    def wait(self):
        """Serve until a stop signal; return the exit status."""
        try:
            if worker_count() == 0:
                return _Worker(self, forked=False).run()
            return _Master(self).run()
        finally:
            if self._pid_file:
                pidfile.remove(self._pid_file, os.getpid())

    def reload(self):
        """Re-read the config files and rebuild the app (SIGHUP).

        Returns the new app, or None when that failed: the failure is
        logged and the running app keeps serving.
        """
        address = self.configured_address()
        if not CONF.reload_config_files():
            LOG.error('Reload failed: the config files could not be read; '
                      'still serving with the previous configuration')
            return None
        try:
            log.setup(self.program_name)
            app = self.app_loader()
        except exception.ConfigError as e:
            LOG.error('Reload failed, still serving the previous '
                      'application: %s', e)
            return None
        except Exception:
            LOG.exception('Reload failed, still serving the previous '
                          'application')
            return None
        if self.configured_address() != address:
            LOG.warning('bind_host/bind_port changed to %s:%s: that needs '
                        'a restart; still listening on %s:%s',
                        *(self.configured_address() + address))
        LOG.info('Reloaded the configuration and the application')
        self.app = app
        return app


class _SignalQueue:
    """Signals recorded by handlers that do nothing else, for a loop to act on.

    The C-level handler also writes to a pipe (signal.set_wakeup_fd), which
    wakes the loop's select() however it waits.
    """

    def __init__(self, signals, select):
        self._select = select
        self._pending = []
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        for signum in signals:
            signal.signal(signum, self._record)

    def _record(self, signum, frame):
        self._pending.append(signum)

    def get(self, timeout):
        """The oldest signal not yet taken, waiting up to ``timeout`` s."""
        if not self._pending:
            if self._select([self._read_fd], [], [], timeout)[0]:
                try:
                    _nonblocking_read(self._read_fd, 4096)
                except BlockingIOError:
                    pass
        return self._pending.pop(0) if self._pending else None

    def close(self):
        os.close(self._read_fd)
        os.close(self._write_fd)


class _Master:
    """The parent of the workers: forks, watches, replaces and stops them."""

    def __init__(self, server):
        self._server = server
        self._signals = _SignalQueue(MASTER_SIGNALS, _blocking_select)
        self._actions = {
            signal.SIGTERM: self._stop_gracefully,
            signal.SIGINT: self._stop_fast,
            signal.SIGQUIT: self._stop_fast,
            signal.SIGHUP: self._reload,
            signal.SIGUSR1: self._reopen_logs,
            # Exited workers are reaped on every turn of the loop.
            signal.SIGCHLD: lambda: None,
        }
        self._worker_count = self._configured_worker_count()
        self._workers = {}          # pid -> start time, current generation
        self._leaving = {}          # pid -> time to SIGKILL it, or None
        self._stopping = False
        self._respawn_delay = 0
        self._respawn_at = 0
        self._maintenance = _MaintenanceChildren(server, self._fork)

    def run(self):
        self._spawn_missing()
        while not self._stopping or self._leaving \
                or self._maintenance.running():
            signum = self._signals.get(
                self._maintenance.seconds_to_next_round(TICK_SECONDS))
            if signum is not None:
                self._actions[signum]()
            self._reap()
            self._kill_overdue()
            if not self._stopping:
                self._spawn_missing()
                self._maintenance.start_when_due()
        LOG.info('All workers have exited; master %d exiting', os.getpid())
        return 0

    @staticmethod
    def _configured_worker_count():
        count = worker_count()
        if count == 0:
            LOG.warning('workers = 0 (no forking) needs a restart; '
                        'running 1 worker')
        return max(count, 1)

    def _spawn_missing(self):
        if _clock() < self._respawn_at:
            return
        while len(self._workers) < self._worker_count:
            self._spawn()

    def _spawn(self):
        pid = self._fork(
            lambda: _Worker(self._server, forked=True).run, 'Worker')
        self._workers[pid] = _clock()
        LOG.info('Started worker %d', pid)

    def _fork(self, prepare, role):
        """Fork a child; its pid.

        In the child, ``prepare()`` installs its signal handlers while
        signals wait, and returns the function whose result is the child's
        exit status.  ``role`` names the child in the log.
        """
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, MASTER_SIGNALS)
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                eventlet.hubs.use_hub()  # a fresh hub, not the parent's
                run = prepare()
                self._signals.close()
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                status = run()
            except Exception:
                LOG.exception('%s %d failed', role, os.getpid())
            finally:
                logging.shutdown()
                os._exit(status)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return pid

    def _reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if not self._maintenance.exited(pid, status):
                self._worker_exited(pid, _describe_exit(status))

    def _worker_exited(self, pid, how):
        if pid in self._leaving:
            del self._leaving[pid]
            LOG.info('Worker %d %s', pid, how)
            return
        started = self._workers.pop(pid, None)
        if started is None:
            return
        LOG.error('Worker %d %s unexpectedly; starting another', pid, how)
        if _clock() - started < HEALTHY_WORKER_SECONDS:
            self._respawn_delay = min(max(1, 2 * self._respawn_delay),
                                      MAX_RESPAWN_DELAY)
        else:
            self._respawn_delay = 0
        self._respawn_at = _clock() + self._respawn_delay

    def _retire(self, pids, signum, grace):
        """Send ``signum`` to workers ``pids``, which are no longer counted
        as serving; SIGKILL them after ``grace`` seconds (None: never)."""
        kill_at = None if grace is None else _clock() + grace
        for pid in pids:
            _signal_process(pid, signum)
            self._workers.pop(pid, None)
            self._leaving[pid] = kill_at

    def _retire_gracefully(self, pids):
        # Workers enforce graceful_shutdown_timeout themselves; the master
        # steps in only if one is stuck beyond it.
        grace = CONF.graceful_shutdown_timeout
        self._retire(pids, signal.SIGTERM,
                     grace + GRACE_MARGIN_SECONDS if grace else None)

    def _kill_overdue(self):
        now = _clock()
        for pid, kill_at in self._leaving.items():
            if kill_at is not None and now > kill_at:
                LOG.warning('Worker %d did not exit in time; killing it', pid)
                _signal_process(pid, signal.SIGKILL)
                self._leaving[pid] = None
        self._maintenance.kill_overdue()

    def _stop_gracefully(self):
        LOG.info('SIGTERM: stopping gracefully')
        self._begin_stop()
        self._retire_gracefully(list(self._workers))

    def _stop_fast(self):
        LOG.info('SIGINT or SIGQUIT: stopping now')
        self._begin_stop()
        self._retire(list(self._workers) + list(self._leaving),
                     signal.SIGQUIT, FAST_STOP_SECONDS)

    def _begin_stop(self):
        self._stopping = True
        self._maintenance.stop()
        if self._server.sock is not None:
            # Once the workers stop accepting, connections are refused
            # rather than left waiting in the backlog.
            self._server.sock.close()
            self._server.sock = None

    def _reload(self):
        if self._stopping:
            return
        LOG.info('SIGHUP: reloading')
        if self._server.reload() is None:
            return
        old_workers = list(self._workers)
        self._worker_count = self._configured_worker_count()
        for _ in range(self._worker_count):
            self._spawn()
        self._retire_gracefully(old_workers)

    def _reopen_logs(self):
        log.reopen_logs()
        LOG.info('SIGUSR1: log files reopened')
        for pid in list(self._workers) + list(self._leaving):
            _signal_process(pid, signal.SIGUSR1)


class _Worker:
    """Serves the socket with eventlet in this process until told to stop.

    ``forked``: a worker of a master, which handles SIGHUP itself; when the
    master disappears the worker stops gracefully.  Otherwise the only
    process (workers = 0), which reloads in place on SIGHUP.
    """

    def __init__(self, server, forked):
        self._server = server
        self._app = server.app
        self._master_pid = os.getppid() if forked else None
        if forked:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signals = WORKER_SIGNALS
        else:
            signals = WORKER_SIGNALS + (signal.SIGHUP,)
        self._signals = _SignalQueue(signals, green_select.select)

    def run(self):
        eventlet_wsgi.MAX_HEADER_LINE = CONF.max_header_line
        pool = _ConnectionPool(GREEN_POOL_SIZE)
        wsgi = eventlet.spawn(
            eventlet_wsgi.server, self._server.sock, self._call_app,
            custom_pool=pool, protocol=http_protocol.HttpProtocol,
            log=_EventletLog(), log_format='', debug=False,
            keepalive=CONF.http_keepalive,
            socket_timeout=CONF.client_socket_timeout or None,
            environ={'wsgi.multiprocess': self._master_pid is not None})
        maintainer = None
        if self._master_pid is None and self._server.maintenance:
            maintainer = eventlet.spawn(_maintain_in_this_process,
                                        self._server.maintenance)
        try:
            return self._serve(wsgi, pool)
        finally:
            if maintainer is not None:
                maintainer.kill()

    def _serve(self, wsgi, pool):
        """Act on signals until told to stop; the exit status."""
        while True:
            signum = self._signals.get(TICK_SECONDS)
            if signum == signal.SIGTERM:
                return self._stop_gracefully(wsgi, pool)
            if signum in (signal.SIGINT, signal.SIGQUIT):
                LOG.info('Worker %d stopping now', os.getpid())
                return 0
            if signum == signal.SIGHUP:
                self._app = self._server.reload() or self._app
            if signum == signal.SIGUSR1:
                log.reopen_logs()
            if self._master_pid is not None \
                    and os.getppid() != self._master_pid:
                LOG.warning('Master %d is gone', self._master_pid)
                return self._stop_gracefully(wsgi, pool)
            if wsgi.dead:
                LOG.error('The server loop of worker %d ended', os.getpid())
                return 1

    def _call_app(self, environ, start_response):
        return self._app(environ, start_response)

    def _stop_gracefully(self, wsgi, pool):
        LOG.info('Worker %d stopping gracefully: %d connections open',
                 os.getpid(), pool.running())
        # Connections accepted up to now start first and count as busy (see
        # _ConnectionPool): stopping eventlet's server loop closes the
        # idle ones.  Stopping it from a timer, not from inside the hub's
        # round of I/O callbacks, also keeps a stale callback from cutting
        # short its wait for the requests in flight.
        eventlet.sleep(STOP_SETTLE_SECONDS)
        wsgi.kill()
        # eventlet would close the listening socket only after the requests
        # in flight: once every process has closed it, new connections are
        # refused rather than left waiting.
        self._server.sock.close()
        with eventlet.Timeout(CONF.graceful_shutdown_timeout or None, False):
            while pool.running():
                eventlet.sleep(TICK_SECONDS / 10)
        if pool.running():
            LOG.warning('Worker %d exiting with %d connections still open '
                        'after %d s', os.getpid(), pool.running(),
                        CONF.graceful_shutdown_timeout)
        return 0


class _MaintenanceSchedule:
    """When the next maintenance round is due: at start, then every
    maintenance_interval seconds (read each time, so a reload applies)."""

    def __init__(self):
        self._last_round = None

    def seconds_left(self):
        """Seconds until the next round, 0 when due; None: no rounds."""
        interval = CONF.maintenance_interval
        if not interval:
            return None
        if self._last_round is None:
            return 0
        return max(0, self._last_round + interval - _clock())

    def round_started(self):
        self._last_round = _clock()


def _maintenance_round(maintenance):
    """Run one round; its failure is logged.  The exit status of a child
    that runs it."""
    try:
        maintenance()
    except Exception:
        LOG.exception('Maintenance failed')
        return 1
    return 0


def _maintain_in_this_process(maintenance):
    """Run maintenance rounds forever in this green thread (workers = 0)."""
    schedule = _MaintenanceSchedule()
    while True:
        seconds_left = schedule.seconds_left()
        if seconds_left == 0:
            schedule.round_started()
            _maintenance_round(maintenance)
        else:
            eventlet.sleep(TICK_SECONDS if seconds_left is None
                           else min(seconds_left, TICK_SECONDS))


class _MaintenanceChildren:
    """The master's maintenance rounds, each in a child ``fork`` starts."""

    def __init__(self, server, fork):
        self._server = server
        self._fork = fork
        self._schedule = _MaintenanceSchedule()
        self._pid = None
        self._stopped = False
        self._kill_at = None

    def running(self):
        return self._pid is not None

    def _seconds_left(self):
        if self._server.maintenance is None or self._stopped:
            return None
        return self._schedule.seconds_left()

    def seconds_to_next_round(self, at_most):
        """How long the master may wait for a signal, up to ``at_most``."""
        seconds_left = self._seconds_left()
        return at_most if seconds_left is None else min(seconds_left, at_most)

    def start_when_due(self):
        if self._seconds_left() != 0:
            return
        self._schedule.round_started()
        if self._pid is not None:
            LOG.warning('Maintenance round %d is still running; skipping '
                        'the round due now', self._pid)
            return
        self._pid = self._fork(self._prepare_child, 'Maintenance round')
        LOG.debug('Started maintenance round %d', self._pid)

    def _prepare_child(self):
        """In the child: signals' default actions (a stop ends the round at
        once) and no listening socket, which would keep connections
        waiting once the workers are gone."""
        signal.set_wakeup_fd(-1)
        for signum in MASTER_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        if self._server.sock is not None:
            self._server.sock.close()
        return functools.partial(_maintenance_round,
                                 self._server.maintenance)

    def exited(self, pid, status):
        """Whether ``pid`` was the round running, which ``status`` ended."""
        if pid != self._pid:
            return False
        if status != 0 and not self._stopped:
            LOG.error('Maintenance round %d %s', pid, _describe_exit(status))
        self._pid = self._kill_at = None
        return True

    def stop(self):
        """Start no more rounds; end the one running, if any (SIGKILL after
        FAST_STOP_SECONDS)."""
        self._stopped = True
        if self._pid is not None:
            _signal_process(self._pid, signal.SIGTERM)
            self._kill_at = _clock() + FAST_STOP_SECONDS

    def kill_overdue(self):
        if self._kill_at is not None and _clock() > self._kill_at:
            LOG.warning('Maintenance round %d did not exit in time; killing '
                        'it', self._pid)
            _signal_process(self._pid, signal.SIGKILL)
            self._kill_at = None


class _EventletLog:
    """Where eventlet.wsgi logs, for the 'eventlet.wsgi' logger.

    Its access lines are rendered empty (log_format='') and dropped: the
    access_log middleware writes those.
    """

    _logger = logging.getLogger('eventlet.wsgi')

    def info(self, message, *args, **kwargs):
        if message:
            self._logger.info(message, *args)

    def debug(self, message, *args, **kwargs):
        self._logger.debug(message, *args)

    def error(self, message, *args, **kwargs):
        self._logger.error(message, *args)


class _ConnectionPool(eventlet.GreenPool):
    """The pool of connection handlers, which marks new connections busy.

    eventlet.wsgi.server records an accepted connection as idle and spawns
    its handler; a graceful stop shuts down idle connections.  The client of
    a new connection has a request on its way, which must be served, so it
    is marked busy here, as it is spawned: a handler that has not run yet
    when the stop comes would otherwise lose it.  After its first response
    eventlet marks the connection idle again, as a keep-alive wait.
    """

    def spawn(self, function, *args, **kwargs):
        connection = args[0] if args else None
        if isinstance(connection, list) and len(connection) == 3 \
                and connection[2] == eventlet_wsgi.STATE_IDLE:
            connection[2] = eventlet_wsgi.STATE_REQUEST
        return super().spawn(function, *args, **kwargs)


def _signal_process(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe_exit(status):
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return 'was killed by %s' % signal.Signals(-code).name
    return 'exited with status %d' % code
