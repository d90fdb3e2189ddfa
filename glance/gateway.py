"""Builds the domain service with its repository, stores and policy."""

from oslo_config import cfg

from glance.db import repository as db_repository
from glance.db import session as db_session
from glance.domain import images
from glance.domain import policy
from glance import store

CONF = cfg.CONF


def image_service(conf=CONF):
    """An ImageService wired to the configured database and stores."""
    repo = db_repository.SqlImageRepository(db_session.get_engine())
    stores = store.StoreRegistry(conf)
    return images.ImageService(repo, stores, policy.Authorizer(conf), conf)
