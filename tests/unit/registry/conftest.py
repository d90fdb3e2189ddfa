"""A registry server in a thread of the test process, on a fresh database.

The server is the registry WSGI app (its router over the SQL repository)
behind wsgiref: real HTTP on a loopback port, for the real client, without
a process to start.
"""

import pytest

from glance.api.middleware import unauthenticated_context
from glance.db import metadefs as db_metadefs
from glance.db import repository as db_repository
from glance.registry import api
from glance.registry import client
from glance.registry import metadefs_repository
from glance.registry import repository
from tests.threaded_server import serve_in_thread
from tests.threaded_server import stop


def client_of(server, **kwargs):
    host, port = server.server_address
    kwargs.setdefault('timeout', 30)
    return client.RegistryClient(host, port, **kwargs)


@pytest.fixture
def engine(sqlite_engine):
    """The database of the SQL repository's tests, as they run here: on
    SQLite only, as the registry puts the same HTTP layer over any."""
    return sqlite_engine


@pytest.fixture
def registry_server(engine):
    """The registry app, with every caller an administrator, as the plain
    pipeline has it."""
    app = unauthenticated_context.filter_factory({})(
        api.build(db_repository.SqlImageRepository(engine),
                  db_metadefs.SqlMetadefRepository(engine)))
    server = serve_in_thread(app)
    yield server
    stop(server)


@pytest.fixture
def repo(registry_server):
    """The registry repository, talking to ``registry_server``."""
    return repository.RegistryImageRepository(client_of(registry_server))


@pytest.fixture
def metadef_repo(registry_server):
    """The registry metadefs repository, talking to ``registry_server``."""
    return metadefs_repository.RegistryMetadefRepository(
        client_of(registry_server))
