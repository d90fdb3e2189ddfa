"""Real glance-api and glance-registry processes on free ports, for
functional tests.

    api = ApiServer(tmp_path, workers=2, conf={'test_app': {'greeting': 'hi'}})
    api.start()
    requests.get(api.url + '/v2/images')
    api.stop()

Everything lives in the given directory (``data_dir``): glance-api.conf,
glance.sqlite, images/, glance-api.log, glance-api.pid and glance-api.stderr
(the process's stdout and stderr).  The process runs in a session of its
own, so stop() can kill any worker left behind.

``ApiServer(..., data_api='registry')`` runs glance-api with image metadata
in a glance-registry of its own (``api.registry``, under ``registry/``, with
the flavor matching glance-api's), which start() starts and stop() stops
along.  tests/functional/conftest.py wraps this in the ``api_server`` and
``make_api_server`` fixtures.
"""

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from signal import SIGKILL, SIGTERM

from tests import file_server

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The console scripts of the virtualenv running the tests.
BIN_DIR = os.path.dirname(sys.executable)
START_TIMEOUT = 30
STOP_TIMEOUT = 30
# data_api values of glance-api, by the short names tests use.
DATA_APIS = {'sql': 'glance.db.sqlalchemy.api',
             'registry': 'glance.db.registry.api'}
# The registry flavor that sees the callers glance-api sees.
REGISTRY_FLAVORS = ('keystone', 'trusted-auth')


def free_port():
    """A port nobody listens on right now (another process may take it
    before the server binds it: an accepted race)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def command(name):
    return os.path.join(BIN_DIR, name)


def rss_mib(pid):
    """The resident memory of process ``pid``, in MiB."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS for process %d' % pid)


class PeakRss:
    """The RSS of process ``pid`` on entering the block (``start``) and
    the highest sampled while in it (``peak``), in MiB."""

    def __init__(self, pid, interval=0.02):
        self.pid = pid
        self.interval = interval
        self.start = self.peak = 0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self):
        self.start = self.peak = rss_mib(self.pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


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


def manage_db_sync(conf_path):
    """``glance-manage --config-file conf_path db_sync``."""
    result = subprocess.run(
        [command('glance-manage'), '--config-file', conf_path, 'db_sync'],
        capture_output=True, text=True, env=environ(), timeout=120)
    if result.returncode:
        raise RuntimeError('glance-manage db_sync failed:\n'
                           + result.stdout + result.stderr)


@functools.cache
def migrated_sqlite_template():
    """A SQLite database file migrated by glance-manage, made once."""
    directory = tempfile.mkdtemp(prefix='glance-template-db-')
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = os.path.join(directory, 'glance.sqlite')
    conf_path = os.path.join(directory, 'glance.conf')
    with open(conf_path, 'w') as f:
        f.write('[database]\nconnection = sqlite:///%s\n' % path)
    manage_db_sync(conf_path)
    return path


def environ():
    """The environment of the processes: tests.* importable from paste."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [REPO, env.get('PYTHONPATH')]))
    return env


class GlanceServer:
    """One daemon (``program``) with its configuration in ``directory``."""

    program = None

    def __init__(self, directory, flavor=None, workers=0, conf=None,
                 paste_ini=None):
        self.data_dir = str(directory)
        os.makedirs(self.data_dir, exist_ok=True)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.conf_path = self._path(self.program + '.conf')
        self.log_path = self._path(self.program + '.log')
        self.pid_path = self._path(self.program + '.pid')
        self.stderr_path = self._path(self.program + '.stderr')
        # What runs the program, before its --config-file: a test may put
        # another entry point here before start().
        self.command_line = [command(self.program)]
        self.process = None
        self.flavor = flavor
        paste_deploy = {'config_file': paste_ini or os.path.join(
            REPO, 'etc', self.program + '-paste.ini')}
        if flavor:
            paste_deploy['flavor'] = flavor
        self._sqlite_path = self._path('glance.sqlite')
        self._sqlite_connection = 'sqlite:///' + self._sqlite_path
        self._settings = {
            'DEFAULT': {'bind_host': '127.0.0.1', 'bind_port': self.port,
                        'workers': workers, 'log_file': self.log_path,
                        'pid_file': self.pid_path},
            'database': {'connection': self._sqlite_connection},
            'paste_deploy': paste_deploy,
        }
        self.update_conf(conf or {})

    def _path(self, name):
        return os.path.join(self.data_dir, name)

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def update_conf(self, conf):
        """Merge ``{section: {option: value}}`` into the config file (e.g.
        before a SIGHUP); a None value removes the option."""
        for section, values in conf.items():
            settings = self._settings.setdefault(section, {})
            settings.update(values)
            for option in [o for o, v in settings.items() if v is None]:
                del settings[option]
        with open(self.conf_path, 'w') as f:
            for section, values in self._settings.items():
                f.write('[%s]\n' % section)
                for option, value in values.items():
                    f.write('%s = %s\n' % (option, value))
                f.write('\n')

    def environ(self):
        return environ()

    def db_sync(self):
        """Bring this server's database to the newest revision.

        The SQLite file the harness gives each server starts as a copy of
        one database migrated once per test run (glance-manage takes a
        second a run); any other database is migrated with glance-manage.
        """
        connection = self._settings.get('database', {}).get('connection')
        if connection is None:
            return
        if connection == self._sqlite_connection:
            if not os.path.exists(self._sqlite_path):
                shutil.copyfile(migrated_sqlite_template(), self._sqlite_path)
            return
        manage_db_sync(self.conf_path)

    def launch(self):
        """Start the process, without waiting for it to serve."""
        with open(self.stderr_path, 'ab') as output:
            self.process = subprocess.Popen(
                self.command_line + ['--config-file', self.conf_path],
                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                env=self.environ(), cwd=self.data_dir,
                start_new_session=True)

    def start(self, timeout=START_TIMEOUT):
        self.db_sync()
        self.launch()
        self.wait_for_port(timeout)
        return self

    def run_foreground(self, timeout=60):
        """Run the program to its end (for start-up failures): the
        CompletedProcess, with text stdout and stderr."""
        self.db_sync()
        return subprocess.run(
            self.command_line + ['--config-file', self.conf_path],
            capture_output=True, text=True, env=self.environ(),
            cwd=self.data_dir, timeout=timeout)

    def wait_for_port(self, timeout=START_TIMEOUT):
        """Wait until the port accepts connections; fail with the log if the
        process exits or the time runs out first."""
        give_up_at = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError('%s exited with status %d before '
                                   'serving\n%s' % (self.program,
                                                    self.process.returncode,
                                                    self.diagnostics()))
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return
            except OSError:
                if time.monotonic() > give_up_at:
                    raise RuntimeError('%s not serving on port %d after %d s'
                                       '\n%s' % (self.program, self.port,
                                                 timeout, self.diagnostics()))
                time.sleep(0.05)

    def signal(self, signum):
        os.kill(self.pid, signum)

    def stop(self, sig=SIGTERM, timeout=STOP_TIMEOUT):
        """Send ``sig`` and wait for the exit status.  Anything of the
        server still running after that (or after ``timeout``) is killed."""
        self.send_stop(sig)
        return self.wait_stopped(timeout)

    def send_stop(self, sig=SIGTERM):
        if self.process is not None and self.process.poll() is None:
            self.signal(sig)

    def wait_stopped(self, timeout=STOP_TIMEOUT):
        """The exit status, once the process ended or was killed."""
        if self.process is None:
            return None
        try:
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


class RegistryServer(GlanceServer):
    program = 'glance-registry'


class ApiServer(GlanceServer):
    program = 'glance-api'

    def __init__(self, directory, flavor=None, workers=0, conf=None,
                 paste_ini=None, data_api='sql'):
        self.data_api = data_api
        self.registry = None
        if data_api == 'registry':
            base_flavor = (flavor or '').split('+')[0]
            self.registry = RegistryServer(
                os.path.join(str(directory), 'registry'),
                flavor=base_flavor if base_flavor in REGISTRY_FLAVORS
                else None)
        super().__init__(directory, flavor, workers, conf=None,
                         paste_ini=paste_ini)
        # No maintenance rounds unless a test asks for them: a round's
        # child would pass for a worker, and change what a test watches.
        own = {'glance_store': {
            'filesystem_store_datadir': self._path('images'),
            # The tests' web servers listen on loopback.
            'http_allowed_internal_hosts': file_server.HOST},
            'DEFAULT': {'maintenance_interval': 0,
                        'node_staging_uri': 'file://' + self._path(
                            'staging')}}
        if self.registry is not None:
            own['DEFAULT'].update({
                'data_api': DATA_APIS['registry'],
                'registry_host': '127.0.0.1',
                'registry_port': self.registry.port,
                'send_identity_headers':
                    self.registry.flavor == 'trusted-auth'})
            # The registry holds the metadata: glance-api has no database.
            own['database'] = {'connection': None}
        self.update_conf(own)
        self.update_conf(conf or {})

    def start(self, timeout=START_TIMEOUT):
        """Start glance-api (and its registry, at the same time)."""
        if self.registry is None:
            return super().start(timeout)
        self.registry.db_sync()
        self.registry.launch()
        self.launch()
        self.registry.wait_for_port(timeout)
        self.wait_for_port(timeout)
        return self

    def run_foreground(self, timeout=60):
        if self.registry is not None:
            self.registry.start()
        return super().run_foreground(timeout)

    def stop(self, sig=SIGTERM, timeout=STOP_TIMEOUT):
        """Stop glance-api (and its registry, at the same time)."""
        if self.registry is None:
            return super().stop(sig, timeout)
        self.send_stop(sig)
        self.registry.send_stop()
        try:
            return self.wait_stopped(timeout)
        finally:
            self.registry.wait_stopped()

    def diagnostics(self):
        own = super().diagnostics()
        if self.registry is None:
            return own
        return own + '\n' + self.registry.diagnostics()
