"""``/v2/images`` and ``/v2/images/{id}``: create, show, list, patch,
delete, and who may do which."""

import pytest

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload
from tests.unit.api.helpers import UNKNOWN_ID


def test_create_show_and_fields(api):
    response = api.post('/v2/images', json={
        'name': 'cirros', 'disk_format': 'qcow2', 'container_format': 'bare',
        'min_ram': 64, 'os_distro': 'cirros', 'tags': ['a', 'b']})
    assert response.status_code == 201
    image = response.json()
    assert response.headers['Location'].endswith('/v2/images/' + image['id'])
    assert 'glance-direct' in response.headers[
        'OpenStack-image-import-methods']
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert image['status'] == 'queued' and image['visibility'] == 'shared'
    assert image['os_distro'] == 'cirros' and image['min_ram'] == 64
    assert image['tags'] == ['a', 'b'] and image['protected'] is False
    for field in ('size', 'checksum', 'os_hash_algo', 'os_hash_value',
                  'virtual_size'):
        assert image[field] is None
    assert image['self'] == '/v2/images/' + image['id']
    assert image['file'] == '/v2/images/%s/file' % image['id']
    assert image['schema'] == '/v2/schemas/image'
    assert image['created_at'].endswith('Z')
    assert show(api, image['id']).json() == image


@pytest.mark.parametrize('body,status', [
    ({'size': 5}, 403), ({'status': 'active'}, 403),
    ({'checksum': 'x'}, 403), ({'disk_format': 'floppy'}, 400),
    ({'container_format': 'zip'}, 400), ({'min_ram': 'lots'}, 400),
    ({'custom': 5}, 400), ({'id': 'not-a-uuid'}, 400),
    ({'visibility': 'everyone'}, 400)])
def test_create_refuses_bad_input(api, body, status):
    response = api.post('/v2/images', json=body)
    assert response.status_code == status, response.text
    assert 'Traceback' not in response.text


@pytest.mark.parametrize('name', ['min_ram', 'min_disk'])
@pytest.mark.parametrize('value, problem', [
    (-1, 'less than the minimum of 0'),
    (2 ** 31, 'greater than the maximum of 2147483647'),
    (2 ** 70, 'greater than the maximum of 2147483647')])
def test_min_ram_and_min_disk_fit_their_column(api, name, value, problem):
    refused = api.post('/v2/images', json={name: value})
    assert refused.status_code == 400 and problem in refused.text
    image = create(api, **{name: 2 ** 31 - 1})
    assert image[name] == 2 ** 31 - 1
    changed = patch(api, image['id'],
                    {'op': 'replace', 'path': '/' + name, 'value': value})
    assert changed.status_code == 400 and problem in changed.text
    assert show(api, image['id']).json()[name] == 2 ** 31 - 1
    assert api.get('/v2/images').json()['images'] == [image]


def test_create_with_id_and_duplicate(api):
    image_id = 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'
    assert create(api, id=image_id)['id'] == image_id
    assert api.post('/v2/images', json={'id': image_id}).status_code == 409


def test_unknown_image_is_404(api):
    for image_id in (UNKNOWN_ID, '../etc'):
        assert show(api, image_id).status_code == 404


def test_patch(api):
    image = create(api, name='a', extra='1')

    def change(*ops, **kwargs):
        return patch(api, image['id'], *ops, **kwargs)

    response = change({'op': 'replace', 'path': '/name', 'value': 'b'},
                      {'op': 'add', 'path': '/os_version', 'value': '9'},
                      {'op': 'remove', 'path': '/extra'},
                      {'op': 'replace', 'path': '/tags', 'value': ['t']})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body['name'] == 'b' and body['os_version'] == '9'
    assert 'extra' not in body and body['tags'] == ['t']
    v20 = change({'replace': '/min_disk', 'value': 3},
                 media='application/openstack-images-v2.0-json-patch')
    assert v20.json()['min_disk'] == 3
    assert change({'op': 'replace', 'path': '/size',
                   'value': 1}).status_code == 403
    assert change({'op': 'remove', 'path': '/name'}).status_code == 403
    assert change({'op': 'remove', 'path': '/missing'}).status_code == 409
    assert change({'op': 'replace', 'path': '/missing',
                   'value': 'x'}).status_code == 409
    assert change({'op': 'replace', 'path': '/disk_format',
                   'value': 'floppy'}).status_code == 400
    assert change({'op': 'replace', 'path': '/name', 'value': 'c'},
                  media='application/json').status_code == 415
    assert show(api, image['id']).json()['name'] == 'b'


@pytest.mark.parametrize('path', ['/extra', '/tags', '/name', '/missing'])
@pytest.mark.parametrize('value', [{}, 5, ['a']])
def test_a_value_given_with_remove_is_ignored(api, path, value):
    def remove(**value):
        image = create(api, extra='1', tags=['a'])
        response = patch(api, image['id'],
                         dict({'op': 'remove', 'path': path}, **value))
        body = show(api, image['id']).json()
        return (response.status_code, body.get('extra'), body['tags'])

    assert remove(value=value) == remove()


@pytest.mark.parametrize('path', ['/tags', '/name', '/min_ram'])
def test_base_attributes_cannot_be_removed(api, path):
    image = create(api, name='n', tags=['a'])
    response = patch(api, image['id'], {'op': 'remove', 'path': path})
    assert response.status_code == 403
    assert show(api, image['id']).json() == image


def test_delete_removes_data_and_respects_protected(api):
    image = create(api, protected=True, disk_format='raw',
                   container_format='bare')
    assert upload(api, image['id'], b'x' * 1000).status_code == 204
    assert len(api.stored_files()) == 1
    path = '/v2/images/' + image['id']
    assert api.delete(path).status_code == 403
    patch(api, image['id'],
          {'op': 'replace', 'path': '/protected', 'value': False})
    assert api.delete(path).status_code == 204
    assert show(api, image['id']).status_code == 404
    assert api.delete(path).status_code == 404
    assert api.stored_files() == []


def test_list_filters_sort_and_paging(api):
    ids = []
    for i in range(7):
        ids.append(create(api, name='img-%d' % (i % 3),
                          disk_format='qcow2' if i % 2 else 'raw',
                          container_format='bare', os_distro='d%d' % (i % 2),
                          tags=['even'] if i % 2 == 0 else [])['id'])
    upload(api, ids[0], b'12345')

    def names(**params):
        body = api.get('/v2/images', params=params).json()
        return [image['id'] for image in body['images']]

    assert set(names(name='img-1')) == {ids[1], ids[4]}
    assert set(names(name='in:img-1,img-2')) == {ids[1], ids[2], ids[4],
                                                ids[5]}
    assert names(status='active') == [ids[0]]
    assert set(names(tag='even')) == {ids[0], ids[2], ids[4], ids[6]}
    assert set(names(os_distro='d1')) == {ids[1], ids[3], ids[5]}
    assert set(names(disk_format='qcow2')) == {ids[1], ids[3], ids[5]}
    assert names(size_min='5', size_max='5') == [ids[0]]
    assert names(size_min='6') == []
    assert names(sort='name:asc,id:desc')[:3] == sorted(
        [ids[0], ids[3], ids[6]], reverse=True)
    assert api.get('/v2/images',
                   params={'sort_key': 'bogus'}).status_code == 400
    seen, path = [], '/v2/images?limit=3'
    while path:
        body = api.get(path).json()
        assert body['schema'] == '/v2/schemas/images'
        assert body['first'] == '/v2/images?limit=3'
        seen += [image['id'] for image in body['images']]
        path = body.get('next')
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert api.get('/v2/images',
                   params={'marker': UNKNOWN_ID}).status_code == 400


@pytest.mark.parametrize('params, message', [
    ({'size_min': 2 ** 63}, 'must be 9223372036854775807 or less'),
    ({'size_max': 2 ** 70}, 'must be 9223372036854775807 or less'),
    ({'min_ram': 2 ** 31}, 'must be 2147483647 or less'),
    ({'min_disk': 'in:1,%d' % 2 ** 70}, 'must be 2147483647 or less'),
    ({'min_ram': -1}, 'must be 0 or more')])
def test_list_filters_beyond_their_column_are_400(api, params, message):
    response = api.get('/v2/images', params=params)
    assert response.status_code == 400 and message in response.text


# -- between projects (trusted-auth flavor) ----------------------------------

@pytest.fixture
def projects(make_api, data_api):
    """A client per project name (and 'ops', an admin) of a trusted-auth
    glance-api."""
    api = make_api(flavor='trusted-auth', data_api=data_api)
    clients = {name: as_project(api, name)
               for name in ('alpha', 'beta', 'gamma')}
    clients['ops'] = as_project(api, 'ops', roles='admin')
    return clients


def listed_ids(client, **params):
    images = client.get('/v2/images', params=params).json()['images']
    return [image['id'] for image in images]


def test_private_images_stay_private(projects):
    alpha, beta = projects['alpha'], projects['beta']
    mine = alpha.post('/v2/images', json={'name': 'mine',
                                          'visibility': 'private'}).json()
    assert mine['owner'] == 'alpha'
    path = '/v2/images/' + mine['id']
    assert alpha.get(path).status_code == 200
    assert beta.get(path).status_code == 404
    assert beta.get(path + '/file').status_code == 404
    assert beta.delete(path).status_code == 404
    assert mine['id'] not in listed_ids(beta)
    assert projects['ops'].get(path).status_code == 200


def test_public_images_are_visible_but_not_mutable(projects):
    beta = projects['beta']
    golden = projects['ops'].post('/v2/images', json={
        'name': 'golden', 'visibility': 'public'}).json()
    path = '/v2/images/' + golden['id']
    assert beta.get(path).status_code == 200
    assert golden['id'] in listed_ids(beta)
    assert patch(beta, golden['id'], {'op': 'replace', 'path': '/name',
                                      'value': 'mine now'}).status_code == 403
    assert beta.delete(path).status_code == 403


def test_publicizing_needs_admin(projects):
    alpha = projects['alpha']
    assert alpha.post('/v2/images', json={
        'visibility': 'public'}).status_code == 403
    image = alpha.post('/v2/images', json={}).json()
    assert patch(alpha, image['id'], {'op': 'replace', 'path': '/visibility',
                                      'value': 'public'}).status_code == 403


def test_cannot_create_for_another_owner(projects):
    assert projects['alpha'].post('/v2/images', json={
        'owner': 'beta'}).status_code == 403
