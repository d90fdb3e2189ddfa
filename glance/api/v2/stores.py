"""``/v2/info/stores``, ``/v2/info/stores/detail`` and
``DELETE /v2/stores/{store_id}/{image_id}``: the stores of a deployment
with several (glance.domain.stores, glance.domain.data)."""

from glance.common import wsgi


class Controller:

    def __init__(self, stores, data):
        self.stores = stores
        self.data = data

    def index(self, req):
        return wsgi.json_response(
            {'stores': self.stores.list(req.context)})

    def detail(self, req):
        return wsgi.json_response(
            {'stores': self.stores.list(req.context, detail=True)})

    def delete_from_store(self, req, store_id, image_id):
        self.data.remove_from_store(req.context, store_id, image_id)
        return wsgi.empty_response()
