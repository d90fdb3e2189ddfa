"""Builds the domain service with its repository, stores and policy.

``data_api`` picks the image repository: the SQL one on the database of
``[database]`` (the default), or the registry one, which reaches the same
SQL code through glance-registry.  The values are Glance's.
"""

from oslo_config import cfg

from glance.db import repository as db_repository
from glance.db import session as db_session
from glance.domain import images
from glance.domain import policy
from glance.registry import client as registry_client
from glance.registry import repository as registry_repository
from glance import store

CONF = cfg.CONF

SQL_API = 'glance.db.sqlalchemy.api'
REGISTRY_API = 'glance.db.registry.api'

OPTS = [
    cfg.StrOpt('data_api', default=SQL_API, choices=[
        (SQL_API, 'image metadata in the database of [database] '
                  'connection'),
        (REGISTRY_API, 'image metadata through glance-registry at '
                       'registry_host:registry_port')],
        help='How glance-api reaches image metadata.'),
]

CONF.register_opts(OPTS)


def image_repository(conf=CONF):
    """The ImageRepository ``data_api`` selects."""
    if conf.data_api == REGISTRY_API:
        return registry_repository.RegistryImageRepository(
            registry_client.RegistryClient.from_conf(conf))
    return db_repository.SqlImageRepository(db_session.get_engine())


def image_service(conf=CONF):
    """An ImageService wired to the configured repository and stores."""
    stores = store.StoreRegistry(conf)
    return images.ImageService(image_repository(conf), stores,
                               policy.Authorizer(conf), conf)
