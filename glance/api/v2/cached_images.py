"""``/v2/cache``: the cache API of the Image API v2 (2.14, 2.16), served
when ``image_cache_dir`` is set.

| route | policy | answer |
|---|---|---|
| ``GET /v2/cache`` | cache_list | ``{"cached_images": [...], "queued_images": [...]}`` |
| ``DELETE /v2/cache`` | cache_delete | 204; ``x-image-cache-clear-target``: cache, queue or both (default) |
| ``PUT /v2/cache/{id}`` | cache_image | 202: queued and filled at once in the background |
| ``DELETE /v2/cache/{id}`` | cache_delete | 204: out of the cache and the queue |
| ``GET /v2/cache/nodes/{id}`` | list_cached_nodes | ``{"cached_nodes": [url, ...]}`` (centralized_db) |
| ``POST /v2/cache/clean`` | cache_clean | ``{"removed": [...]}``: the cleaner, now |
| ``POST /v2/cache/prune`` | cache_prune | ``{"evicted": [...]}``: the pruner, now |
"""

from glance.common import wsgi

CLEAR_TARGET_HEADER = 'x-image-cache-clear-target'


class Controller:

    def __init__(self, caching):
        self.caching = caching

    def state(self, req):
        return wsgi.json_response({
            'cached_images': self.caching.cached(req.context, 'cache_list'),
            'queued_images': self.caching.queued(req.context, 'cache_list')})

    def clear(self, req):
        target = req.headers.get(CLEAR_TARGET_HEADER, 'both').strip().lower()
        self.caching.clear(req.context, 'cache_delete', target or 'both')
        return wsgi.empty_response()

    def queue(self, req, image_id):
        self.caching.queue(req.context, image_id, 'cache_image',
                           fill_now=True)
        return wsgi.empty_response(202)

    def delete(self, req, image_id):
        self.caching.delete(req.context, image_id, 'cache_delete')
        return wsgi.empty_response()

    def nodes(self, req, image_id):
        return wsgi.json_response({'cached_nodes': self.caching.nodes(
            req.context, image_id, 'list_cached_nodes')})

    def clean(self, req):
        return wsgi.json_response(
            {'removed': self.caching.clean(req.context, 'cache_clean')})

    def prune(self, req):
        return wsgi.json_response(
            {'evicted': self.caching.prune(req.context, 'cache_prune')})
