"""v1 image members between projects (trusted-auth flavor): can_share,
replacing them all, shared-images."""

import json

import pytest

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import v1_create as create
from tests.unit.api.helpers import v1_detail as detail


@pytest.fixture
def projects(make_api):
    api = make_api(flavor='trusted-auth')
    clients = {name: as_project(api, name)
               for name in ('alpha', 'beta', 'gamma', 'delta')}
    clients['ops'] = as_project(api, 'ops', roles='admin')
    return clients


def members(client, image_id):
    response = client.get('/v1/images/%s/members' % image_id)
    assert response.status_code == 200, response.text
    return response.json()['members']


def test_members_can_share_and_shared_images(projects):
    alpha, beta, gamma = projects['alpha'], projects['beta'], projects['gamma']
    image = create(alpha, b'shared bytes', name='shared')
    image_path = '/v1/images/' + image['id']
    path = image_path + '/members/'
    assert alpha.put(path + 'beta').status_code == 204
    assert members(alpha, image['id']) == [
        {'member_id': 'beta', 'can_share': False}]
    assert beta.get(image_path).content == b'shared bytes'
    assert [i['name'] for i in detail(beta)] == ['shared']
    assert gamma.head(image_path).status_code == 404
    assert beta.put(path + 'gamma').status_code == 403
    assert alpha.put(path + 'beta', data=json.dumps(
        {'member': {'can_share': True}})).status_code == 204
    assert beta.put(path + 'gamma').status_code == 204
    assert alpha.put(path + 'beta').status_code == 204
    assert members(alpha, image['id']) == [
        {'member_id': 'beta', 'can_share': True},
        {'member_id': 'gamma', 'can_share': False}]
    assert members(gamma, image['id']) == [
        {'member_id': 'gamma', 'can_share': False}]
    shared = beta.get('/v1/shared-images/beta').json()
    assert shared == {'shared_images': [{'image_id': image['id'],
                                         'can_share': True}]}
    assert projects['delta'].get('/v1/shared-images/beta').json() == {
        'shared_images': []}
    assert alpha.delete(path + 'gamma').status_code == 204
    assert alpha.delete(path + 'gamma').status_code == 404
    assert gamma.head(image_path).status_code == 404


def test_replacing_all_members(projects):
    alpha = projects['alpha']
    image = create(alpha)
    path = '/v1/images/%s/members' % image['id']
    alpha.put(path + '/beta', data=json.dumps(
        {'member': {'can_share': True}}))
    body = {'memberships': [{'member_id': 'beta'},
                            {'member_id': 'delta', 'can_share': True}]}
    assert alpha.put(path, data=json.dumps(body)).status_code == 204
    assert members(alpha, image['id']) == [
        {'member_id': 'beta', 'can_share': True},
        {'member_id': 'delta', 'can_share': True}]
    assert alpha.put(path, data=json.dumps(
        {'memberships': []})).status_code == 204
    assert members(alpha, image['id']) == []
    for bad in ('{"members": []}', '{"memberships": [{"id": "x"}]}',
                '{"memberships": [{"member_id": "x", "can_share": "yes"}]}',
                'not json'):
        assert alpha.put(path, data=bad).status_code == 400, bad
    assert alpha.put(path + '/beta',
                     data='{"can_share": true}').status_code == 400
    assert projects['beta'].put(path, data=json.dumps(
        body)).status_code == 404


def test_public_images_have_no_members(projects):
    ops = projects['ops']
    public = create(ops, is_public='true')
    response = ops.put('/v1/images/%s/members/beta' % public['id'])
    assert response.status_code == 403
