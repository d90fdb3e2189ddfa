"""``/v1/cached_images`` and ``/v1/queued_images``: the cache management
API of Glance's v1, served by the cachemanage filter, every action behind
the ``manage_image_cache`` policy."""

from glance.common import wsgi

RULE = 'manage_image_cache'


class Controller:

    def __init__(self, caching):
        self.caching = caching

    def cached(self, req):
        return wsgi.json_response(
            {'cached_images': self.caching.cached(req.context, RULE)})

    def uncache(self, req, image_id):
        self.caching.uncache(req.context, image_id, RULE)
        return wsgi.empty_response(200)

    def uncache_all(self, req):
        return wsgi.json_response({'num_deleted': self.caching.clear(
            req.context, RULE, 'cache')})

    def queued(self, req):
        return wsgi.json_response(
            {'queued_images': self.caching.queued(req.context, RULE)})

    def queue(self, req, image_id):
        self.caching.queue(req.context, image_id, RULE)
        return wsgi.empty_response(200)

    def dequeue(self, req, image_id):
        self.caching.dequeue(req.context, image_id, RULE)
        return wsgi.empty_response(200)

    def dequeue_all(self, req):
        return wsgi.json_response({'num_deleted': self.caching.clear(
            req.context, RULE, 'queue')})
