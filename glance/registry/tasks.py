"""Tasks reached through glance-registry: the registry TaskRepository,
mixed into glance.registry.repository.RegistryImageRepository, and the
registry's task routes (glance.registry.api mounts them).

====== ======================================= ==============================
GET    ``/tasks``                              a page of tasks: owner,
                                               image_id, type, status,
                                               sort_key, sort_dir, limit,
                                               marker
POST   ``/tasks``                              add a task
GET    ``/tasks/stalled``                      tasks in ``status`` not
                                               updated since ``older_than``
POST   ``/tasks/expired``                      soft delete the tasks expired
                                               before ``now``
GET    ``/tasks/{id}``                         one task
PUT    ``/tasks/{id}/status``                  change the status, only if it
                                               still is ``from``
PUT    ``/tasks/{id}/heartbeat``               touch updated_at, only while
                                               the status is ``status``
====== ======================================= ==============================

A caller that is no administrator reaches only its project's tasks.
"""

import datetime
import urllib.parse

from glance.common import exception
from glance.common import ids
from glance.common import wsgi
from glance.domain import repository
from glance.domain import task as task_mod
from glance.registry import wire

QUERY_TEXT = ('owner', 'image_id', 'sort_key', 'sort_dir', 'marker')


def _task_path(task_id, *rest):
    if not ids.is_uuid(task_id):
        raise exception.TaskNotFound(task_id=task_id)
    return '/'.join(('/tasks', urllib.parse.quote(task_id, safe='')) + rest)


class RegistryTaskRepository(repository.TaskRepository):
    """Each method one registry request; ``self.client`` is the
    RegistryClient of the image repository it is mixed into."""

    def _task(self, method, path, body=None, idempotent=True):
        answer = self.client.request(method, path, body=body,
                                     idempotent=idempotent)
        return wire.task_from_dict(answer['task'])

    def _tasks(self, path, params):
        answer = self.client.request('GET', path, params=params)
        return [wire.task_from_dict(task) for task in answer['tasks']]

    def add_task(self, task):
        self.client.request('POST', '/tasks',
                            body={'task': wire.task_to_dict(task)},
                            idempotent=False)

    def get_task(self, task_id):
        return self._task('GET', _task_path(task_id))

    def list_tasks(self, query):
        params = [(name, getattr(query, name)) for name in QUERY_TEXT
                  if getattr(query, name) is not None]
        params += list(query.filters.items()) + [('limit', query.limit)]
        return self._tasks('/tasks', params)

    def transition_task(self, task_id, from_status, to_status, **values):
        return self._task('PUT', _task_path(task_id, 'status'), {
            'from': from_status, 'to': to_status,
            'values': {name: wire.to_json(value)
                       for name, value in values.items()}},
            idempotent=False)

    def touch_task(self, task_id, status):
        try:
            self.client.request('PUT', _task_path(task_id, 'heartbeat'),
                                body={'status': status})
        except (exception.NotFound, exception.Conflict):
            return False
        return True

    def stalled_tasks(self, status, older_than):
        return self._tasks('/tasks/stalled', [
            ('status', status), ('older_than', wire.to_text(older_than))])

    def delete_expired_tasks(self, now):
        return self.client.request('POST', '/tasks/expired',
                                   body={'now': wire.to_text(now)})['deleted']


def _reachable(context, task):
    return context.is_admin or (task.owner is not None and
                                task.owner == context.owner)


def _writable(req):
    if req.context.read_only:
        raise exception.Forbidden('Read-only access.')


def _task_response(task):
    return wsgi.json_response({'task': wire.task_to_dict(task)})


class TasksController:

    def __init__(self, repo):
        self.repo = repo

    def _visible(self, req, task_id):
        task = self.repo.get_task(task_id)
        if not _reachable(req.context, task):
            raise exception.TaskNotFound(task_id=task_id)
        return task

    def index(self, req):
        params = req.params
        query = task_mod.TaskQuery(
            filters={name: params[name] for name in task_mod.TaskQuery.FILTERS
                     if name in params},
            limit=wire.from_text(int, 'limit', params.get('limit', '25')),
            **{name: params[name] for name in QUERY_TEXT if name in params})
        if not req.context.is_admin:
            query.owner = req.context.owner
        return wsgi.json_response({'tasks': [
            wire.task_to_dict(task)
            for task in self.repo.list_tasks(query.check())]})

    def create(self, req):
        _writable(req)
        body = req.json_body_or_400()
        task = wire.task_from_dict(body.get('task')
                                   if isinstance(body, dict) else None)
        if not _reachable(req.context, task):
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
            if _reachable(req.context, task)]})

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


def add_routes(router, repo):
    tasks = TasksController(repo)
    router.add('/tasks', tasks, {'GET': 'index', 'POST': 'create'})
    router.add('/tasks/stalled', tasks, {'GET': 'stalled'})
    router.add('/tasks/expired', tasks, {'POST': 'expired'})
    router.add('/tasks/{task_id}', tasks, {'GET': 'show'})
    router.add('/tasks/{task_id}/status', tasks, {'PUT': 'transition'})
    router.add('/tasks/{task_id}/heartbeat', tasks, {'PUT': 'heartbeat'})
