"""Fixtures running real glance-api processes (see tests/functional/server.py).

Tests that need a real glance-api take ``api_server`` (or ``data_api``),
and so run twice: with image metadata in the database (``sql``) and
through glance-registry (``registry``).  The API's behaviour is tested in
process (tests/wsgi_client.py, tests/unit/api/).
"""

import pytest

from tests.functional.server import ApiServer
from tests.functional.server import DATA_APIS


@pytest.fixture(scope='module', params=sorted(DATA_APIS))
def data_api(request):
    """How glance-api reaches image metadata: 'registry' or 'sql'."""
    return request.param


@pytest.fixture
def make_api_server(tmp_path):
    """``make_api_server(flavor=None, workers=0, conf=None, paste_ini=None,
    start=True, data_api='sql')``: an ApiServer in a directory of its own
    under tmp_path, started unless ``start`` is False, stopped at the end of
    the test."""
    servers = []

    def make(flavor=None, workers=0, conf=None, paste_ini=None, start=True,
             data_api='sql'):
        directory = tmp_path / ('glance-api-%d' % len(servers))
        directory.mkdir()
        server = ApiServer(directory, flavor=flavor, workers=workers,
                           conf=conf, paste_ini=paste_ini, data_api=data_api)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def api_server(make_api_server, data_api):
    """A started glance-api with the default pipeline, one process, in each
    data_api mode."""
    return make_api_server(data_api=data_api)
