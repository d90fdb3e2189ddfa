"""``/v2/tasks``, ``/v2/tasks/{task_id}`` and ``/v2/images/{image_id}/tasks``:
tasks as Glance shows them."""

import urllib.parse

from glance.api import parsing
from glance.common import wsgi
from glance.domain import task as task_mod

TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
SUMMARY_FIELDS = ('id', 'type', 'status', 'owner')
DETAIL_FIELDS = ('input', 'result', 'message', 'image_id', 'request_id',
                 'user_id')
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000


def task_view(task, detail=True):
    """The v2 JSON of a task; lists leave out its input and result."""
    fields = SUMMARY_FIELDS + (DETAIL_FIELDS if detail else ())
    view = {field: getattr(task, field) for field in fields}
    view.update(
        created_at=task.created_at.strftime(TIME_FORMAT),
        updated_at=task.updated_at.strftime(TIME_FORMAT),
        self='/v2/tasks/%s' % task.id, schema='/v2/schemas/task')
    if task.expires_at is not None:
        view['expires_at'] = task.expires_at.strftime(TIME_FORMAT)
    return view


def _query(params):
    query = task_mod.TaskQuery(
        filters={name: params[name] for name in task_mod.TaskQuery.FILTERS
                 if name in params},
        limit=min(parsing.parse_int('limit', params['limit'])
                  if 'limit' in params else DEFAULT_LIMIT, MAX_LIMIT),
        marker=params.get('marker'))
    query.sort_key = params.get('sort_key', query.sort_key)
    query.sort_dir = params.get('sort_dir', query.sort_dir)
    return query


class Controller:

    def __init__(self, tasks, imports):
        self.tasks = tasks
        self.imports = imports

    def index(self, req):
        query = _query(req.params)
        tasks = self.tasks.list(req.context, query)
        params = [(k, v) for k, v in req.params.items() if k != 'marker']
        first = '/v2/tasks'
        if params:
            first += '?' + urllib.parse.urlencode(params)
        body = {'tasks': [task_view(task, detail=False) for task in tasks],
                'first': first, 'schema': '/v2/schemas/tasks'}
        if tasks and len(tasks) == query.limit:
            params.append(('marker', tasks[-1].id))
            body['next'] = '/v2/tasks?' + urllib.parse.urlencode(params)
        return wsgi.json_response(body)

    def show(self, req, task_id):
        return wsgi.json_response(task_view(
            self.tasks.get(req.context, task_id)))

    def create(self, req):
        task = self.imports.create_task(req.context,
                                        req.json_body_or_400())
        return wsgi.json_response(task_view(task), status=201,
                                  headers={'Location': '/v2/tasks/%s'
                                                       % task.id})

    def image_tasks(self, req, image_id):
        return wsgi.json_response({'tasks': [
            task_view(task)
            for task in self.tasks.for_image(req.context, image_id)]})
