"""Serve image downloads through the image cache (``[filter:cache]``).

``GET /v1/images/{id}`` and ``GET /v2/images/{id}/file`` are answered by
the same controllers as without the cache, on the cache's download
service (glance.domain.caching): the same access check (``download_image``
policy, visibility, membership, status), the same headers and errors, the
bytes from the cache.  A hit is sent from the cached file (zero-copy
with sendfile, ``Range`` answered 206 from it); a miss streams to the
client while the entry fills, concurrent misses sharing one store read.
Ranges of uncached images are read from the store and not cached; 204s
are never cached.  A successful ``DELETE`` of an image evicts its entry.

Options ([DEFAULT], see doc/cache.md):

| option | default | what |
|---|---|---|
| ``image_cache_dir`` | (none; required) | directory of the cache |
| ``image_cache_max_size`` | 10 GiB | hard bound of the cache in bytes |
| ``image_cache_stall_time`` | 86400 | seconds before the cleaner removes a stalled fill |
| ``image_cache_driver`` | sqlite | sqlite, xattr or centralized_db |
| ``image_cache_sqlite_db`` | cache.db | file of the sqlite driver |
| ``worker_self_reference_url`` | (none) | this node's URL (centralized_db) |

Place it after the filter that makes the caller's context.
"""

import dataclasses
import re

from glance.api.v1 import images as v1_images
from glance.api.v2 import image_data
from glance.common import config
from glance.common import exception
from glance.common import ids
from glance.common import wsgi
from glance import gateway

CONF = config.CONF

_DOWNLOAD = re.compile(r'^/v(1)/images/([^/]+)$|^/v(2)/images/([^/]+)/file$')
_DELETE = re.compile(r'^/v[12]/images/([^/]+)$')


class CacheFilter:

    def __init__(self, app, services):
        self.app = app
        self.caching = services.cache
        cached = dataclasses.replace(services, data=services.cache)
        self.downloads = wsgi.Router(request_class=wsgi.ApiRequest)
        self.downloads.add('/v1/images/{image_id}',
                           v1_images.Controller(cached), {'GET': 'show'})
        self.downloads.add('/v2/images/{image_id}/file',
                           image_data.Controller(cached.data),
                           {'GET': 'download'})

    def __call__(self, environ, start_response):
        method = environ['REQUEST_METHOD']
        path = environ.get('PATH_INFO', '')
        download = _DOWNLOAD.match(path) if method == 'GET' else None
        if download and ids.is_uuid(download.group(2) or download.group(4)) \
                and _enabled(path):
            return self.downloads(environ, start_response)
        deleted = _DELETE.match(path) if method == 'DELETE' else None
        if deleted is None:
            return self.app(environ, start_response)
        statuses = []

        def recording_start(status, headers, exc_info=None):
            statuses.append(status)
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start)
        if statuses and statuses[-1].startswith('2'):
            self.caching.evict(deleted.group(1))
        return body


def _enabled(path):
    return CONF.enable_v1_api if path.startswith('/v1/') \
        else CONF.enable_v2_api


def services_with_cache(filter_name):
    """The domain services, with the image cache; ConfigError naming
    ``filter_name`` when image_cache_dir is not set."""
    services = gateway.services()
    if services.cache is None:
        raise exception.ConfigError(
            'The %s filter needs image_cache_dir: set it in [DEFAULT] of '
            'glance-api.conf (see doc/cache.md).' % filter_name)
    return services


def filter_factory(global_conf, **local_conf):
    services = services_with_cache('cache')
    return lambda app: CacheFilter(app, services)
