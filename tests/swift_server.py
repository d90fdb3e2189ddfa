"""A real OpenStack Swift on loopback, for tests of the swift and s3 stores.

    with SwiftServer(tmp_dir) as swift:
        swift.auth_url      # tempauth, auth v1: swift.user / swift.key
        swift.s3_endpoint   # the s3api middleware: access key swift.user,
                            # secret swift.key, region S3_REGION
        swift.start_keystone_proxy(keystone.authtoken_options())
        swift.keystone_proxy_url  # a second proxy on the same servers:
                                  # Keystone tokens (authtoken), accounts
                                  # AUTH_<project id> (keystoneauth)

Swift runs from the ``swift`` package of PyPI (and keystonemiddleware,
for the Keystone proxy), installed once in a virtualenv of its own
(``venv_dir()``, kept between test runs; eventlet and Swift's other
dependencies stay out of the test venv): a proxy (tempauth, s3api,
slo...) and one account, container and object server, one replica on one
device, rings built here, everything under the given directory.
``python -m tests.swift_server --install`` installs it ahead (CI does).

Servers run with ``workers = 0`` (the pid spawned is the server) and die
with the process that spawned them, even after a crashed test run.
"""

import contextlib
import ctypes
import fcntl
import getpass
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

SWIFT_VERSION = '2.38.3'
# What the proxy's authtoken filter (Keystone auth) needs, installed in the
# same virtualenv; a marker per version upgrades venvs made before it.
KEYSTONEMIDDLEWARE = 'keystonemiddleware==13.0.1'
USER = 'test:tester'
KEY = 'testing'
# A second account, for multi-tenant tests.
OTHER_USER = 'other:tester'
OTHER_KEY = 'other-key'
S3_REGION = 'us-east-1'
# The smallest S3 multipart part the proxy accepts (Swift's default is
# 5 MiB): small parts keep multipart tests fast.
S3_MIN_PART_SIZE = 1024 * 1024
SERVERS = ('account', 'container', 'object', 'proxy')
START_TIMEOUT = 60


def venv_dir():
    """Where Swift is installed: $GLANCE_TEST_SWIFT_VENV, or a folder of
    the user's cache named after the version."""
    return os.environ.get('GLANCE_TEST_SWIFT_VENV') or os.path.join(
        os.path.expanduser('~'), '.cache', 'glance-tests',
        'swift-' + SWIFT_VERSION)


def install():
    """Install Swift in venv_dir() unless it is there; its bin directory.

    Several test processes may ask at once: a lock file lets one install
    while the others wait.  RuntimeError with pip's output on failure.
    """
    venv = venv_dir()
    bin_dir = os.path.join(venv, 'bin')
    marker = os.path.join(venv, '.installed')
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    with open(venv + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        steps = []
        if not os.path.exists(marker):
            shutil.rmtree(venv, ignore_errors=True)
            steps = [[sys.executable, '-m', 'venv', venv],
                     [os.path.join(bin_dir, 'pip'), 'install', '--quiet',
                      'swift==' + SWIFT_VERSION]]
        middleware_marker = os.path.join(venv, '.' + KEYSTONEMIDDLEWARE)
        if not os.path.exists(middleware_marker):
            steps.append([os.path.join(bin_dir, 'pip'), 'install', '--quiet',
                          KEYSTONEMIDDLEWARE])
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True,
                                    timeout=600)
            if result.returncode:
                raise RuntimeError('%s failed:\n%s%s' % (
                    ' '.join(step), result.stdout, result.stderr))
        for path in (marker, middleware_marker):
            open(path, 'a').close()
    return bin_dir


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child: be killed when the test process dies (the servers
    call setsid(), so the process group does not reach them)."""
    ctypes.CDLL('libc.so.6').prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


BACKEND_CONF = """\
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = {user}
swift_dir = {etc}
devices = {devices}
mount_check = false
log_level = WARNING

[pipeline:main]
pipeline = healthcheck {name}-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:{name}-server]
use = egg:swift#{name}
"""

# A proxy: the pipeline around ``{auth}``, the filters that authenticate
# and authorize, configured in ``{sections}``.
PROXY_CONF = """\
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = {user}
swift_dir = {etc}
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging listing_formats {auth} copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

{sections}
{filters}
"""

# The main proxy: tempauth, and s3api in front of it.
TEMPAUTH = 'bulk s3api tempauth'
TEMPAUTH_SECTIONS = """\
[filter:tempauth]
use = egg:swift#tempauth
user_{account}_{username} = {key} .admin
user_{other_account}_{other_username} = {other_key} .admin
fernet_key_k1 = {fernet_key}
active_fernet_key_id = k1

[filter:s3api]
use = egg:swift#s3api
location = {region}
min_segment_size = {min_part}
"""

# A second proxy on the same backend servers, authenticating with Keystone
# tokens (authtoken) and authorizing with keystoneauth: accounts are
# AUTH_<project id>, their operators hold one of OPERATOR_ROLES.
KEYSTONE = 'authtoken keystoneauth'
KEYSTONE_SECTIONS = """\
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
{authtoken}

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = {operator_roles}
"""
OPERATOR_ROLES = ('admin', 'member')

# Pipeline names of the proxy's plain filters; the entry point of each has
# "_" where the name has "-".
PROXY_FILTERS = ('catch_errors', 'gatekeeper', 'healthcheck',
                 'proxy-logging', 'listing_formats', 'bulk', 'copy', 'slo',
                 'dlo', 'versioned_writes', 'symlink')

SWIFT_CONF = """\
[swift-hash]
swift_hash_path_suffix = glance-tests
swift_hash_path_prefix = glance-tests

[storage-policy:0]
name = gold
default = yes
"""

BUILD_RINGS = """\
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), sys.argv[2:]):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1',
                     'port': int(port), 'device': 'd1', 'weight': 1})
    builder.rebalance()
    builder.get_ring().save('%s/%s.ring.gz' % (etc, name))
"""


class SwiftServer:
    """A Swift cluster under ``directory`` (a disk filesystem: the object
    server needs user xattrs, which tmpfs lacks before Linux 6.6)."""

    user = USER
    key = KEY

    def __init__(self, directory):
        self.directory = str(directory)
        self.etc = os.path.join(self.directory, 'etc')
        self.logs = os.path.join(self.directory, 'log')
        self.ports = {name: _free_port() for name in SERVERS}
        self.processes = {}
        self.keystone_port = None

    @property
    def proxy_url(self):
        return 'http://127.0.0.1:%d' % self.ports['proxy']

    @property
    def auth_url(self):
        return self.proxy_url + '/auth/v1.0'

    @property
    def s3_endpoint(self):
        return self.proxy_url

    def storage_url(self, account='test'):
        return '%s/v1/AUTH_%s' % (self.proxy_url, account)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        bin_dir = install()
        for path in (self.etc, self.logs,
                     os.path.join(self.directory, 'srv', 'd1')):
            os.makedirs(path, exist_ok=True)
        self._write_configs(bin_dir)
        try:
            for name in SERVERS:
                self._spawn(bin_dir, name, name)
            self._wait_healthy(self.ports)
            self._probe()
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def keystone_proxy_url(self):
        return 'http://127.0.0.1:%d' % self.keystone_port

    def start_keystone_proxy(self, authtoken_options):
        """Start the Keystone-backed proxy (KEYSTONE_PROXY_CONF), its
        authtoken filter configured with ``authtoken_options``; it stops
        with the cluster.  Only tests of Keystone auth pay for it."""
        bin_dir = install()
        self.keystone_port = _free_port()
        options = '\n'.join('%s = %s' % item
                            for item in authtoken_options.items())
        self._write_proxy_conf('proxy-keystone', self.keystone_port,
                               KEYSTONE, KEYSTONE_SECTIONS.format(
                                   authtoken=options,
                                   operator_roles=', '.join(OPERATOR_ROLES)))
        self._spawn(bin_dir, 'proxy-keystone', 'proxy')
        self._wait_healthy({'proxy-keystone': self.keystone_port})
        return self

    def _spawn(self, bin_dir, name, server):
        with open(os.path.join(self.logs, name + '.log'), 'ab') as log:
            self.processes[name] = subprocess.Popen(
                [os.path.join(bin_dir, 'swift-%s-server' % server),
                 os.path.join(self.etc, name + '-server.conf'), '-v'],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=dict(os.environ, PYTHONWARNINGS='ignore'),
                preexec_fn=_die_with_parent)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            if process.poll() is None:
                process.kill()
                process.wait()
        self.processes = {}

    def read_logs(self):
        texts = []
        for name in self.processes:
            with contextlib.suppress(OSError), \
                    open(os.path.join(self.logs, name + '.log')) as f:
                texts.append('--- %s\n%s' % (name, f.read()[-4000:]))
        return '\n'.join(texts)

    def swift_client(self):
        """A python-swiftclient Connection of the test account."""
        import swiftclient
        return swiftclient.Connection(authurl=self.auth_url, user=self.user,
                                      key=self.key, auth_version='1',
                                      retries=0)

    def s3_client(self):
        """A boto3 S3 client of the test account, path-style."""
        import boto3
        from botocore import config
        return boto3.client(
            's3', endpoint_url=self.s3_endpoint,
            aws_access_key_id=self.user, aws_secret_access_key=self.key,
            region_name=S3_REGION,
            config=config.Config(s3={'addressing_style': 'path'}))

    def auth(self, user=USER, key=KEY):
        """(storage URL, token) of a tempauth user."""
        request = urllib.request.Request(self.auth_url, headers={
            'X-Auth-User': user, 'X-Auth-Key': key})
        with urllib.request.urlopen(request, timeout=10) as response:
            return (response.headers['X-Storage-Url'],
                    response.headers['X-Auth-Token'])

    def _write_configs(self, bin_dir):
        user = getpass.getuser()
        with open(os.path.join(self.etc, 'swift.conf'), 'w') as f:
            f.write(SWIFT_CONF)
        for name in ('account', 'container', 'object'):
            with open(os.path.join(self.etc, name + '-server.conf'),
                      'w') as f:
                f.write(BACKEND_CONF.format(
                    port=self.ports[name], user=user, etc=self.etc,
                    devices=os.path.join(self.directory, 'srv'), name=name))
        account, username = USER.split(':')
        other_account, other_username = OTHER_USER.split(':')
        tempauth = TEMPAUTH_SECTIONS.format(
            account=account, username=username, key=KEY,
            other_account=other_account, other_username=other_username,
            other_key=OTHER_KEY, fernet_key=_fernet_key(),
            region=S3_REGION, min_part=S3_MIN_PART_SIZE)
        self._write_proxy_conf('proxy', self.ports['proxy'], TEMPAUTH,
                               tempauth)
        result = subprocess.run(
            [os.path.join(bin_dir, 'python'), '-c', BUILD_RINGS, self.etc] +
            [str(self.ports[name]) for name in SERVERS[:3]],
            capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError('building the rings failed:\n' + result.stderr)

    def _write_proxy_conf(self, name, port, auth, sections):
        with open(os.path.join(self.etc, name + '-server.conf'), 'w') as f:
            f.write(PROXY_CONF.format(
                port=port, user=getpass.getuser(), etc=self.etc, auth=auth,
                sections=sections, filters=_filter_sections()))

    def _wait_healthy(self, ports):
        give_up_at = time.monotonic() + START_TIMEOUT
        for name, port in ports.items():
            url = 'http://127.0.0.1:%d/healthcheck' % port
            while True:
                if self.processes[name].poll() is not None:
                    raise RuntimeError('swift-%s-server exited\n%s'
                                       % (name, self.read_logs()))
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > give_up_at:
                    raise RuntimeError('swift-%s-server not healthy after '
                                       '%d s\n%s' % (name, START_TIMEOUT,
                                                     self.read_logs()))
                time.sleep(0.1)

    def _probe(self):
        """A container created and removed: every server answers."""
        storage_url, token = self.auth()
        for method in ('PUT', 'DELETE'):
            request = urllib.request.Request(
                storage_url + '/probe', method=method,
                headers={'X-Auth-Token': token})
            urllib.request.urlopen(request, timeout=10).close()


def _filter_sections():
    return '\n'.join(
        '[filter:%s]\nuse = egg:swift#%s\n' % (f, f.replace('-', '_'))
        for f in PROXY_FILTERS)


def _fernet_key():
    import base64
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


if __name__ == '__main__':
    if sys.argv[1:] == ['--install']:
        print(install())
    else:
        sys.exit('usage: python -m tests.swift_server --install')
