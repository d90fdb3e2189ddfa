"""Image members in v1: who an image is shared with, and ``can_share``.

``GET /v1/images/{id}/members`` answers ``{"members": [{"member_id",
"can_share"}]}``; ``PUT`` there replaces them all with a body
``{"memberships": [{"member_id": ..., "can_share": bool}]}``;
``PUT /v1/images/{id}/members/{member}`` adds or updates one (optional body
``{"member": {"can_share": bool}}``), ``DELETE`` removes it;
``GET /v1/shared-images/{member}`` answers ``{"shared_images":
[{"image_id", "can_share"}]}``.  Changes answer 204.  A ``can_share`` left
out keeps an existing member's (False for a new one).
"""

from glance.common import exception
from glance.common import wsgi


def _can_share(entry, where):
    """The optional ``can_share`` of a body entry: a boolean or None."""
    value = entry.get('can_share')
    if value is not None and not isinstance(value, bool):
        raise exception.BadRequest(
            'Invalid membership association: can_share in %s must be true '
            'or false.' % where)
    return value


def _memberships(body):
    """(member_id, can_share) pairs of an update_all body, or 400."""
    entries = body.get('memberships') if isinstance(body, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and 'member_id' in entry
            for entry in entries):
        raise exception.BadRequest(
            'Invalid membership association: the body must be '
            '{"memberships": [{"member_id": ..., "can_share": ...}]}.')
    return [(entry['member_id'], _can_share(entry, 'memberships'))
            for entry in entries]


class Controller:

    def __init__(self, service):
        self.service = service

    def index(self, req, image_id):
        members = self.service.list(req.context, image_id)
        return wsgi.json_response({'members': [
            {'member_id': member.member_id, 'can_share': member.can_share}
            for member in members]})

    def update_all(self, req, image_id):
        self.service.replace(req.context, image_id,
                                     _memberships(req.json_body_or_400()))
        return wsgi.empty_response()

    def update(self, req, image_id, member_id):
        can_share = None
        body = req.json_body_or_400()
        if body is not None:
            member = body.get('member') if isinstance(body, dict) else None
            if not isinstance(member, dict):
                raise exception.BadRequest(
                    'Invalid membership association: the body must be '
                    '{"member": {"can_share": ...}}.')
            can_share = _can_share(member, 'member')
        self.service.put(req.context, image_id, member_id, can_share)
        return wsgi.empty_response()

    def delete(self, req, image_id, member_id):
        self.service.remove(req.context, image_id, member_id)
        return wsgi.empty_response()

    def index_shared_images(self, req, member_id):
        memberships = self.service.shared_images(req.context, member_id)
        return wsgi.json_response({'shared_images': [
            {'image_id': member.image_id, 'can_share': member.can_share}
            for member in memberships]})
