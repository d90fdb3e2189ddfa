"""Builds the domain services with their repository, stores and policy.

``data_api`` picks the image repository: the SQL one on the database of
``[database]`` (the default), or the registry one, which reaches the same
SQL code through glance-registry.  The values are Glance's.  Only the
chosen one is imported: glance-api in registry mode loads no SQL code.
"""

import contextlib
import dataclasses

from oslo_config import cfg

from glance import context
from glance.domain import access as access_mod
from glance.domain import caching as caching_mod
from glance.domain import data as data_mod
from glance.domain import import_lock
from glance.domain import imports as imports_mod
from glance.domain import limits as limits_mod
from glance.domain import locations as locations_mod
from glance.domain import maintenance as maintenance_mod
from glance.domain import members as members_mod
from glance.domain import metadata as metadata_mod
from glance.domain import policy
from glance.domain import protections as protections_mod
from glance.domain import store_acls as store_acls_mod
from glance.domain import quotas as quotas_mod
from glance.domain import stores as stores_mod
from glance.domain.metadefs import service as metadefs_mod
from glance.domain import tasks as tasks_mod
from glance.domain import web_source
from glance import image_cache
from glance import import_plugins
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


@dataclasses.dataclass(frozen=True)
class Services:
    """The domain, by concern: what the APIs and the tools call."""
    images: metadata_mod.ImageMetadata
    members: members_mod.ImageMembers
    data: data_mod.ImageData
    imports: imports_mod.ImageImport
    tasks: tasks_mod.Tasks
    maintenance: maintenance_mod.Maintenance
    locations: locations_mod.ImageLocations
    stores: stores_mod.StoresInfo
    metadefs: metadefs_mod.Metadefs | None = None
    # The image cache, when image_cache_dir is set.
    cache: caching_mod.ImageCaching | None = None


def image_repository(conf=CONF):
    """The ImageRepository ``data_api`` selects."""
    if conf.data_api == REGISTRY_API:
        from glance.registry import client as registry_client
        from glance.registry import repository as registry_repository
        return registry_repository.RegistryImageRepository(
            registry_client.RegistryClient.from_conf(conf))
    from glance.db import repository as db_repository
    from glance.db import session as db_session
    return db_repository.SqlImageRepository(db_session.get_engine())


def metadef_repository(conf=CONF):
    """The MetadefRepository ``data_api`` selects."""
    if conf.data_api == REGISTRY_API:
        from glance.registry import client as registry_client
        from glance.registry import metadefs_repository
        return metadefs_repository.RegistryMetadefRepository(
            registry_client.RegistryClient.from_conf(conf))
    from glance.db import metadefs as db_metadefs
    from glance.db import session as db_session
    return db_metadefs.SqlMetadefRepository(db_session.get_engine())


def build(repo, stores, authorizer, conf, metadef_repo=None):
    """The Services over a repository, a StoreRegistry and an Authorizer
    (and the metadefs over ``metadef_repo``, if given).

    Raises ConfigError for a bad property protection file or quota.
    """
    access = access_mod.Access(repo, authorizer)
    protections = protections_mod.PropertyProtections.from_conf(
        conf, authorizer)
    quotas = quotas_mod.Quotas(conf)
    acls = store_acls_mod.StoreAcls(repo, stores)
    data = data_mod.ImageData(access, repo, stores, conf, protections,
                              quotas, acls,
                              limits_mod.UnifiedLimits(repo, conf))
    images = metadata_mod.ImageMetadata(access, repo, data, conf,
                                        protections, quotas)
    runner = tasks_mod.TaskRunner(repo, conf)
    lock = import_lock.ImportLock(repo, runner)
    imports = imports_mod.ImageImport(
        access, repo, images, data, stores, runner, lock,
        import_plugins.enabled(conf, stores.staging),
        web_source.WebSourceFilter(conf), conf)
    conf.register_opts(image_cache.OPTS)
    cache = caching_mod.ImageCaching(access, data, image_cache.ImageCache(
        conf)) if conf.image_cache_dir else None
    return Services(
        images=images,
        members=members_mod.ImageMembers(access, repo, quotas, acls),
        data=data,
        imports=imports,
        tasks=tasks_mod.Tasks(access, repo),
        maintenance=maintenance_mod.Maintenance(repo, stores, data, conf,
                                                imports, runner),
        locations=locations_mod.ImageLocations(
            access, repo, data, stores, conf, runner, lock, protections,
            quotas, acls),
        stores=stores_mod.StoresInfo(access, stores, conf),
        metadefs=None if metadef_repo is None
        else metadefs_mod.Metadefs(metadef_repo, authorizer),
        cache=cache)


def services(conf=CONF, check_stores=True):
    """The Services wired to the configured repositories and stores;
    ``check_stores``: whether to check and log the stores' backends (see
    glance.store.StoreRegistry)."""
    return build(image_repository(conf),
                 store.StoreRegistry(conf, check_backends=check_stores),
                 policy.Authorizer(conf), conf, metadef_repository(conf))


@contextlib.contextmanager
def as_the_service(conf=CONF):
    """Work done for no caller (maintenance, the cache's cron tools) calls
    glance-registry as the service itself: the identity of
    glance.registry.service_identity, an administrator's."""
    if conf.data_api != REGISTRY_API:
        yield
        return
    from glance.registry import service_identity
    with context.bound(service_identity.service_context(conf)):
        yield


def run_maintenance():
    """One round of glance.domain.maintenance with the configured services:
    what glance-api's server runs every maintenance_interval seconds, and
    ``glance-manage maintenance`` once."""
    with as_the_service():
        # Each round builds the services anew: the stores' backends were
        # checked at start, and a round logs what fails on its own.
        services(check_stores=False).maintenance.run()
