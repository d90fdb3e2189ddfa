"""``/v2/images/{image_id}/members[/{member_id}]``: sharing, in JSON."""

from glance.api.v2 import images
from glance.common import exception
from glance.common import wsgi


def member_view(member):
    return {'image_id': member.image_id, 'member_id': member.member_id,
            'status': member.status,
            'created_at': member.created_at.strftime(images.TIME_FORMAT),
            'updated_at': member.updated_at.strftime(images.TIME_FORMAT),
            'schema': '/v2/schemas/member'}


def _body_field(req, name):
    body = req.json_body_or_400()
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str):
        raise exception.BadRequest(
            'Request body must be a JSON object with a string "%s".' % name)
    return value


class Controller:

    def __init__(self, service):
        self.service = service

    def index(self, req, image_id):
        members = self.service.list(req.context, image_id)
        return wsgi.json_response(
            {'members': [member_view(member) for member in members],
             'schema': '/v2/schemas/members'})

    def create(self, req, image_id):
        member = self.service.add(req.context, image_id,
                                         _body_field(req, 'member'))
        return wsgi.json_response(member_view(member))

    def show(self, req, image_id, member_id):
        return wsgi.json_response(member_view(
            self.service.get(req.context, image_id, member_id)))

    def update(self, req, image_id, member_id):
        member = self.service.set_status(
            req.context, image_id, member_id, _body_field(req, 'status'))
        return wsgi.json_response(member_view(member))

    def delete(self, req, image_id, member_id):
        self.service.remove(req.context, image_id, member_id)
        return wsgi.empty_response()
