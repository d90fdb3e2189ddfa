"""Fixtures every test may use: the databases of tests/databases.py, and
a real OpenStack Swift (tests/swift_server.py) and a real Keystone
(tests/keystone_server.py), each started once per session."""

import subprocess

import pytest

from tests.databases import database_url, databases  # noqa: F401
from tests.databases import shared_databases, sqlite_engine  # noqa: F401
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
