"""A registry server in a thread of the test process, on a fresh database.

The server is the registry WSGI app (its router over the SQL repository)
behind wsgiref: real HTTP on a loopback port, for the real client, without
a process to start.
"""

import socketserver
import threading
from wsgiref import simple_server

import pytest

from glance.api.middleware import unauthenticated_context
from glance.db import repository as db_repository
from glance.registry import api
from glance.registry import client
from glance.registry import repository


class _QuietHandler(simple_server.WSGIRequestHandler):

    def log_message(self, *args):
        pass


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True


def _without_hop_by_hop_headers(app):
    """``app`` minus the Connection header the router sets on some errors,
    which wsgiref refuses (it closes every connection anyway)."""
    def filtered(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [
                (name, value) for name, value in headers
                if name.lower() != 'connection'], exc_info)
        return app(environ, start)
    return filtered


def serve_in_thread(app):
    """Serve ``app`` on a free loopback port until the returned server is
    shut down; its address is ``server.server_address``."""
    server = _ThreadingServer(('127.0.0.1', 0), _QuietHandler)
    server.set_app(_without_hop_by_hop_headers(app))
    threading.Thread(target=server.serve_forever, args=(0.01,),
                     daemon=True).start()
    return server


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
        api.build(db_repository.SqlImageRepository(engine)))
    server = serve_in_thread(app)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def repo(registry_server):
    """The registry repository, talking to ``registry_server``."""
    return repository.RegistryImageRepository(client_of(registry_server))
