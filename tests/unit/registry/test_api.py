"""The registry's actions, called as WSGI without sockets."""

import datetime
import uuid

import pytest
import webob

from glance import context
from glance.db import repository as db_repository
from glance.registry import api

ADMIN = context.RequestContext(project_id='ops', roles=['admin'],
                               is_admin=True)
ALICE = context.RequestContext(project_id='alice', roles=['member'])
READER = context.RequestContext(read_only=True)


@pytest.fixture
def app(engine):
    return api.build(db_repository.SqlImageRepository(engine))


def call(app, method, path, caller=ADMIN, json=None, headers=None):
    request = webob.Request.blank(path, method=method, headers=headers,
                                  environ={'glance.context': caller})
    if json is not None:
        request.json = json
    return request.get_response(app)


def create(app, **image):
    response = call(app, 'POST', '/images', json={'image': image})
    assert response.status_int == 200, response.text
    return response.json['image']


def error_type(response):
    return response.json['error']['type']


def listed(app, caller=ADMIN, query=''):
    response = call(app, 'GET', '/images/detail' + query, caller)
    assert response.status_int == 200, response.text
    return sorted(image['name'] for image in response.json['images'])


@pytest.fixture
def world(app):
    create(app, name='public', visibility='public', owner='ops')
    create(app, name='alice-private', visibility='private', owner='alice')
    create(app, name='ops-private', visibility='private', owner='ops')


def test_a_caller_lists_as_itself(app, world):
    assert listed(app, ALICE) == ['alice-private', 'public']
    assert listed(app, ADMIN) == ['alice-private', 'ops-private', 'public']


def test_only_an_admin_lists_on_behalf_of_the_viewer_it_names(app, world):
    as_admin = '?viewer_is_admin=true&viewer_owner=ops'
    assert listed(app, ALICE, as_admin) == ['alice-private', 'public']
    as_alice = '?viewer_is_admin=false&viewer_owner=alice'
    assert listed(app, ADMIN, as_alice) == ['alice-private', 'public']


def test_the_brief_list_has_glance_fields(app, world):
    images = call(app, 'GET', '/images').json['images']
    assert len(images) == 3
    assert set(images[0]) == set(api.BRIEF_FIELDS)


def test_read_only_callers_read_but_do_not_write(app, world):
    assert listed(app, READER) == ['public']
    assert call(app, 'POST', '/images', READER,
                json={'image': {}}).status_int == 403


def test_an_image_without_status_is_active_and_ids_are_uuids(app):
    assert create(app)['status'] == 'active'
    response = call(app, 'POST', '/images', json={'image': {'id': '../x'}})
    assert response.status_int == 400


def test_put_saves_the_changes_it_names_only(app):
    image = create(app, properties={'a': '1', 'b': '2', 'c': '3'},
                   tags=['x', 'y'])
    path = '/images/' + image['id']
    saved = call(app, 'PUT', path, json={'changes': {
        'attributes': {'name': 'n', 'min_ram': 64},
        'set_properties': {'b': '20', 'd': '4'},
        'removed_properties': ['c'], 'added_tags': ['z'],
        'removed_tags': ['x']}})
    assert saved.status_int == 200, saved.text
    stored = call(app, 'GET', path).json['image']
    assert stored['updated_at'] == saved.json['updated_at']
    assert (stored['name'], stored['min_ram']) == ('n', 64)
    assert stored['properties'] == {'a': '1', 'b': '20', 'd': '4'}
    assert stored['tags'] == ['y', 'z']


def test_put_saves_only_in_the_required_status(app):
    image = create(app, status='queued', name='before')
    path = '/images/' + image['id']
    refused = call(app, 'PUT', path, json={
        'changes': {'attributes': {'name': 'after'}},
        'require_status': 'active'})
    assert refused.status_int == 409 and error_type(refused) == 'Conflict'
    assert call(app, 'GET', path).json['image']['name'] == 'before'


def test_status_changes_only_from_the_stated_one(app):
    image = create(app, status='queued')
    path = '/images/%s/status' % image['id']
    stale = call(app, 'PUT', path, json={'from': 'saving', 'to': 'active',
                                         'values': {}})
    assert stale.status_int == 409 and error_type(stale) == 'Conflict'
    moved = call(app, 'PUT', path, json={
        'from': 'queued', 'to': 'active', 'values': {'size': 3},
        'location_data': [{'url': 'file:///x', 'metadata': {'k': 'v'}}]})
    moved = moved.json['image']
    assert moved['status'] == 'active' and moved['size'] == 3
    assert moved['location'] == 'file:///x'
    assert moved['location_data'][0]['metadata'] == {'k': 'v'}


def test_a_heartbeat_touches_the_image_in_the_stated_status(app):
    image = create(app, status='saving', updated_at='2020-01-01T00:00:00')
    path = '/images/%s/heartbeat' % image['id']
    assert call(app, 'PUT', path, json={'status': 'saving'}).status_int == 204
    assert datetime.datetime.fromisoformat(call(
        app, 'GET', '/images/' + image['id']).json['image'][
            'updated_at']).year > 2020
    other = call(app, 'PUT', path, json={'status': 'active'})
    assert other.status_int == 409
    gone = call(app, 'PUT', '/images/%s/heartbeat' % uuid.uuid4(),
                json={'status': 'saving'})
    assert gone.status_int == 404 and error_type(gone) == 'ImageNotFound'


@pytest.mark.parametrize('body', [
    {'changes': {'attributes': {'created_at': '2020-01-01T00:00:00'}}},
    {'changes': []}, {'nothing': {}},
    {'changes': {'attributes': {'min_ram': 'lots'}}},
    {'changes': {'added_tags': 'x'}}])
def test_put_refuses_what_it_cannot_change(app, body):
    image = create(app)
    response = call(app, 'PUT', '/images/' + image['id'], json=body)
    assert response.status_int == 400, response.text


def test_delete_leaves_the_image_pending_delete_and_hidden(app):
    image = create(app)
    path = '/images/' + image['id']
    deleted = call(app, 'DELETE', path)
    assert deleted.json['image']['status'] == 'pending_delete'
    assert call(app, 'GET', path).status_int == 404
    again = call(app, 'POST', '/images', json={'image': {'id': image['id']}})
    assert again.status_int == 409 and error_type(again) == 'Duplicate'


@pytest.mark.parametrize('method, suffix, body', [
    ('GET', '', None), ('GET', '/members', None),
    ('PUT', '', {'changes': {'attributes': {'name': 'mine'}}}),
    ('PUT', '/status', {'from': 'active', 'to': 'deactivated',
                        'values': {}}),
    ('PUT', '/heartbeat', {'status': 'active'}), ('DELETE', '', None),
    ('PUT', '/members/alice', {'member': {}})])
def test_a_caller_reaches_no_image_it_may_not_see(app, method, suffix,
                                                  body):
    image = create(app, name='secret', visibility='private', owner='ops',
                   location_data=[{'url': 'file:///secret'}])
    response = call(app, method, '/images/%s%s' % (image['id'], suffix),
                    ALICE, json=body)
    assert response.status_int == 404, response.text
    assert 'secret' not in response.text
    assert call(app, 'GET', '/images/' + image['id']).json['image'][
        'status'] == 'active'


def test_members_keep_what_a_request_leaves_out(app):
    image = create(app, visibility='shared')
    members = '/images/%s/members' % image['id']
    added = call(app, 'PUT', members + '/p1').json['member']
    assert (added['can_share'], added['status']) == (False, 'pending')
    call(app, 'PUT', members + '/p1', json={'member': {'can_share': True}})
    call(app, 'PUT', members + '/p1', json={'member': {'status': 'accepted'}})
    assert call(app, 'PUT', members, json={'memberships': [
        {'member_id': 'p1'}, {'member_id': 'a/b', 'can_share': True}]}
    ).status_int == 204
    listed_members = call(app, 'GET', members).json['members']
    assert [(m['member_id'], m['can_share'], m['status'])
            for m in listed_members] == [('p1', True, 'accepted'),
                                         ('a/b', True, 'pending')]
    assert call(app, 'GET', members + '/a%2Fb').json['member'][
        'member_id'] == 'a/b'
    shared = call(app, 'GET', '/shared-images/a%2Fb').json['shared_images']
    assert [m['image_id'] for m in shared] == [image['id']]
    assert call(app, 'DELETE', members + '/a%2Fb').status_int == 204
    missing = call(app, 'GET', members + '/a%2Fb')
    assert missing.status_int == 404
    assert error_type(missing) == 'MemberNotFound'


def test_stalled_lists_images_left_in_a_status(app):
    create(app, name='old', status='saving',
           updated_at='2020-01-01T00:00:00')
    create(app, name='new', status='saving')
    response = call(app, 'GET', '/images/stalled?status=saving&older_than='
                    '2021-01-01T00:00:00')
    assert [image['name'] for image in response.json['images']] == ['old']
    assert call(app, 'GET', '/images/stalled').status_int == 400


def test_storage_used_is_told_to_its_owner_and_admins_only(app):
    create(app, name='data', owner='alice', status='active', size=5,
           location_data=[{'url': 'file:///a', 'metadata': {},
                           'status': 'active'}])
    for caller in (ALICE, ADMIN):
        response = call(app, 'GET', '/images/storage_used?owner=alice',
                        caller)
        assert response.json == {'storage_used': 5}
    response = call(app, 'GET', '/images/storage_used?owner=ops', ALICE)
    assert response.status_int == 403
    assert 'storage_used' not in response.text


@pytest.mark.parametrize('body', [
    {'changes': {}, 'max_tags': -1}, {'changes': {}, 'max_tags': 'many'},
    {'changes': {}, 'max_properties': True}])
def test_a_bad_limit_is_400(app, body):
    image = create(app, name='limited')
    response = call(app, 'PUT', '/images/' + image['id'], json=body)
    assert response.status_int == 400, response.text
