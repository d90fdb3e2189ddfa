"""Fixtures running real glance-api processes (see tests/functional/server.py)."""

import pytest

from tests.functional.server import ApiServer


@pytest.fixture
def make_api_server(tmp_path):
    """``make_api_server(flavor=None, workers=0, conf=None, paste_ini=None,
    start=True)``: an ApiServer in a directory of its own under tmp_path,
    started unless ``start`` is False, stopped at the end of the test."""
    servers = []

    def make(flavor=None, workers=0, conf=None, paste_ini=None, start=True):
        directory = tmp_path / ('glance-api-%d' % len(servers))
        directory.mkdir()
        server = ApiServer(directory, flavor=flavor, workers=workers,
                           conf=conf, paste_ini=paste_ini)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def api_server(make_api_server):
    """A started glance-api with the default pipeline, one process."""
    return make_api_server()
