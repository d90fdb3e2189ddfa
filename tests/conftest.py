"""Fixtures every test may use: the databases of tests/databases.py, and
a real OpenStack Swift (tests/swift_server.py) started once per session."""

import subprocess

import pytest

from tests.databases import database_url, databases  # noqa: F401
from tests.databases import shared_databases, sqlite_engine  # noqa: F401


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
