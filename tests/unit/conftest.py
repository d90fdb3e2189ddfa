"""glance-api in the test process (tests/wsgi_client.py), for the tests of
its HTTP behaviour.

Tests taking ``api`` run twice: with image metadata in the database
(``sql``) and through glance-registry (``registry``).  ``make_api`` builds
one with other settings.
"""

import pytest

from glance.domain import formats
from tests.unit.store import helpers
from tests.wsgi_client import DATA_APIS
from tests.wsgi_client import InProcessApi


@pytest.fixture(params=sorted(DATA_APIS))
def data_api(request):
    """How glance-api reaches image metadata: 'registry' or 'sql'."""
    return request.param


@pytest.fixture
def make_api(tmp_path):
    """``make_api(flavor=None, conf=None, data_api='sql')``: an
    InProcessApi in a directory of its own, closed after the test.  One per
    test: they would share the global configuration."""
    made = []

    def make(flavor=None, conf=None, data_api='sql'):
        assert not made, 'one InProcessApi per test'
        made.append(InProcessApi(tmp_path, flavor=flavor, conf=conf,
                                 data_api=data_api))
        return made[0]

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api, data_api):
    """glance-api with the default pipeline, in each data_api mode."""
    return make_api(data_api=data_api)


@pytest.fixture
def format_options():
    """A fresh configuration with the [image_format] options alone."""
    conf = helpers.fresh_conf()
    formats.register_opts(conf)
    return conf
