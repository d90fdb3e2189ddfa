"""Every option of the service, for oslo-config-generator.

``etc/glance-api.conf`` is generated from ``list_api_opts`` (namespace
``glance.api``); a test keeps the committed sample in step with the code.
"""

from glance.common import config
from glance.common import log
from glance.common import server
from glance.db import session
from glance import store
from glance.store import filesystem
from glance.store import http


def list_api_opts():
    return [
        (None, config.image_opts + config.context_opts + server.OPTS +
         log.OPTS),
        ('database', session.database_opts),
        ('glance_store', store.store_opts + filesystem.filesystem_opts +
         http.http_opts),
        ('paste_deploy', config.paste_deploy_opts),
    ]

