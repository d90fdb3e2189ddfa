"""``/v2/images/{image_id}/locations`` (Image API 2.17): add a location to
a queued image, list an image's locations (services)."""

import jsonschema

from glance.api.v2 import schemas
from glance.common import exception
from glance.common import wsgi

ADD_REQUEST = {
    'type': 'object',
    'properties': {
        'url': {'type': 'string', 'maxLength': 255},
        'validation_data': {
            'type': 'object',
            'properties': {
                'os_hash_algo': {'type': 'string', 'maxLength': 64},
                'os_hash_value': {'type': 'string', 'maxLength': 128}},
            'additionalProperties': False}},
    'required': ['url'],
    'additionalProperties': False,
}


class Controller:

    def __init__(self, service):
        self.service = service

    def add(self, req, image_id):
        """202: the location's data is checked in the background."""
        body = req.json_body_or_400()
        try:
            schemas.validate(body, ADD_REQUEST)
        except jsonschema.ValidationError as e:
            raise exception.BadRequest('Invalid request body: %s' % e.message)
        self.service.add(req.context, image_id, body['url'],
                         body.get('validation_data'))
        return wsgi.empty_response(202)

    def index(self, req, image_id):
        return wsgi.json_response([
            {'url': location.url, 'metadata': location.metadata}
            for location in self.service.list(req.context, image_id)])
