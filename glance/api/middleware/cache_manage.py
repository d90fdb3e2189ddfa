"""The v1 cache management API (``[filter:cachemanage]``), as Glance's.

| route | answer |
|---|---|
| ``GET /v1/cached_images`` | ``{"cached_images": [{"image_id", "hits", "last_accessed", "last_modified", "size", "checksum"}]}`` |
| ``DELETE /v1/cached_images`` | ``{"num_deleted": n}`` |
| ``DELETE /v1/cached_images/{id}`` | 200; 404 if it is not cached |
| ``GET /v1/queued_images`` | ``{"queued_images": [id, ...]}`` |
| ``PUT /v1/queued_images/{id}`` | 200: queued for the prefetcher (400 unless active) |
| ``DELETE /v1/queued_images`` | ``{"num_deleted": n}`` |
| ``DELETE /v1/queued_images/{id}`` | 200; 404 if it is not queued |

Every route is behind the ``manage_image_cache`` policy (administrators).
Options: the cache's (glance.api.middleware.cache); place it after
``cache``.  The v2 cache API (``/v2/cache``) is in the v2 router.
"""

from glance.api.middleware import cache
from glance.api.v1 import cached_images
from glance.common import wsgi

PREFIXES = ('/v1/cached_images', '/v1/queued_images')


class CacheManageFilter:

    def __init__(self, app, caching):
        self.app = app
        controller = cached_images.Controller(caching)
        self.router = router = wsgi.Router(request_class=wsgi.ApiRequest)
        router.add('/v1/cached_images', controller,
                   {'GET': 'cached', 'DELETE': 'uncache_all'})
        router.add('/v1/cached_images/{image_id}', controller,
                   {'DELETE': 'uncache'})
        router.add('/v1/queued_images', controller,
                   {'GET': 'queued', 'DELETE': 'dequeue_all'})
        router.add('/v1/queued_images/{image_id}', controller,
                   {'PUT': 'queue', 'DELETE': 'dequeue'})

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if any(path == prefix or path.startswith(prefix + '/')
               for prefix in PREFIXES):
            return self.router(environ, start_response)
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    caching = cache.services_with_cache('cachemanage').cache
    return lambda app: CacheManageFilter(app, caching)
