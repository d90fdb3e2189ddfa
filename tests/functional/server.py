"""A real glance-api process on a free port, for functional tests.

    api = ApiServer(tmp_path, workers=2, conf={'test_app': {'greeting': 'hi'}})
    api.start()
    requests.get(api.url + '/v2/images')
    api.stop()

Everything lives in the given directory (``data_dir``): glance-api.conf,
glance.sqlite, images/, glance-api.log, glance-api.pid and glance-api.stderr
(the process's stdout and stderr).  The process runs in a session of its
own, so stop() can kill any worker left behind.  tests/functional/conftest.py
wraps this in the ``api_server`` and ``make_api_server`` fixtures.
"""

import importlib.util
import os
import socket
import subprocess
import sys
import time
from signal import SIGKILL, SIGTERM

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
REPO_PASTE_INI = os.path.join(REPO, 'etc', 'glance-api-paste.ini')
# The console scripts of the virtualenv running the tests.
BIN_DIR = os.path.dirname(sys.executable)
START_TIMEOUT = 30
STOP_TIMEOUT = 30


def free_port():
    """A port nobody listens on right now (another process may take it
    before the server binds it: an accepted race)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def command(name):
    return os.path.join(BIN_DIR, name)


def child_pids(pid):
    """Pids of the live children of process ``pid`` (a master's workers)."""
    children = set()
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                state, parent = f.read().rpartition(')')[2].split()[:2]
        except OSError:
            continue
        if int(parent) == pid and state != 'Z':
            children.add(int(entry))
    return children


class ApiServer:

    def __init__(self, directory, flavor=None, workers=0, conf=None,
                 paste_ini=None):
        self.data_dir = str(directory)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.conf_path = self._path('glance-api.conf')
        self.log_path = self._path('glance-api.log')
        self.pid_path = self._path('glance-api.pid')
        self.stderr_path = self._path('glance-api.stderr')
        self.process = None
        paste_deploy = {'config_file': paste_ini or REPO_PASTE_INI}
        if flavor:
            paste_deploy['flavor'] = flavor
        self._settings = {
            'DEFAULT': {'bind_host': '127.0.0.1', 'bind_port': self.port,
                        'workers': workers, 'log_file': self.log_path,
                        'pid_file': self.pid_path},
            'database': {
                'connection': 'sqlite:///' + self._path('glance.sqlite')},
            'glance_store': {
                'filesystem_store_datadir': self._path('images')},
            'paste_deploy': paste_deploy,
        }
        self.update_conf(conf or {})

    def _path(self, name):
        return os.path.join(self.data_dir, name)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def update_conf(self, conf):
        """Merge ``{section: {option: value}}`` into glance-api.conf (e.g.
        before a SIGHUP)."""
        for section, values in conf.items():
            self._settings.setdefault(section, {}).update(values)
        with open(self.conf_path, 'w') as f:
            for section, values in self._settings.items():
                f.write('[%s]\n' % section)
                for option, value in values.items():
                    f.write('%s = %s\n' % (option, value))
                f.write('\n')

    def environ(self):
        """The environment of the processes: tests.* importable from paste."""
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            filter(None, [REPO, env.get('PYTHONPATH')]))
        return env

    def db_sync(self):
        """``glance-manage db_sync``, once glance.cmd.manage exists."""
        if importlib.util.find_spec('glance.cmd.manage') is None:
            return
        result = subprocess.run(
            [command('glance-manage'), '--config-file', self.conf_path,
             'db_sync'], capture_output=True, text=True, env=self.environ(),
            timeout=120)
        if result.returncode:
            raise RuntimeError('glance-manage db_sync failed:\n'
                               + result.stdout + result.stderr)

    def start(self, timeout=START_TIMEOUT):
        self.db_sync()
        with open(self.stderr_path, 'ab') as output:
            self.process = subprocess.Popen(
                [command('glance-api'), '--config-file', self.conf_path],
                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                env=self.environ(), cwd=self.data_dir,
                start_new_session=True)
        self.wait_for_port(timeout)
        return self

    def run_foreground(self, timeout=60):
        """Run glance-api to its end (for start-up failures): the
        CompletedProcess, with text stdout and stderr."""
        self.db_sync()
        return subprocess.run(
            [command('glance-api'), '--config-file', self.conf_path],
            capture_output=True, text=True, env=self.environ(),
            cwd=self.data_dir, timeout=timeout)

    def wait_for_port(self, timeout=START_TIMEOUT):
        """Wait until the port accepts connections; fail with the log if the
        process exits or the time runs out first."""
        give_up_at = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError('glance-api exited with status %d before '
                                   'serving\n%s' % (self.process.returncode,
                                                    self.diagnostics()))
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return
            except OSError:
                if time.monotonic() > give_up_at:
                    raise RuntimeError('glance-api not serving on port %d '
                                       'after %d s\n%s' % (
                                           self.port, timeout,
                                           self.diagnostics()))
                time.sleep(0.05)

    def signal(self, signum):
        os.kill(self.pid, signum)

    def stop(self, sig=SIGTERM, timeout=STOP_TIMEOUT):
        """Send ``sig`` and wait for the exit status.  Anything of the
        server still running after that (or after ``timeout``) is killed."""
        if self.process is None:
            return None
        try:
            if self.process.poll() is None:
                self.signal(sig)
            return self.process.wait(timeout)
        finally:
            try:
                os.killpg(self.process.pid, SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()

    def worker_pids(self):
        return child_pids(self.pid)

    def read_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def diagnostics(self):
        """The end of the log and of stderr, for failure messages."""
        try:
            with open(self.stderr_path) as f:
                stderr = f.read()
        except FileNotFoundError:
            stderr = ''
        return ('--- %s (end)\n%s\n--- stderr (end)\n%s'
                % (self.log_path, self.read_log()[-4000:], stderr[-4000:]))
