"""v1 between projects (trusted-auth flavor): privacy, public images,
members with can_share, shared-images."""

import json

import pytest
import requests


def identity(project, roles='member'):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'user-' + project,
            'X-Project-Id': project, 'X-Roles': roles}


@pytest.fixture
def server(make_api_server):
    return make_api_server(flavor='trusted-auth')


def call(server, method, path, project, roles='member', headers=None,
         **kwargs):
    headers = dict(identity(project, roles), **(headers or {}))
    return requests.request(method, server.url + path, headers=headers,
                            **kwargs)


def create(server, project, roles='member', data=None, **fields):
    headers = {'x-image-meta-' + k: str(v) for k, v in fields.items()}
    if data is not None:
        headers['Content-Type'] = 'application/octet-stream'
    response = call(server, 'POST', '/v1/images', project, roles, headers,
                    data=data)
    assert response.status_code == 201, response.text
    return response.json()['image']


def listed(server, project, roles='member', **params):
    response = call(server, 'GET', '/v1/images/detail', project, roles,
                    params=params)
    assert response.status_code == 200, response.text
    return sorted(image['name'] for image in response.json()['images'])


def test_requests_without_identity_are_401(server):
    assert requests.get(server.url + '/v1/images').status_code == 401


def test_images_of_a_project_stay_its_own(server):
    mine = create(server, 'alpha', data=b'secret', name='mine')
    assert mine['owner'] == 'alpha' and mine['is_public'] is False
    path = '/v1/images/' + mine['id']
    assert call(server, 'HEAD', path, 'alpha').status_code == 200
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        assert call(server, method, path, 'beta').status_code == 404
    assert call(server, 'GET', path + '/members', 'beta').status_code == 404
    assert listed(server, 'beta') == []
    assert listed(server, 'beta', is_public='none') == []
    assert listed(server, 'alpha') == ['mine']
    assert call(server, 'GET', path, 'ops', 'admin').content == b'secret'
    private = call(server, 'POST', '/v2/images', 'alpha',
                   json={'name': 'v2-private',
                         'visibility': 'private'}).json()
    assert call(server, 'HEAD', '/v1/images/' + private['id'],
                'beta').status_code == 404
    assert listed(server, 'alpha') == ['mine', 'v2-private']


def test_admin_lists_as_a_user_unless_asking_for_all(server):
    create(server, 'alpha', name='alphas')
    create(server, 'ops', 'admin', name='ops-public', is_public='true')
    create(server, 'ops', 'admin', name='ops-own')
    assert listed(server, 'ops', 'admin') == ['ops-own', 'ops-public']
    assert listed(server, 'ops', 'admin', is_public='none') == [
        'alphas', 'ops-own', 'ops-public']
    assert listed(server, 'ops', 'admin', is_public='false') == [
        'alphas', 'ops-own']
    assert listed(server, 'alpha', is_public='true') == ['ops-public']


def test_public_images_are_seen_but_not_changed_by_others(server):
    response = call(server, 'POST', '/v1/images', 'alpha',
                    headers={'x-image-meta-is_public': 'true'})
    assert response.status_code == 403
    public = create(server, 'ops', 'admin', name='golden', is_public='true')
    path = '/v1/images/' + public['id']
    assert call(server, 'HEAD', path, 'beta').status_code == 200
    assert listed(server, 'beta') == ['golden']
    assert call(server, 'PUT', path, 'beta', headers={
        'x-image-meta-name': 'mine now'}).status_code == 403
    assert call(server, 'DELETE', path, 'beta').status_code == 403
    assert call(server, 'POST', '/v1/images', 'alpha', headers={
        'x-image-meta-owner': 'beta'}).status_code == 403


def members(server, image_id, project):
    response = call(server, 'GET', '/v1/images/%s/members' % image_id,
                    project)
    assert response.status_code == 200, response.text
    return response.json()['members']


def test_members_can_share_and_shared_images(server):
    image = create(server, 'alpha', data=b'shared bytes', name='shared')
    path = '/v1/images/%s/members/' % image['id']
    assert call(server, 'PUT', path + 'beta', 'alpha').status_code == 204
    assert members(server, image['id'], 'alpha') == [
        {'member_id': 'beta', 'can_share': False}]
    assert call(server, 'GET', '/v1/images/' + image['id'],
                'beta').content == b'shared bytes'
    assert listed(server, 'beta') == ['shared']
    assert call(server, 'HEAD', '/v1/images/' + image['id'],
                'gamma').status_code == 404
    assert call(server, 'PUT', path + 'gamma', 'beta').status_code == 403
    assert call(server, 'PUT', path + 'beta', 'alpha', data=json.dumps(
        {'member': {'can_share': True}})).status_code == 204
    assert call(server, 'PUT', path + 'gamma', 'beta').status_code == 204
    assert call(server, 'PUT', path + 'beta', 'alpha').status_code == 204
    assert members(server, image['id'], 'alpha') == [
        {'member_id': 'beta', 'can_share': True},
        {'member_id': 'gamma', 'can_share': False}]
    assert members(server, image['id'], 'gamma') == [
        {'member_id': 'gamma', 'can_share': False}]
    shared = call(server, 'GET', '/v1/shared-images/beta', 'beta').json()
    assert shared == {'shared_images': [{'image_id': image['id'],
                                         'can_share': True}]}
    assert call(server, 'GET', '/v1/shared-images/beta',
                'delta').json() == {'shared_images': []}
    assert call(server, 'DELETE', path + 'gamma', 'alpha').status_code == 204
    assert call(server, 'DELETE', path + 'gamma', 'alpha').status_code == 404
    assert call(server, 'HEAD', '/v1/images/' + image['id'],
                'gamma').status_code == 404


def test_replacing_all_members(server):
    image = create(server, 'alpha')
    url = '/v1/images/%s/members' % image['id']
    call(server, 'PUT', url + '/beta', 'alpha',
         data=json.dumps({'member': {'can_share': True}}))
    body = {'memberships': [{'member_id': 'beta'},
                            {'member_id': 'delta', 'can_share': True}]}
    assert call(server, 'PUT', url, 'alpha',
                data=json.dumps(body)).status_code == 204
    assert members(server, image['id'], 'alpha') == [
        {'member_id': 'beta', 'can_share': True},
        {'member_id': 'delta', 'can_share': True}]
    assert call(server, 'PUT', url, 'alpha', data=json.dumps(
        {'memberships': []})).status_code == 204
    assert members(server, image['id'], 'alpha') == []
    for bad in ('{"members": []}', '{"memberships": [{"id": "x"}]}',
                '{"memberships": [{"member_id": "x", "can_share": "yes"}]}',
                'not json'):
        assert call(server, 'PUT', url, 'alpha',
                    data=bad).status_code == 400, bad
    assert call(server, 'PUT', url + '/beta', 'alpha',
                data='{"can_share": true}').status_code == 400
    assert call(server, 'PUT', url, 'beta', data=json.dumps(
        body)).status_code == 404


def test_public_images_have_no_members(server):
    public = create(server, 'ops', 'admin', is_public='true')
    response = call(server, 'PUT', '/v1/images/%s/members/beta'
                    % public['id'], 'ops', 'admin')
    assert response.status_code == 403
