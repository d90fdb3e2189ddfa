"""The domain services over a fresh SQLite database and filesystem store."""

import pytest

from glance.common import config
from glance.context import RequestContext
from glance.db import migration
from glance.db import repository
from glance.db import session
from glance.domain import policy
from glance import gateway
from glance import store
from glance.store import http
from tests import file_server
from tests.unit.store import helpers

# Keystone's implied roles: a member is a reader too, an admin both.
MEMBER_ROLES = ['member', 'reader']
OWNER = RequestContext(project_id='owner', roles=MEMBER_ROLES)
ALICE = RequestContext(project_id='alice', roles=MEMBER_ROLES)
BOB = RequestContext(project_id='bob', roles=MEMBER_ROLES)
ADMIN = RequestContext(project_id='ops', roles=['admin'] + MEMBER_ROLES,
                       is_admin=True)


@pytest.fixture
def datadir(tmp_path):
    return tmp_path / 'images'


@pytest.fixture
def repo(tmp_path):
    engine = session.create_engine('sqlite:///%s' % (tmp_path / 'glance.db'))
    migration.db_sync(engine=engine)
    yield repository.SqlImageRepository(engine)
    engine.dispose()


@pytest.fixture
def conf(datadir):
    conf = helpers.fresh_conf()
    conf.register_opts(config.image_opts)
    helpers.set_datadir(conf, datadir)
    conf.register_opts(http.http_opts, group='glance_store')
    conf.set_override('http_allowed_internal_hosts', [file_server.HOST],
                      group='glance_store')
    return conf


@pytest.fixture
def services(repo, conf):
    return gateway.build(repo, store.StoreRegistry(conf),
                         policy.Authorizer(conf), conf)


@pytest.fixture
def images(services):
    return services.images


def queued(services, context=OWNER, **attributes):
    """A new queued image with formats, ready for data."""
    return services.images.create(context, dict(
        attributes, disk_format='raw', container_format='bare'))
