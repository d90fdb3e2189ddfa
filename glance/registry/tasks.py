"""Tasks reached through glance-registry: the registry TaskRepository,
mixed into glance.registry.repository.RegistryImageRepository; each method
is one request to a task route of glance.registry.api:

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
"""

import urllib.parse

from glance.common import exception
from glance.common import ids
from glance.domain import repository
from glance.domain import task as task_mod
from glance.registry import wire

# The TaskQuery attributes sent as they are.
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
