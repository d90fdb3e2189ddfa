"""``/v2/tasks``, ``/v2/tasks/{id}``, ``/v2/images/{id}/tasks`` and the
task schemas."""

import pytest

from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import UNKNOWN_ID
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.v2.test_image_import import wait_for_task

FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def imported(api, data=b'data'):
    image = create(api, **FORMATS)
    assert api.put('/v2/images/%s/stage' % image['id'], data=data,
                   headers=OCTET).status_code == 204
    assert api.post('/v2/images/%s/import' % image['id'], json={
        'method': {'name': 'glance-direct'}}).status_code == 202
    return image, wait_for_task(api, image['id'])


def test_list_and_show(api):
    first, first_task = imported(api)
    second, second_task = imported(api)
    listed = api.get('/v2/tasks').json()
    assert [t['id'] for t in listed['tasks']] == [second_task['id'],
                                                  first_task['id']]
    assert listed['schema'] == '/v2/schemas/tasks'
    assert 'input' not in listed['tasks'][0]
    page = api.get('/v2/tasks?limit=1').json()
    assert [t['id'] for t in page['tasks']] == [second_task['id']]
    rest = api.get(page['next']).json()
    assert [t['id'] for t in rest['tasks']] == [first_task['id']]
    assert api.get('/v2/tasks?status=failure').json()['tasks'] == []
    assert len(api.get('/v2/tasks?type=api_image_import&sort_dir=asc')
               .json()['tasks']) == 2
    shown = api.get('/v2/tasks/' + first_task['id'])
    assert shown.status_code == 200
    assert shown.json() == first_task
    assert shown.json()['self'] == '/v2/tasks/' + first_task['id']


@pytest.mark.parametrize('query', ['status=done', 'type=nope',
                                   'sort_key=owner', 'sort_dir=up',
                                   'limit=-1'])
def test_bad_list_queries_are_400(api, query):
    assert api.get('/v2/tasks?' + query).status_code == 400


@pytest.mark.parametrize('task_id', [UNKNOWN_ID, 'not-a-uuid'])
def test_unknown_tasks_are_404(api, task_id):
    assert api.get('/v2/tasks/' + task_id).status_code == 404


def test_the_tasks_api_is_for_administrators(make_api):
    api = make_api(flavor='trusted-auth')
    alice = as_project(api, 'alice')
    admin = as_project(api, 'ops', roles='admin')
    image, task = imported(alice)
    assert alice.get('/v2/tasks').status_code == 403
    assert alice.get('/v2/tasks/' + task['id']).status_code == 403
    assert alice.post('/v2/tasks', json={
        'type': 'import', 'input': {}}).status_code == 403
    assert admin.get('/v2/tasks/' + task['id']).json()['owner'] == 'alice'
    assert [t['id'] for t in alice.get(
        '/v2/images/%s/tasks' % image['id']).json()['tasks']] == [task['id']]
    bob = as_project(api, 'bob')
    assert bob.get('/v2/images/%s/tasks' % image['id']).status_code == 404


def test_tasks_routes_take_no_other_methods(api):
    assert api.delete('/v2/tasks').status_code == 405
    assert api.delete('/v2/tasks/' + UNKNOWN_ID).status_code == 405


@pytest.mark.parametrize('body', [
    {}, {'type': 'import'}, {'type': 'clone', 'input': {}},
    {'type': 'import', 'input': {'import_from': 5}},
    {'type': 'import', 'input': {'import_from': 'http://127.0.0.1/x'}},
])
def test_bad_task_creations_are_400(api, body):
    assert api.post('/v2/tasks', json=body).status_code == 400


def test_task_schemas(api):
    task = api.get('/v2/schemas/task').json()
    assert task['name'] == 'task'
    assert task['properties']['status']['enum'] == [
        'pending', 'processing', 'success', 'failure']
    tasks = api.get('/v2/schemas/tasks').json()
    assert 'input' not in tasks['properties']['tasks']['items']['properties']
