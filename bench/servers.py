"""The three servers the benchmark measures, each started on a free port.

* ``OurServer``: this checkout's glance-api (the virtualenv running the
  benchmark), default worker count, SQLite and the filesystem store, the
  ``trusted-auth`` flavor (the Keystone pipeline without token validation).
* ``GlanceServer``: OpenStack Glance 33.0.0 under uWSGI as its
  documentation shows, SQLite and the filesystem store, with the same
  pipeline: its Keystone pipeline without ``authtoken``, added to a copy of
  its paste file as the flavor ``trusted-auth``.  It only runs here, from a
  virtualenv of its own (see bench/install.py).
* ``NginxServer``: nginx with sendfile, serving a directory of files.

Every request to the API servers carries the identity headers a Keystone
front end would set (``IDENTITY_HEADERS``): a member of one project.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUR_BIN = os.path.dirname(sys.executable)
PROJECT_ID = '5eb1e7a2c0d34d8f9b6a1e2d3c4b5a69'
IDENTITY_HEADERS = {
    'X-Identity-Status': 'Confirmed',
    'X-Project-Id': PROJECT_ID,
    'X-User-Id': 'bench-user',
    'X-Roles': 'member,reader',
}
START_TIMEOUT = 60


class MachineCpu:
    """CPU seconds the whole machine spent busy (every process, the
    kernel's work included) while the block ran, from /proc/stat, and how
    many cores it has: ``cpus / seconds_per_GiB`` is the most GiB/s a
    transfer needing that much CPU could reach here."""

    cpus = os.cpu_count()

    def __enter__(self):
        self._before = self._busy()
        self.seconds = None
        return self

    def __exit__(self, *exc_info):
        self.seconds = self._busy() - self._before

    @staticmethod
    def _busy():
        with open('/proc/stat') as f:
            ticks = [int(n) for n in f.readline().split()[1:]]
        idle = ticks[3] + ticks[4]  # idle, iowait
        return (sum(ticks[:8]) - idle) / os.sysconf('SC_CLK_TCK')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def process_tree(pid):
    """``pid`` and its live descendants (a master and its workers)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rpartition(')')[2].split()
        except OSError:
            continue
        if fields[0] != 'Z':
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def cpu_seconds(pids):
    """CPU seconds used so far by the live threads of ``pids``, to the
    nanosecond (``/proc/PID/task/TID/schedstat``).  /proc/PID/stat counts in
    clock ticks (10 ms): nginx serves 1 GiB in 6-8 of them, so a figure per
    GiB made from ticks was off by up to half.  Threads that have exited are
    not counted: every server here keeps its threads (eventlet's hub and
    thread pool, nginx's and uWSGI's workers)."""
    total = 0
    for pid in pids:
        try:
            threads = os.listdir('/proc/%d/task' % pid)
        except OSError:
            continue
        for tid in threads:
            try:
                with open('/proc/%d/task/%s/schedstat' % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e9


def status_kib(pid, field):
    """A ``VmRSS``-like field of /proc/PID/status, in KiB."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError('no %s for pid %d' % (field, pid))


def reset_peak_rss(pid):
    """Make VmHWM (peak RSS) restart from the current RSS."""
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


def wait_for_http(url, process, log_path):
    give_up_at = time.monotonic() + START_TIMEOUT
    while time.monotonic() < give_up_at:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    with open(log_path, errors='replace') as f:
        tail = f.read()[-3000:]
    raise RuntimeError('%s did not start:\n%s' % (url, tail))


class Server:
    """A server process in ``directory``; ``url``, ``pids()``, ``stop()``."""

    name = None
    # Where image files live, for nginx and for evicting them from the
    # page cache.
    datadir = None

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = os.path.join(directory, 'server.log')
        self.process = None

    def path(self, name):
        return os.path.join(self.directory, name)

    def _spawn(self, argv, env=None, probe='/versions'):
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=env, cwd=self.directory, start_new_session=True)
        wait_for_http(self.url + probe, self.process, self.log_path)

    def pids(self):
        return process_tree(self.process.pid)

    def worker_pids(self):
        """The processes that serve requests."""
        pids = self.pids()
        return pids[1:] or pids

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        pids = self.pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()


def _write_ini(path, sections):
    with open(path, 'w') as f:
        for section, values in sections.items():
            f.write('[%s]\n' % section)
            for key, value in values.items():
                f.write('%s = %s\n' % (key, value))
            f.write('\n')


class OurServer(Server):

    name = 'ours'
    flavor = 'trusted-auth'

    def __init__(self, directory, glance_store=None):
        super().__init__(directory)
        # [glance_store] options beyond the filesystem store's datadir.
        self.glance_store = glance_store or {}

    def start(self):
        self.datadir = self.path('images')
        self.database = self.path('glance.sqlite')
        conf = self.path('glance-api.conf')
        _write_ini(conf, {
            'DEFAULT': dict({'bind_host': '127.0.0.1',
                             'bind_port': self.port,
                             'log_file': self.path('glance-api.log')},
                            **self.own_options()),
            'database': {'connection': 'sqlite:///' + self.database},
            # The backends of http locations listen on loopback.
            'glance_store': dict({'filesystem_store_datadir': self.datadir,
                                  'http_allowed_internal_hosts': '127.0.0.1'},
                                 **self.glance_store),
            'paste_deploy': {
                'config_file': os.path.join(REPO, 'etc',
                                            'glance-api-paste.ini'),
                'flavor': self.flavor},
        })
        subprocess.run([os.path.join(OUR_BIN, 'glance-manage'),
                        '--config-file', conf, 'db_sync'],
                       check=True, capture_output=True)
        self._spawn([os.path.join(OUR_BIN, 'glance-api'),
                     '--config-file', conf])
        return self

    def own_options(self):
        return {}


class CachingServer(OurServer):
    """Our glance-api with the image cache (``trusted-auth+caching``), on
    the database and image directory of ``ours``: the same images, read
    through the cache."""

    name = 'ours+cache'
    flavor = 'trusted-auth+caching'

    def __init__(self, directory, ours):
        super().__init__(directory)
        self.ours = ours

    def path(self, name):
        if name in ('images', 'glance.sqlite'):
            return self.ours.path(name)
        return super().path(name)

    def own_options(self):
        return {'image_cache_dir': self.path('cache'),
                'image_cache_max_size': 64 * 1024 ** 3}


# Glance's documented uWSGI settings (Running Glance in HTTPD, uWSGI
# server HTTP mode), on a local port, one process per CPU.
UWSGI_SETTINGS = {
    'socket-timeout': 10,
    'http-auto-chunked': 'true',
    'http-chunked-input': 'true',
    'http-raw-body': 'true',
    'lazy-apps': 'true',
    'add-header': 'Connection: close',
    'buffer-size': 65535,
    'thunder-lock': 'true',
    'enable-threads': 'true',
    'master': 'true',
    'die-on-term': 'true',
    'module': 'glance.wsgi.api:application',
}

TRUSTED_AUTH_PIPELINE = ('cors http_proxy_to_wsgi versionnegotiation '
                         'osprofiler context rootapp')


class GlanceServer(Server):

    name = 'glance33'

    def __init__(self, directory, venv):
        super().__init__(directory)
        self.venv = venv

    def start(self):
        self.datadir = self.path('images')
        self.database = self.path('glance.sqlite')
        os.makedirs(self.path('staging'), exist_ok=True)
        paste = self.path('glance-api-paste.ini')
        self._write_paste(paste)
        _write_ini(self.path('glance-api.conf'), {
            'DEFAULT': {'enabled_import_methods': '[]',
                        'log_file': self.path('glance-api.log')},
            'database': {'connection': 'sqlite:///' + self.database},
            'glance_store': {'stores': 'file', 'default_store': 'file',
                             'filesystem_store_datadir': self.datadir},
            'os_glance_staging_store': {
                'filesystem_store_datadir': self.path('staging')},
            'paste_deploy': {'config_file': paste,
                             'flavor': 'trusted-auth'},
        })
        bin_dir = os.path.join(self.venv, 'bin')
        subprocess.run([os.path.join(bin_dir, 'glance-manage'),
                        '--config-file', self.path('glance-api.conf'),
                        'db_sync'], check=True, capture_output=True)
        uwsgi_ini = self.path('uwsgi.ini')
        settings = dict(UWSGI_SETTINGS)
        settings.update({'http-socket': '127.0.0.1:%d' % self.port,
                         'processes': os.cpu_count() or 1,
                         'virtualenv': self.venv,
                         'env': 'OS_GLANCE_CONFIG_DIR=' + self.directory})
        _write_ini(uwsgi_ini, {'uwsgi': settings})
        self._spawn([os.path.join(bin_dir, 'uwsgi'), '--ini', uwsgi_ini])
        return self

    def _write_paste(self, path):
        """Glance's own paste file plus the ``trusted-auth`` flavor."""
        source = os.path.join(self.venv, 'etc', 'glance',
                              'glance-api-paste.ini')
        with open(source) as f:
            text = f.read()
        marker = '[composite:api]\n'
        if marker not in text:
            raise RuntimeError('unexpected Glance paste file %s' % source)
        text = text.replace(marker, (
            '[composite:glance-api-trusted-auth]\n'
            'paste.composite_factory = glance.api:root_app_factory\n'
            '/: api\n/healthcheck: healthcheck\n\n'
            + marker + 'trusted-auth = ' + TRUSTED_AUTH_PIPELINE + '\n'), 1)
        with open(path, 'w') as f:
            f.write(text)


NGINX_CONF = '''
worker_processes auto;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
%(user)s
events { worker_connections 1024; }
http {
    access_log %(access_log)s;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path %(dir)s/client_body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        location /files/ { alias %(root)s/; }
        location = /versions { return 200 "nginx\\n"; }
    }
}
'''


class NginxServer(Server):
    """nginx serving ``root`` under /files/."""

    name = 'nginx'

    def __init__(self, directory, root, access_log=False):
        super().__init__(directory)
        self.datadir = root
        self.access_log = self.path('access.log') if access_log else None

    def requests_for(self, name):
        """How many requests the access log has for file ``name``."""
        with open(self.access_log) as f:
            return sum(1 for line in f if '/files/%s ' % name in line)

    def start(self):
        conf = self.path('nginx.conf')
        with open(conf, 'w') as f:
            f.write(NGINX_CONF % {
                'dir': self.directory, 'port': self.port,
                'root': self.datadir,
                'access_log': self.access_log or 'off',
                # Workers drop to www-data, which cannot read a private
                # temporary directory.
                'user': 'user root;' if os.geteuid() == 0 else ''})
        nginx = shutil.which('nginx') or '/usr/sbin/nginx'
        self._spawn([nginx, '-p', self.directory, '-c', conf,
                     '-e', self.path('error.log'), '-g', 'daemon off;'])
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
