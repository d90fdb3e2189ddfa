"""``/v2/images/{image_id}/actions/deactivate|reactivate``."""

from glance.common import wsgi


class Controller:

    def __init__(self, service):
        self.service = service

    def deactivate(self, req, image_id):
        self.service.set_active(req.context, image_id, active=False)
        return wsgi.empty_response()

    def reactivate(self, req, image_id):
        self.service.set_active(req.context, image_id, active=True)
        return wsgi.empty_response()
