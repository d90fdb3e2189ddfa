"""Ownership and visibility between projects (trusted-auth flavor)."""

import requests
import pytest

PATCH = 'application/openstack-images-v2.1-json-patch'


def identity(project, roles='member'):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'user-' + project,
            'X-Project-Id': project, 'X-Roles': roles}


@pytest.fixture(scope='module')
def server(tmp_path_factory, data_api):
    from tests.functional.server import ApiServer
    api = ApiServer(tmp_path_factory.mktemp('tenancy'), flavor='trusted-auth',
                    data_api=data_api)
    api.start()
    yield api
    api.stop()


def request(server, method, path, project, roles='member', headers=None,
            **kwargs):
    headers = dict(identity(project, roles), **(headers or {}))
    return requests.request(method, server.url + path, headers=headers,
                            **kwargs)


def test_requests_without_identity_are_401(server):
    assert requests.get(server.url + '/v2/images').status_code == 401


def test_private_images_stay_private(server):
    mine = request(server, 'POST', '/v2/images', 'alpha',
                   json={'name': 'mine', 'visibility': 'private'}).json()
    assert mine['owner'] == 'alpha'
    path = '/v2/images/' + mine['id']
    assert request(server, 'GET', path, 'alpha').status_code == 200
    assert request(server, 'GET', path, 'beta').status_code == 404
    assert request(server, 'GET', path + '/file', 'beta').status_code == 404
    assert request(server, 'DELETE', path, 'beta').status_code == 404
    listed = request(server, 'GET', '/v2/images', 'beta').json()['images']
    assert mine['id'] not in [image['id'] for image in listed]
    assert request(server, 'GET', path, 'gamma',
                   roles='admin').status_code == 200


def test_public_images_are_visible_but_not_mutable(server):
    admin_image = request(server, 'POST', '/v2/images', 'ops', roles='admin',
                          json={'name': 'golden',
                                'visibility': 'public'}).json()
    path = '/v2/images/' + admin_image['id']
    assert request(server, 'GET', path, 'beta').status_code == 200
    listed = request(server, 'GET', '/v2/images', 'beta').json()['images']
    assert admin_image['id'] in [image['id'] for image in listed]
    patch = request(server, 'PATCH', path, 'beta', data='[{"op": "replace", '
                    '"path": "/name", "value": "mine now"}]',
                    headers={'Content-Type': PATCH})
    assert patch.status_code == 403
    assert request(server, 'DELETE', path, 'beta').status_code == 403


def test_publicizing_needs_admin(server):
    response = request(server, 'POST', '/v2/images', 'alpha',
                       json={'visibility': 'public'})
    assert response.status_code == 403
    image = request(server, 'POST', '/v2/images', 'alpha', json={}).json()
    response = requests.patch(
        server.url + '/v2/images/' + image['id'],
        data='[{"op": "replace", "path": "/visibility", "value": "public"}]',
        headers=dict(identity('alpha'), **{'Content-Type': PATCH}))
    assert response.status_code == 403


def test_cannot_create_for_another_owner(server):
    response = request(server, 'POST', '/v2/images', 'alpha',
                       json={'owner': 'beta'})
    assert response.status_code == 403


def test_deactivation_is_admin_only_and_blocks_downloads(server):
    image = request(server, 'POST', '/v2/images', 'alpha', json={}).json()
    path = '/v2/images/' + image['id']
    assert request(server, 'PUT', path + '/file', 'alpha', data=b'abc',
                   headers={'Content-Type': 'application/octet-stream'}
                   ).status_code == 204
    assert request(server, 'POST', path + '/actions/deactivate',
                   'alpha').status_code == 403
    assert request(server, 'POST', path + '/actions/deactivate', 'ops',
                   roles='admin').status_code == 204
    assert request(server, 'GET', path + '/file', 'alpha').status_code == 403
    admin_read = request(server, 'GET', path + '/file', 'ops', roles='admin')
    assert admin_read.status_code == 200 and admin_read.content == b'abc'


def share(server, owner, image_id, member):
    return request(server, 'POST', '/v2/images/%s/members' % image_id, owner,
                   json={'member': member})


def listed_ids(server, project, **params):
    images = request(server, 'GET', '/v2/images', project,
                     params=params).json()['images']
    return [image['id'] for image in images]


def test_sharing_with_a_member_who_accepts(server):
    image = request(server, 'POST', '/v2/images', 'alpha',
                    json={'name': 'to-share'}).json()
    assert image['visibility'] == 'shared'
    members_path = '/v2/images/%s/members' % image['id']
    assert request(server, 'GET', '/v2/images/' + image['id'],
                   'delta').status_code == 404
    created = share(server, 'alpha', image['id'], 'delta')
    assert created.status_code == 200
    assert created.json()['status'] == 'pending'
    assert created.json()['member_id'] == 'delta'
    assert share(server, 'alpha', image['id'], 'delta').status_code == 409
    assert share(server, 'beta', image['id'], 'beta').status_code == 404

    # A pending member can read the image but does not list it by default.
    assert request(server, 'GET', '/v2/images/' + image['id'],
                   'delta').status_code == 200
    assert image['id'] not in listed_ids(server, 'delta')
    assert image['id'] in listed_ids(server, 'delta', member_status='pending')

    # Only the member answers for itself.
    member_path = members_path + '/delta'
    assert request(server, 'PUT', member_path, 'alpha',
                   json={'status': 'accepted'}).status_code == 403
    accepted = request(server, 'PUT', member_path, 'delta',
                       json={'status': 'accepted'})
    assert accepted.status_code == 200
    assert accepted.json()['status'] == 'accepted'
    assert image['id'] in listed_ids(server, 'delta')

    # A member sees only itself; the owner sees every member.
    share(server, 'alpha', image['id'], 'epsilon')
    owner_view = request(server, 'GET', members_path, 'alpha').json()
    assert sorted(m['member_id'] for m in owner_view['members']) == [
        'delta', 'epsilon']
    member_view = request(server, 'GET', members_path, 'delta').json()
    assert [m['member_id'] for m in member_view['members']] == ['delta']
    assert request(server, 'GET', members_path + '/epsilon',
                   'delta').status_code == 404

    # A member cannot share further or unshare; the owner can.
    assert share(server, 'delta', image['id'], 'zeta').status_code == 403
    assert request(server, 'DELETE', member_path, 'delta').status_code == 403
    assert request(server, 'DELETE', member_path, 'alpha').status_code == 204
    assert request(server, 'GET', '/v2/images/' + image['id'],
                   'delta').status_code == 404


def test_private_images_have_no_members(server):
    image = request(server, 'POST', '/v2/images', 'alpha',
                    json={'visibility': 'private'}).json()
    assert share(server, 'alpha', image['id'], 'delta').status_code == 403


def test_member_requests_are_validated(server):
    image = request(server, 'POST', '/v2/images', 'alpha', json={}).json()
    members_path = '/v2/images/%s/members' % image['id']
    assert request(server, 'POST', members_path, 'alpha',
                   json={'member': 7}).status_code == 400
    assert request(server, 'POST', members_path, 'alpha',
                   data='not json').status_code == 400
    share(server, 'alpha', image['id'], 'delta')
    assert request(server, 'PUT', members_path + '/delta', 'delta',
                   json={'status': 'maybe'}).status_code == 400
    assert request(server, 'GET', '/v2/images/not-a-uuid/members',
                   'alpha').status_code == 404
