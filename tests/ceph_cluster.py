"""A throwaway one-node Ceph cluster (one mon, one memstore OSD, cephx) for
the RBD store's tests, run from Debian's packages (ceph-mon, ceph-osd,
ceph-common) with no systemd.

``CephCluster(directory).start()`` brings it up on a free loopback port in
a few seconds, with the pool ``images`` for RBD and the restricted user
``client.glance`` (``profile rbd pool=images``), as an operator gives
glance-api.  ``stop()`` ends the daemons, OSD before mon (the other way
round the OSD waits seconds for the mon).  The ``ceph_cluster`` fixture
(tests/conftest.py) starts one per test session (per xdist worker) and
skips, saying what to install, where the packages are missing.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

POOL = 'images'
USER = 'glance'
DAEMONS = ('ceph-mon', 'ceph-osd', 'ceph-authtool', 'monmaptool', 'ceph')
APT_PACKAGES = ('ceph-mon ceph-osd ceph-common python3-rados python3-rbd')
START_TIMEOUT = 60

CONF_TEMPLATE = """\
[global]
fsid = {fsid}
mon_host = v1:127.0.0.1:{port}
public_addr = 127.0.0.1
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = {dir}/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_warn_on_msgr2_not_enabled = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1
run_dir = {dir}/run
log_file = {dir}/log/$name.log
crash_dir = {dir}/crash
[mon]
admin_socket = {dir}/run/$name.asok
mon_data = {dir}/mon/$id
keyring = {dir}/mon/$id/keyring
[osd]
admin_socket = {dir}/run/$name.asok
osd_data = {dir}/osd/$id
keyring = {dir}/osd/$id/keyring
osd_objectstore = memstore
memstore_device_bytes = {osd_bytes}
osd_memory_target = 939524096
[client.{user}]
keyring = {dir}/ceph.client.{user}.keyring
"""


def missing_requirement():
    """Why a cluster cannot run here (what to install), or None."""
    for program in DAEMONS:
        if shutil.which(program) is None:
            return ('%s is not installed (apt-get install %s)'
                    % (program, APT_PACKAGES))
    try:
        import rados  # noqa: F401
        import rbd  # noqa: F401
    except ImportError as e:
        return ('the Ceph Python bindings cannot be imported (%s): install '
                'python3-rados and python3-rbd, then `make ceph-bindings` '
                'links them into the venv' % e)
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class CephCluster:
    """One mon and one OSD keeping their data under ``directory``."""

    def __init__(self, directory, osd_bytes=2 << 30):
        self.dir = str(directory)
        self.fsid = str(uuid.uuid4())
        self.port = _free_port()
        self.conf_path = os.path.join(self.dir, 'ceph.conf')
        self.user = USER
        self.pool = POOL
        self.user_keyring = os.path.join(
            self.dir, 'ceph.client.%s.keyring' % USER)
        self._osd_bytes = osd_bytes
        self._processes = {}

    # -- life -------------------------------------------------------------

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        for sub in ('mon/a', 'osd/0', 'run', 'log', 'crash'):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        with open(self.conf_path, 'w') as f:
            f.write(CONF_TEMPLATE.format(
                fsid=self.fsid, port=self.port, dir=self.dir, user=USER,
                osd_bytes=self._osd_bytes))
        keyring = os.path.join(self.dir, 'keyring')
        monmap = os.path.join(self.dir, 'monmap')
        self._run('monmaptool', '--create', '--fsid', self.fsid, '--addv',
                  'a', '[v1:127.0.0.1:%d]' % self.port, monmap)
        self._run('ceph-authtool', '--create-keyring', keyring, '--gen-key',
                  '-n', 'mon.', '--cap', 'mon', 'allow *')
        self._run('ceph-authtool', keyring, '--gen-key', '-n',
                  'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd',
                  'allow *', '--cap', 'mgr', 'allow *')
        self._run('ceph-mon', '--mkfs', '-i', 'a', '--monmap', monmap,
                  '--keyring', keyring)
        self._daemon('mon', 'ceph-mon', '-i', 'a', '-f')
        self._wait(lambda: self._ok('ceph', '--connect-timeout', '5',
                                    'mon', 'stat'), 'the mon to answer')
        secret = self._run('ceph-authtool', '--gen-print-key').strip()
        secret_path = os.path.join(self.dir, 'osd-secret.json')
        with open(secret_path, 'w') as f:
            json.dump({'cephx_secret': secret}, f)
        osd_uuid = str(uuid.uuid4())
        osd_id = self._run('ceph', 'osd', 'new', osd_uuid, '-i',
                           secret_path).strip()
        self._run('ceph-authtool', '--create-keyring',
                  os.path.join(self.dir, 'osd', osd_id, 'keyring'),
                  '--name', 'osd.' + osd_id, '--add-key', secret)
        self._run('ceph-osd', '-i', osd_id, '--mkfs', '--osd-uuid', osd_uuid)
        self._daemon('osd', 'ceph-osd', '-i', osd_id, '-f')
        self._wait(lambda: '1 up' in self._run('ceph', 'osd', 'stat'),
                   'the OSD to come up')
        self._run('ceph', 'osd', 'pool', 'create', POOL, '8', '8')
        self._run('ceph', 'osd', 'pool', 'application', 'enable', POOL,
                  'rbd')
        self._run('ceph', 'auth', 'get-or-create', 'client.' + USER, 'mon',
                  'profile rbd', 'osd', 'profile rbd pool=' + POOL, '-o',
                  self.user_keyring)
        self._wait(lambda: self._ok('rados', '-p', POOL, 'put', 'probe',
                                    self.conf_path), 'the pool to accept data')
        self._run('rados', '-p', POOL, 'rm', 'probe')

    def stop(self):
        for name in ('osd', 'mon'):
            process = self._processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    @contextlib.contextmanager
    def mon_paused(self):
        """The cluster unreachable (its mon stopped with SIGSTOP) while
        inside; back as it was after."""
        mon = self._processes['mon']
        mon.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            mon.send_signal(signal.SIGCONT)

    # -- looking inside, as the admin -------------------------------------

    def images(self):
        """Names of the RBD images in the pool."""
        return sorted(json.loads(self._run(
            'rbd', '-p', POOL, 'ls', '--format', 'json') or '[]'))

    def snapshots(self, image):
        """``{name: protected}`` of an image's snapshots."""
        listed = json.loads(self._run('rbd', '-p', POOL, 'snap', 'ls',
                                      image, '--format', 'json'))
        return {snap['name']: snap['protected'] == 'true' for snap in listed}

    def disk_usage(self, image):
        """(provisioned, used) bytes of an image and its snapshots, as
        ``rbd du`` counts them: used counts the objects written."""
        usage = json.loads(self._run('rbd', '-p', POOL, 'du', image,
                                     '--format', 'json'))
        rows = usage['images']
        return (max(row['provisioned_size'] for row in rows),
                sum(row['used_size'] for row in rows))

    def rbd(self, *args):
        """Run the rbd CLI as the admin; its stdout."""
        return self._run('rbd', '-p', POOL, *args)

    # -- helpers ----------------------------------------------------------

    def environ(self):
        return dict(os.environ, CEPH_CONF=self.conf_path)

    def _run(self, *args):
        result = subprocess.run(args, capture_output=True, text=True,
                                env=self.environ(), timeout=60,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError('%s failed (%d): %s' % (
                ' '.join(args), result.returncode, result.stderr.strip()))
        return result.stdout

    def _ok(self, *args):
        try:
            self._run(*args)
            return True
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def _daemon(self, name, *args):
        log = open(os.path.join(self.dir, 'log', name + '.stderr'), 'ab')
        with log:
            self._processes[name] = subprocess.Popen(
                args, env=self.environ(), stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True)

    def _wait(self, ready, what):
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            for name, process in self._processes.items():
                if process.poll() is not None:
                    raise RuntimeError('ceph %s exited (%s) waiting for %s; '
                                       'see %s/log' % (name, process.returncode,
                                                       what, self.dir))
            if time.monotonic() > deadline:
                raise RuntimeError('timed out waiting for ' + what)
            time.sleep(0.2)
