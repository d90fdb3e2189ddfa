"""``/v2/images/{id}/members[/{member}]``: sharing between projects
(trusted-auth flavor)."""

import pytest

from tests.unit.api.helpers import as_project


@pytest.fixture
def projects(make_api, data_api):
    api = make_api(flavor='trusted-auth', data_api=data_api)
    return {name: as_project(api, name)
            for name in ('alpha', 'beta', 'delta', 'epsilon')}


def share(client, image_id, member):
    return client.post('/v2/images/%s/members' % image_id,
                       json={'member': member})


def listed_ids(client, **params):
    images = client.get('/v2/images', params=params).json()['images']
    return [image['id'] for image in images]


def test_sharing_with_a_member_who_accepts(projects):
    alpha, delta = projects['alpha'], projects['delta']
    image = alpha.post('/v2/images', json={'name': 'to-share'}).json()
    assert image['visibility'] == 'shared'
    image_path = '/v2/images/' + image['id']
    members_path = image_path + '/members'
    assert delta.get(image_path).status_code == 404
    created = share(alpha, image['id'], 'delta')
    assert created.status_code == 200
    assert created.json()['status'] == 'pending'
    assert created.json()['member_id'] == 'delta'
    assert share(alpha, image['id'], 'delta').status_code == 409
    assert share(projects['beta'], image['id'], 'beta').status_code == 404

    # A pending member can read the image but does not list it by default.
    assert delta.get(image_path).status_code == 200
    assert image['id'] not in listed_ids(delta)
    assert image['id'] in listed_ids(delta, member_status='pending')

    # Only the member answers for itself.
    member_path = members_path + '/delta'
    assert alpha.put(member_path,
                     json={'status': 'accepted'}).status_code == 403
    accepted = delta.put(member_path, json={'status': 'accepted'})
    assert accepted.status_code == 200
    assert accepted.json()['status'] == 'accepted'
    assert image['id'] in listed_ids(delta)

    # A member sees only itself; the owner sees every member.
    share(alpha, image['id'], 'epsilon')
    owner_view = alpha.get(members_path).json()
    assert sorted(m['member_id'] for m in owner_view['members']) == [
        'delta', 'epsilon']
    member_view = delta.get(members_path).json()
    assert [m['member_id'] for m in member_view['members']] == ['delta']
    assert delta.get(members_path + '/epsilon').status_code == 404

    # A member cannot share further or unshare; the owner can.
    assert share(delta, image['id'], 'zeta').status_code == 403
    assert delta.delete(member_path).status_code == 403
    assert alpha.delete(member_path).status_code == 204
    assert delta.get(image_path).status_code == 404


@pytest.mark.parametrize('visibility', ['private', 'community'])
def test_only_shared_images_have_members(projects, visibility):
    alpha = projects['alpha']
    image = alpha.post('/v2/images', json={'visibility': visibility}).json()
    assert share(alpha, image['id'], 'delta').status_code == 403
    listing = alpha.get('/v2/images/%s/members' % image['id'])
    assert listing.status_code == 403
    assert 'Only shared images have members' in listing.text


def test_member_requests_are_validated(projects):
    alpha = projects['alpha']
    image = alpha.post('/v2/images', json={}).json()
    members_path = '/v2/images/%s/members' % image['id']
    assert alpha.post(members_path, json={'member': 7}).status_code == 400
    assert alpha.post(members_path, data='not json').status_code == 400
    share(alpha, image['id'], 'delta')
    assert projects['delta'].put(members_path + '/delta', json={
        'status': 'maybe'}).status_code == 400
    assert alpha.get('/v2/images/not-a-uuid/members').status_code == 404
