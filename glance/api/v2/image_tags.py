"""``/v2/images/{image_id}/tags/{tag_value}``."""

from glance.common import exception
from glance.common import wsgi

MAX_TAG_LENGTH = 255


class Controller:

    def __init__(self, service):
        self.service = service

    def update(self, req, image_id, tag_value):
        if len(tag_value) > MAX_TAG_LENGTH:
            raise exception.BadRequest('Tags are limited to %d characters.'
                                       % MAX_TAG_LENGTH)
        self.service.add_tag(req.context, image_id, tag_value)
        return wsgi.empty_response()

    def delete(self, req, image_id, tag_value):
        self.service.remove_tag(req.context, image_id, tag_value)
        return wsgi.empty_response()
