"""Every option of the services, for oslo-config-generator.

``etc/glance-api.conf`` is generated from ``list_api_opts`` (namespace
``glance.api``) and ``etc/glance-registry.conf`` from ``list_registry_opts``
(namespace ``glance.registry``, whose defaults ``set_registry_defaults``
adjusts); a test keeps the committed samples in step with the code.
"""

from oslo_config import cfg

from glance.api import image_body
from glance.common import config
from glance.common import log
from glance.common import server
from glance.common import wsgi
from glance.db import session
from glance.domain import formats
from glance.domain import imports
from glance.domain import maintenance
from glance.domain import protections
from glance.domain import tasks
from glance.domain import web_source
from glance import gateway
from glance import image_cache
from glance import import_plugins
from glance.import_plugins import image_conversion
from glance.import_plugins import inject_image_metadata
from glance.registry import client as registry_client
from glance.registry import service_identity
from glance import store
from glance.store import filesystem
from glance.store import http
from glance.store import rbd
from glance.store import s3
from glance.store import swift
from glance.store import staging


def list_api_opts():
    return [
        (None, config.listing_opts + config.image_opts +
         config.context_opts + gateway.OPTS + registry_client.OPTS +
         service_identity.OPTS +
         server.OPTS + server.MAINTENANCE_OPTS + maintenance.OPTS +
         protections.OPTS + log.OPTS + image_body.OPTS +
         staging.staging_opts + imports.OPTS + image_cache.OPTS +
         store.multi_store_opts),
        ('database', session.database_opts),
        ('glance_store', store.store_opts + filesystem.filesystem_opts +
         http.http_opts + swift.swift_opts + s3.s3_opts + rbd.rbd_opts),
        (formats.GROUP, formats.OPTS),
        (import_plugins.GROUP, import_plugins.OPTS),
        (image_conversion.GROUP, image_conversion.OPTS),
        (web_source.GROUP, web_source.OPTS),
        (inject_image_metadata.GROUP, inject_image_metadata.OPTS),
        (tasks.GROUP, tasks.OPTS),
        ('oslo_middleware', wsgi.body_size_opts),
        ('paste_deploy', config.paste_deploy_opts),
    ]


def list_registry_opts():
    return [
        (None, config.listing_opts + config.context_opts + server.OPTS +
         log.OPTS),
        ('database', session.database_opts),
        ('paste_deploy', config.paste_deploy_opts),
    ]


def set_registry_defaults():
    """Defaults glance-registry differs in from glance-api: it listens on
    the loopback address only, being an internal service."""
    cfg.set_defaults(server.OPTS, bind_host='127.0.0.1')
