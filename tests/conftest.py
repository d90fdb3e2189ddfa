"""Fixtures every test may use: the databases of tests/databases.py, a
real OpenStack Swift (tests/swift_server.py), a Ceph cluster
(tests/ceph_cluster.py) and a real Keystone (tests/keystone_server.py),
each started once per session, and the disk images of
tests/disk_images.py."""

import os
import subprocess

import pytest

from tests import ceph_cluster as ceph_cluster_module
from tests.databases import database_url, databases  # noqa: F401
from tests.databases import shared_databases, sqlite_engine  # noqa: F401
from tests.disk_images import real_images  # noqa: F401
from tests import keystone_server
from tests.keystone_server import KeystoneServer


@pytest.fixture(scope='session')
def keystone(tmp_path_factory):
    """A real Keystone with the identities of tests/keystone_server.py,
    for the whole test run (one per test process); skips, saying why, when
    Keystone cannot be installed or started."""
    server = KeystoneServer(tmp_path_factory.mktemp('keystone'))
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        pytest.skip('no Keystone: %s' % str(e)[:500])
    yield server
    server.stop()


@pytest.fixture(scope='session')
def swift_server(tmp_path_factory):
    """A real OpenStack Swift (tests/swift_server.py) for the session."""
    from tests import swift_server as swift_server_mod
    try:
        swift_server_mod.install()
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        pytest.skip('OpenStack Swift cannot be installed: %s' % e)
    with swift_server_mod.SwiftServer(tmp_path_factory.mktemp('swift')) \
            as server:
        yield server


@pytest.fixture(scope='session')
def keystone_swift(swift_server, keystone):
    """``swift_server`` with its Keystone-backed proxy started
    (``keystone_proxy_url``) and in ``keystone``'s catalog as the
    object-store service (public, per project: AUTH_<project id>)."""
    swift_server.start_keystone_proxy(keystone.authtoken_options())
    admin = keystone.client()
    service = admin.services.create('swift', type='object-store')
    admin.endpoints.create(
        service, swift_server.keystone_proxy_url + '/v1/AUTH_$(project_id)s',
        interface='public', region=keystone_server.REGION)
    return swift_server


@pytest.fixture(scope='session')
def ceph_cluster(tmp_path_factory):
    """A one-node Ceph cluster (tests/ceph_cluster.py) for the session.

    Skipped, saying what to install, where Ceph is missing; under CI
    (CI=true), which installs it (.ci/run), that is a failure instead.
    """
    missing = ceph_cluster_module.missing_requirement()
    if missing:
        if os.environ.get('CI') == 'true':
            pytest.fail('Ceph tests cannot run in CI: ' + missing)
        pytest.skip('no Ceph cluster: ' + missing)
    # Room in the OSD's memory for the 2 GiB memory test's image beside the
    # other tests' (memstore takes memory only for what is stored).
    cluster = ceph_cluster_module.CephCluster(
        tmp_path_factory.mktemp('ceph'), osd_bytes=4 << 30).start()
    yield cluster
    cluster.stop()
