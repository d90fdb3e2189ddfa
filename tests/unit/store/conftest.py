"""A fresh ConfigOpts and a filesystem driver on a temporary datadir."""

import pytest

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
def driver(conf, datadir):
    return helpers.filesystem_driver(datadir, conf)
