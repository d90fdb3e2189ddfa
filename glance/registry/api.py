"""The registry server: the Glance registry REST API over the SQL repository.

Each action translates one request into one or two calls of
``glance.db.repository.SqlImageRepository`` and its answer back to JSON; the
queries live there only.  Routes (see doc/registry.md for the bodies):

====== ======================================= ==============================
GET    ``/``, ``/images``                      brief list (id, name, size,
                                               formats, checksum)
GET    ``/images/detail``                      full list; ImageQuery in the
                                               query string (registry.query)
GET    ``/images/stalled``                     images in ``status`` not
                                               updated since ``older_than``
POST   ``/images``                             add an image
GET    ``/images/{id}``                        one image
PUT    ``/images/{id}``                        change attributes, properties
                                               and tags; change the status
                                               (with ``from_state``: only if
                                               it still is that); or, with
                                               neither, touch updated_at
DELETE ``/images/{id}``                        soft delete
GET    ``/images/{id}/members``                the members
PUT    ``/images/{id}/members``                replace the members
GET    ``/images/{id}/members/{member}``       one membership
PUT    ``/images/{id}/members/{member}``       add or update a membership
DELETE ``/images/{id}/members/{member}``       remove a membership
GET    ``/shared-images/{member}``             a member's memberships
====== ======================================= ==============================

Errors carry ``{"error": {"code", "title", "message", "type"}}``, ``type``
naming the exception of ``glance.common.exception`` raised, so that the
client raises the very same one in glance-api.

Who may do what to an image is decided in glance-api's domain, not here: a
registry caller reaches every image.  The caller's identity is used to
authenticate it (keystone and trusted-auth pipelines), to refuse writes from
read-only callers, and as the viewer of image lists: only a caller that is an
administrator here may list on behalf of the viewer it names.
"""

import datetime

from glance.api import errors
from glance.common import config
from glance.common import exception
from glance.common import wsgi
from glance.db import repository as db_repository
from glance.db import session as db_session
from glance.domain import image as domain
from glance.domain import lifecycle
from glance.registry import query as query_mod
from glance.registry import wire

CONF = config.CONF

BRIEF_FIELDS = ('id', 'name', 'size', 'disk_format', 'container_format',
                'checksum')
VIEWER_PARAMS = ('viewer_owner', 'viewer_is_admin')
# What PUT /images/{id} changes through a status transition.
TRANSITION_ATTRIBUTES = db_repository.TRANSITION_COLUMNS | {
    'status', 'location_data', 'deleted'}
# Changes of a save that name properties or tags to drop or add.
NAME_LISTS = ('remove_properties', 'add_tags', 'remove_tags')
SAVED_ATTRIBUTES = frozenset(domain.MUTABLE) | {'properties', 'tags'} | \
    frozenset(NAME_LISTS)


def _writable(req):
    if req.context.read_only:
        raise exception.Forbidden('Read-only access.')


def _object(body, key):
    """``body[key]``, which must be a JSON object; BadRequest otherwise."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise exception.BadRequest('The body must be {"%s": {...}}.' % key)
    return value


def _image_response(image):
    return wsgi.json_response({'image': wire.image_to_dict(image)})


class ImagesController:

    def __init__(self, repo):
        self.repo = repo

    def _list(self, req):
        query = query_mod.decode(req.params.items(), CONF.limit_param_default,
                                 CONF.api_limit_max)
        context = req.context
        names_viewer = any(name in req.params for name in VIEWER_PARAMS)
        if not (context.is_admin and names_viewer):
            query.viewer_owner = context.owner
            query.viewer_is_admin = context.is_admin
        return self.repo.list(query)

    def index(self, req):
        return wsgi.json_response({'images': [
            {field: getattr(image, field) for field in BRIEF_FIELDS}
            for image in self._list(req)]})

    def detail(self, req):
        return wsgi.json_response({'images': [
            wire.image_to_dict(image) for image in self._list(req)]})

    def stalled(self, req):
        for name in ('status', 'older_than'):
            if name not in req.params:
                raise exception.BadRequest('Parameter %s is required.' % name)
        older_than = wire.from_text(datetime.datetime, 'older_than',
                                    req.params['older_than'])
        return wsgi.json_response({'images': [
            wire.image_to_dict(image)
            for image in self.repo.stalled(req.params['status'],
                                           older_than)]})

    def show(self, req, image_id):
        return _image_response(self.repo.get(image_id))

    def create(self, req):
        _writable(req)
        body = _object(req.json_body_or_400(), 'image')
        if 'id' in body and not domain.is_uuid(body['id']):
            raise exception.InvalidParameterValue(
                param='id', value=body['id'], extra='must be a UUID')
        # Glance's registry makes an image without a status active.
        image = wire.image_from_dict(body, status=lifecycle.ACTIVE)
        self.repo.add(image)
        return _image_response(image)

    def update(self, req, image_id):
        _writable(req)
        request = req.json_body_or_400()
        body = _object(request, 'image')
        from_state = request.get('from_state')
        unknown = set(body) - SAVED_ATTRIBUTES - TRANSITION_ATTRIBUTES
        if unknown:
            raise exception.BadRequest(
                'These attributes cannot be changed: %s'
                % ', '.join(sorted(unknown)))
        saved = {k: v for k, v in body.items() if k in SAVED_ATTRIBUTES}
        changes = {k: v for k, v in body.items() if k not in saved}
        image = None
        if saved:
            image = self.repo.get(image_id)
            purge = req.headers.get(wire.PURGE_PROPS_HEADER) == 'true'
            _apply(image, saved, purge)
            self.repo.save(image, require_status=from_state)
        if changes:
            image = self._transition(image_id, from_state, changes)
        if image is None:
            image = self._touch(image_id, from_state)
        return _image_response(image)

    def _current_status(self, image_id, from_state):
        if from_state is not None:
            return from_state
        return self.repo.get(image_id).status

    def _transition(self, image_id, from_state, changes):
        from_state = self._current_status(image_id, from_state)
        values = {name: wire.image_attribute(name, value)
                  for name, value in changes.items()
                  if name in db_repository.TRANSITION_COLUMNS}
        if 'location_data' in changes:
            values['locations'] = wire.locations_from_list(
                changes['location_data'] or ())
        if changes.get('deleted'):
            values['deleted'] = True
        return self.repo.transition(image_id, from_state,
                                    changes.get('status', from_state),
                                    **values)

    def _touch(self, image_id, from_state):
        status = self._current_status(image_id, from_state)
        touched = self.repo.touch(image_id, status)
        image = self.repo.get(image_id)
        if not touched:
            raise exception.Conflict(
                'The status of image %s changed: it is %s, no longer %s.'
                % (image_id, image.status, status))
        return image

    def delete(self, req, image_id):
        _writable(req)
        image = self.repo.get(image_id)
        return _image_response(self.repo.transition(
            image_id, image.status, lifecycle.DELETED, deleted=True))


def _apply(image, saved, purge_props):
    """Make the changes of a PUT to ``image``: attributes; properties
    merged or (purge_props) replacing all, then ``remove_properties``;
    ``tags`` replacing all, then ``add_tags`` and ``remove_tags``."""
    for name in domain.MUTABLE:
        if name in saved:
            setattr(image, name, wire.image_attribute(name, saved[name]))
    names = {name: wire.string_set(saved, name) for name in NAME_LISTS}
    if 'properties' in saved:
        properties = wire.properties_from_json(saved)
        if not purge_props:
            properties = dict(image.extra_properties, **properties)
        image.extra_properties = properties
    for name in names['remove_properties']:
        image.extra_properties.pop(name, None)
    if 'tags' in saved:
        image.tags = wire.string_set(saved, 'tags')
    image.tags = (image.tags | names['add_tags']) - names['remove_tags']


class MembersController:

    def __init__(self, repo):
        self.repo = repo

    def index(self, req, image_id):
        return wsgi.json_response({'members': [
            wire.member_to_dict(member)
            for member in self.repo.members(image_id)]})

    def update_all(self, req, image_id):
        """Glance's ``{"memberships": [{"member_id", "can_share"}]}``, with
        an optional ``status``; what a membership leaves out is kept."""
        _writable(req)
        body = req.json_body_or_400()
        memberships = body.get('memberships') if isinstance(body, dict) \
            else None
        if not isinstance(memberships, list) or not all(
                isinstance(m, dict) and isinstance(m.get('member_id'), str)
                for m in memberships):
            raise exception.BadRequest(
                'The body must be {"memberships": [{"member_id": ...}]}.')
        existing = self._by_member(image_id)
        members = [self._merged(image_id, m['member_id'], m, existing)
                   for m in memberships]
        self.repo.replace_members(image_id, members)
        return wsgi.empty_response()

    def show(self, req, image_id, member_id):
        member = self._by_member(image_id).get(member_id)
        if member is None:
            raise exception.MemberNotFound(image_id=image_id,
                                           member_id=member_id)
        return wsgi.json_response({'member': wire.member_to_dict(member)})

    def update(self, req, image_id, member_id):
        """Add or update one membership: ``{"member": {"can_share",
        "status"}}``, either left out keeps the stored value."""
        _writable(req)
        body = req.json_body_or_400() if req.body else {'member': {}}
        values = _object(body, 'member')
        member = self._merged(image_id, member_id, values,
                              self._by_member(image_id))
        return wsgi.json_response(
            {'member': wire.member_to_dict(self.repo.save_member(member))})

    def delete(self, req, image_id, member_id):
        _writable(req)
        self.repo.remove_member(image_id, member_id)
        return wsgi.empty_response()

    def shared(self, req, member_id):
        return wsgi.json_response({'shared_images': [
            wire.member_to_dict(member)
            for member in self.repo.member_images(member_id)]})

    def _by_member(self, image_id):
        return {member.member_id: member
                for member in self.repo.members(image_id)}

    @staticmethod
    def _merged(image_id, member_id, values, existing):
        member = existing.get(member_id) or domain.Member(
            image_id=image_id, member_id=member_id)
        for name in ('can_share', 'status'):
            if name in values:
                setattr(member, name,
                        wire.member_attribute(name, values[name]))
        return member


def to_error(error, request_id=None):
    """The JSON error response for an exception, naming its type."""
    http_error = errors.to_http_error(error, request_id)
    body = {'error': {
        'code': http_error.code, 'title': http_error.title,
        'message': http_error.explanation,
        'type': type(error).__name__
        if isinstance(error, exception.GlanceException) else None}}
    return wsgi.json_response(body, status=http_error.code)


def build(repo):
    """The registry WSGI app over ``repo``."""
    router = wsgi.Router(to_error=to_error)
    images = ImagesController(repo)
    router.add('/', images, {'GET': 'index'})
    router.add('/images', images, {'GET': 'index', 'POST': 'create'})
    router.add('/images/detail', images, {'GET': 'detail'})
    router.add('/images/stalled', images, {'GET': 'stalled'})
    router.add('/images/{image_id}', images,
               {'GET': 'show', 'PUT': 'update', 'DELETE': 'delete'})
    members = MembersController(repo)
    router.add('/images/{image_id}/members', members,
               {'GET': 'index', 'PUT': 'update_all'})
    # A member id is a project or user id, which may hold a "/".
    any_text = {'member_id': '.+'}
    router.add('/images/{image_id}/members/{member_id}', members,
               {'GET': 'show', 'PUT': 'update', 'DELETE': 'delete'},
               requirements=any_text)
    router.add('/shared-images/{member_id}', members, {'GET': 'shared'},
               requirements=any_text)
    return router


def app_factory(global_conf, **local_conf):
    return build(db_repository.SqlImageRepository(db_session.get_engine()))
