"""The registry server: the Glance registry REST API over the SQL repository.

Each action translates one request into one call of
``glance.db.repository.SqlImageRepository`` and its answer back to JSON:
one route per repository operation.  Routes (see doc/registry.md for the
bodies):

====== ======================================= ==============================
GET    ``/``, ``/images``                      brief list (id, name, size,
                                               formats, checksum)
GET    ``/images/detail``                      full list; ImageQuery in the
                                               query string (registry.query)
GET    ``/images/stalled``                     images in ``status`` not
                                               updated since ``older_than``
GET    ``/images/storage_used``                bytes of data ``owner``
                                               stores, image ``excluding``
                                               left out
GET    ``/images/usage``                       what ``owner``'s images hold,
                                               for the unified limits
POST   ``/images``                             add an image
GET    ``/images/{id}``                        one image
PUT    ``/images/{id}``                        save changes of attributes,
                                               properties and tags
PUT    ``/images/{id}/status``                 change the status, only if it
                                               still is ``from``
PUT    ``/images/{id}/heartbeat``              touch updated_at, only while
                                               the status is ``status``
PUT    ``/images/{id}/locations``              remove and append locations
                                               in one transaction
PUT    ``/images/{id}/property``               set or remove a property only
                                               if it has the value expected
DELETE ``/images/{id}``                        soft delete: the image waits
                                               in pending_delete for its data
                                               to be removed
GET    ``/images/{id}/members``                the members
PUT    ``/images/{id}/members``                replace the members
GET    ``/images/{id}/members/{member}``       one membership
PUT    ``/images/{id}/members/{member}``       add or update a membership
DELETE ``/images/{id}/members/{member}``       remove a membership
GET    ``/shared-images/{member}``             a member's memberships
====== ======================================= ==============================

and the task routes (see glance.registry.tasks); a caller that is no
administrator reaches only its project's tasks.

Errors carry ``{"error": {"code", "title", "message", "type"}}``, ``type``
naming the exception of ``glance.common.exception`` raised, so that the
client raises the very same one in glance-api.

Who may change an image is decided in glance-api's domain; the registry
applies the same visibility (glance.domain.visibility) for the identity it
is given: an image the caller may not see is not found, by any route.  The
caller's identity also refuses writes from read-only callers, and is the
viewer of image lists: only a caller that is an administrator here may
list on behalf of the viewer it names.
"""

import dataclasses
import datetime

from glance.common import config
from glance.common import errors
from glance.common import exception
from glance.common import ids
from glance.common import wsgi
from glance.db import metadefs as db_metadefs
from glance.db import repository as db_repository
from glance.db import session as db_session
from glance.domain import access
from glance.domain import image as domain
from glance.domain import lifecycle
from glance.domain import task as task_mod
from glance.domain import visibility
from glance.registry import metadefs_api
from glance.registry import query as query_mod
from glance.registry import tasks as tasks_mod
from glance.registry import wire

CONF = config.CONF

BRIEF_FIELDS = ('id', 'name', 'size', 'disk_format', 'container_format',
                'checksum')


def _writable(req):
    if req.context.read_only:
        raise exception.Forbidden('Read-only access.')


def _object(body, key):
    """``body[key]``, which must be a JSON object; BadRequest otherwise."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise exception.BadRequest('The body must be {"%s": {...}}.' % key)
    return value


def _text(body, key, required=True):
    value = body.get(key) if isinstance(body, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise exception.BadRequest('%s must be a string.' % key)
    return value


def _usage_owner(req):
    """The ``owner`` whose usage is asked: told to that owner and to
    administrators only."""
    owner = req.params.get('owner')
    if owner != req.context.owner and not req.context.is_admin:
        raise exception.Forbidden(
            'Only the owner and administrators may know its usage.')
    return owner


def _image_response(image):
    return wsgi.json_response({'image': wire.image_to_dict(image)})


class _Visible:
    """What every image route shares: the image as the caller may see it."""

    def __init__(self, repo):
        self.repo = repo

    def _sees(self, context, image):
        return access.sees(self.repo, context, image)

    def _visible(self, req, image_id, deleted=False):
        """The image ``image_id``; ImageNotFound unless the caller sees it.
        With ``deleted``, a soft-deleted image too."""
        return access.visible_image(self.repo, req.context, image_id,
                                    deleted=deleted)


class ImagesController(_Visible):

    def _list(self, req):
        query = query_mod.decode(req.params.items(), CONF.limit_param_default,
                                 CONF.api_limit_max)
        if not (req.context.is_admin and query_mod.names_viewer(req.params)):
            query.viewer = visibility.Viewer.of(req.context)
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
            for image in self.repo.stalled(req.params['status'], older_than)
            if self._sees(req.context, image)]})

    def storage_used(self, req):
        return wsgi.json_response({'storage_used': self.repo.storage_used(
            _usage_owner(req), req.params.get('excluding'))})

    def usage(self, req):
        return wsgi.json_response({'usage': dataclasses.asdict(
            self.repo.usage(_usage_owner(req)))})

    def show(self, req, image_id):
        return _image_response(self._visible(req, image_id))

    def create(self, req):
        _writable(req)
        body = _object(req.json_body_or_400(), 'image')
        if 'id' in body and not ids.is_uuid(body['id']):
            raise exception.InvalidParameterValue(
                param='id', value=body['id'], extra='must be a UUID')
        # Glance's registry makes an image without a status active.
        image = wire.image_from_dict(body, status=lifecycle.ACTIVE)
        self.repo.add(image)
        return _image_response(image)

    def save(self, req, image_id):
        """``{"changes": {...}, "require_status", "max_properties",
        "max_tags"}``: an ImageChanges (see registry.wire), written only
        while the status is ``require_status`` when one is given, and
        within the quotas given."""
        _writable(req)
        body = req.json_body_or_400()
        changes = wire.changes_from_dict(_object(body, 'changes'))
        self._visible(req, image_id)
        updated_at = self.repo.save(
            image_id, changes, _text(body, 'require_status', required=False),
            max_properties=wire.limit(body, 'max_properties'),
            max_tags=wire.limit(body, 'max_tags'))
        return wsgi.json_response({'updated_at': wire.to_text(updated_at)})

    def transition(self, req, image_id):
        """``{"from", "to", "values", "location_data", "deleted",
        "storage_quota"}``."""
        _writable(req)
        body = req.json_body_or_400()
        values = {name: wire.image_attribute(name, value)
                  for name, value in _object(body, 'values').items()
                  if name in domain.DATA_ATTRIBUTES}
        if body.get('location_data') is not None:
            values['locations'] = wire.locations_from_list(
                body['location_data'])
        if body.get('deleted'):
            values['deleted'] = True
        values['storage_quota'] = wire.storage_quota_from_dict(
            body.get('storage_quota'))
        from_status = _text(body, 'from')
        # An image leaving pending_delete is already soft deleted.
        self._visible(req, image_id,
                      deleted=from_status == lifecycle.PENDING_DELETE)
        return _image_response(self.repo.transition(
            image_id, from_status, _text(body, 'to'), **values))

    def change_locations(self, req, image_id):
        """``{"status", "remove": [url], "add": [location],
        "storage_quota", "max_locations"}``."""
        _writable(req)
        body = req.json_body_or_400()
        remove = body.get('remove', []) if isinstance(body, dict) else None
        if not isinstance(remove, list) or not all(
                isinstance(url, str) for url in remove):
            raise exception.BadRequest('remove must be a list of urls.')
        status = _text(body, 'status')
        self._visible(req, image_id)
        return _image_response(self.repo.change_locations(
            image_id, status, remove=remove,
            add=wire.locations_from_list(body.get('add') or []),
            storage_quota=wire.storage_quota_from_dict(
                body.get('storage_quota')),
            max_locations=wire.limit(body, 'max_locations')))

    def swap_property(self, req, image_id):
        """``{"name", "expected", "value", "require_status"}``: 204, or
        409 if the property is not ``expected`` (null: absent)."""
        _writable(req)
        body = req.json_body_or_400()
        name = _text(body, 'name')
        expected = _text(body, 'expected', required=False)
        value = _text(body, 'value', required=False)
        self._visible(req, image_id)
        self.repo.swap_property(
            image_id, name, expected, value,
            require_status=_text(body, 'require_status', required=False))
        return wsgi.empty_response()

    def heartbeat(self, req, image_id):
        """``{"status"}``: 204, or 409 once the image left that status."""
        _writable(req)
        status = _text(req.json_body_or_400(), 'status')
        self._visible(req, image_id)
        if not self.repo.touch(image_id, status):
            raise exception.Conflict(
                'Image %s is no longer %s.' % (image_id, status))
        return wsgi.empty_response()

    def delete(self, req, image_id):
        _writable(req)
        image = self._visible(req, image_id)
        return _image_response(self.repo.transition(
            image_id, image.status, lifecycle.PENDING_DELETE, deleted=True))


class MembersController(_Visible):

    def index(self, req, image_id):
        self._visible(req, image_id)
        return wsgi.json_response({'members': [
            wire.member_to_dict(member)
            for member in self.repo.members(image_id)]})

    def update_all(self, req, image_id):
        """Glance's ``{"memberships": [{"member_id", "can_share"}]}``, with
        an optional ``status``; what a membership leaves out is kept.
        ``max_members`` is the quota the result must keep."""
        _writable(req)
        body = req.json_body_or_400()
        memberships = body.get('memberships') if isinstance(body, dict) \
            else None
        if not isinstance(memberships, list) or not all(
                isinstance(m, dict) and isinstance(m.get('member_id'), str)
                for m in memberships):
            raise exception.BadRequest(
                'The body must be {"memberships": [{"member_id": ...}]}.')
        self._visible(req, image_id)
        existing = self._by_member(image_id)
        members = [self._merged(image_id, m['member_id'], m, existing)
                   for m in memberships]
        self.repo.replace_members(image_id, members,
                                  max_members=wire.limit(body, 'max_members'))
        return wsgi.empty_response()

    def show(self, req, image_id, member_id):
        self._visible(req, image_id)
        member = self._by_member(image_id).get(member_id)
        if member is None:
            raise exception.MemberNotFound(image_id=image_id,
                                           member_id=member_id)
        return wsgi.json_response({'member': wire.member_to_dict(member)})

    def update(self, req, image_id, member_id):
        """Add or update one membership: ``{"member": {"can_share",
        "status"}, "max_members"}``, either left out keeps the stored
        value; a new member is added within ``max_members``."""
        _writable(req)
        body = req.json_body_or_400() if req.body else {'member': {}}
        values = _object(body, 'member')
        self._visible(req, image_id)
        member = self._merged(image_id, member_id, values,
                              self._by_member(image_id))
        return wsgi.json_response({'member': wire.member_to_dict(
            self.repo.save_member(
                member, max_members=wire.limit(body, 'max_members')))})

    def delete(self, req, image_id, member_id):
        _writable(req)
        self._visible(req, image_id)
        self.repo.remove_member(image_id, member_id)
        return wsgi.empty_response()

    def shared(self, req, member_id):
        return wsgi.json_response({'shared_images': [
            wire.member_to_dict(member)
            for member in self.repo.member_images(member_id)
            if self._sees(req.context, self.repo.get(member.image_id))]})

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


def _task_response(task):
    return wsgi.json_response({'task': wire.task_to_dict(task)})


class TasksController:

    def __init__(self, repo):
        self.repo = repo

    def _visible(self, req, task_id):
        task = self.repo.get_task(task_id)
        if not task_mod.reachable(req.context, task):
            raise exception.TaskNotFound(task_id=task_id)
        return task

    def index(self, req):
        params = req.params
        query = task_mod.TaskQuery(
            filters={name: params[name] for name in task_mod.TaskQuery.FILTERS
                     if name in params},
            limit=wire.from_text(int, 'limit', params.get('limit', '25')),
            **{name: params[name] for name in tasks_mod.QUERY_TEXT
               if name in params})
        query.check()
        tasks = (self.repo.list_tasks(query)
                 if query.limit_to(req.context) else [])
        return wsgi.json_response({'tasks': [
            wire.task_to_dict(task) for task in tasks]})

    def create(self, req):
        _writable(req)
        body = req.json_body_or_400()
        task = wire.task_from_dict(body.get('task')
                                   if isinstance(body, dict) else None)
        if not task_mod.reachable(req.context, task):
            raise exception.Forbidden('A task belongs to its project.')
        self.repo.add_task(task)
        return _task_response(task)

    def show(self, req, task_id):
        return _task_response(self._visible(req, task_id))

    def stalled(self, req):
        for name in ('status', 'older_than'):
            if name not in req.params:
                raise exception.BadRequest('Parameter %s is required.' % name)
        older_than = wire.from_text(datetime.datetime, 'older_than',
                                    req.params['older_than'])
        return wsgi.json_response({'tasks': [
            wire.task_to_dict(task)
            for task in self.repo.stalled_tasks(req.params['status'],
                                                older_than)
            if task_mod.reachable(req.context, task)]})

    def expired(self, req):
        _writable(req)
        if not req.context.is_admin:
            raise exception.Forbidden('Only administrators remove tasks.')
        body = req.json_body_or_400()
        now = wire.from_text(datetime.datetime, 'now',
                             body.get('now', '') if isinstance(body, dict)
                             else '')
        return wsgi.json_response(
            {'deleted': self.repo.delete_expired_tasks(now)})

    def transition(self, req, task_id):
        _writable(req)
        body = req.json_body_or_400()
        if not isinstance(body, dict) or not isinstance(
                body.get('values', {}), dict):
            raise exception.BadRequest(
                'The body must be {"from", "to", "values": {...}}.')
        values = {name: wire.task_attribute(name, value)
                  for name, value in body.get('values', {}).items()
                  if name in task_mod.RESULT_ATTRIBUTES}
        self._visible(req, task_id)
        return _task_response(self.repo.transition_task(
            task_id, str(body.get('from')), str(body.get('to')), **values))

    def heartbeat(self, req, task_id):
        _writable(req)
        body = req.json_body_or_400()
        status = body.get('status') if isinstance(body, dict) else None
        self._visible(req, task_id)
        if not self.repo.touch_task(task_id, str(status)):
            raise exception.Conflict(
                'Task %s is no longer %s.' % (task_id, status))
        return wsgi.empty_response()


def _add_task_routes(router, repo):
    tasks = TasksController(repo)
    router.add('/tasks', tasks, {'GET': 'index', 'POST': 'create'})
    router.add('/tasks/stalled', tasks, {'GET': 'stalled'})
    router.add('/tasks/expired', tasks, {'POST': 'expired'})
    router.add('/tasks/{task_id}', tasks, {'GET': 'show'})
    router.add('/tasks/{task_id}/status', tasks, {'PUT': 'transition'})
    router.add('/tasks/{task_id}/heartbeat', tasks, {'PUT': 'heartbeat'})


def to_error(error, request_id=None):
    """The JSON error response for an exception, naming its type."""
    http_error = errors.to_http_error(error, request_id)
    body = {'error': {
        'code': http_error.code, 'title': http_error.title,
        'message': http_error.explanation,
        'type': type(error).__name__
        if isinstance(error, exception.GlanceException) else None}}
    return wsgi.json_response(body, status=http_error.code)


def build(repo, metadef_repo=None):
    """The registry WSGI app over ``repo`` (and the metadefs routes over
    ``metadef_repo``, if given)."""
    router = wsgi.Router(to_error=to_error)
    images = ImagesController(repo)
    router.add('/', images, {'GET': 'index'})
    router.add('/images', images, {'GET': 'index', 'POST': 'create'})
    router.add('/images/detail', images, {'GET': 'detail'})
    router.add('/images/stalled', images, {'GET': 'stalled'})
    router.add('/images/storage_used', images, {'GET': 'storage_used'})
    router.add('/images/usage', images, {'GET': 'usage'})
    router.add('/images/{image_id}', images,
               {'GET': 'show', 'PUT': 'save', 'DELETE': 'delete'})
    router.add('/images/{image_id}/status', images, {'PUT': 'transition'})
    router.add('/images/{image_id}/heartbeat', images, {'PUT': 'heartbeat'})
    router.add('/images/{image_id}/locations', images,
               {'PUT': 'change_locations'})
    router.add('/images/{image_id}/property', images,
               {'PUT': 'swap_property'})
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
    if metadef_repo is not None:
        metadefs_api.add_routes(router, metadef_repo)
    _add_task_routes(router, repo)
    return router


def app_factory(global_conf, **local_conf):
    engine = db_session.get_engine()
    return build(db_repository.SqlImageRepository(engine),
                 db_metadefs.SqlMetadefRepository(engine))
