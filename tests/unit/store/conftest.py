"""A fresh ConfigOpts and the driver under test: a filesystem driver on a
temporary datadir unless the test file has a ``make_driver`` of its own."""

import pytest

from tests import object_stores
from tests.unit.store import helpers


@pytest.fixture
def conf():
    return helpers.fresh_conf()


@pytest.fixture
def datadir(tmp_path):
    return tmp_path / 'images'


@pytest.fixture
def set_datadir(conf, datadir):
    """Point [glance_store] filesystem_store_datadir at ``datadir``."""
    return lambda: helpers.set_datadir(conf, datadir)


@pytest.fixture
def container():
    """A Swift container of the test's own."""
    return object_stores.unique_name()


@pytest.fixture
def make_driver(conf, datadir):
    """``make_driver()``: a filesystem driver keeping its files in
    ``datadir``."""
    return lambda: helpers.filesystem_driver(datadir, conf)


@pytest.fixture
def driver(make_driver):
    """The driver under test, as ``make_driver`` builds it by default."""
    return make_driver()
