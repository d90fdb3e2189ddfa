"""One domain, one database: what v1 does, v2 sees, and the reverse."""

import hashlib
import json

import requests

PATCH = 'application/openstack-images-v2.1-json-patch'


def v1_create(server, data=None, **headers):
    if data is not None:
        headers['Content-Type'] = 'application/octet-stream'
    response = requests.post(server.url + '/v1/images', data=data,
                             headers=headers)
    assert response.status_code == 201, response.text
    return response.json()['image']


def v1_head(server, image_id):
    response = requests.head('%s/v1/images/%s' % (server.url, image_id))
    assert response.status_code == 200
    return response.headers


def v2_show(server, image_id):
    response = requests.get('%s/v2/images/%s' % (server.url, image_id))
    assert response.status_code == 200, response.text
    return response.json()


def v2_patch(server, image_id, *operations):
    response = requests.patch(
        '%s/v2/images/%s' % (server.url, image_id),
        data=json.dumps(list(operations)), headers={'Content-Type': PATCH})
    assert response.status_code == 200, response.text
    return response.json()


def test_created_in_v1_read_and_changed_in_v2(api_server):
    data = b'made in v1'
    image = v1_create(api_server, data, **{
        'x-image-meta-name': 'from-v1', 'x-image-meta-disk_format': 'raw',
        'x-image-meta-container_format': 'bare',
        'x-image-meta-min_ram': '128',
        'x-image-meta-property-os_distro': 'debian'})
    seen = v2_show(api_server, image['id'])
    assert seen['name'] == 'from-v1' and seen['visibility'] == 'shared'
    assert seen['os_distro'] == 'debian' and seen['min_ram'] == 128
    assert seen['size'] == len(data) and seen['status'] == 'active'
    assert seen['checksum'] == hashlib.md5(data).hexdigest()
    assert seen['os_hash_value'] == hashlib.sha512(data).hexdigest()
    assert requests.get(api_server.url + seen['file']).content == data
    v2_patch(api_server, image['id'],
             {'op': 'replace', 'path': '/name', 'value': 'renamed'},
             {'op': 'replace', 'path': '/visibility', 'value': 'public'},
             {'op': 'add', 'path': '/hw_arch', 'value': 'x86_64'},
             {'op': 'remove', 'path': '/os_distro'})
    headers = v1_head(api_server, image['id'])
    assert headers['x-image-meta-name'] == 'renamed'
    assert headers['x-image-meta-is_public'] == 'True'
    assert headers['x-image-meta-property-hw_arch'] == 'x86_64'
    assert 'x-image-meta-property-os_distro' not in headers
    assert requests.delete('%s/v1/images/%s' % (
        api_server.url, image['id'])).status_code == 200
    assert requests.get('%s/v2/images/%s' % (
        api_server.url, image['id'])).status_code == 404


def test_created_in_v2_read_and_changed_in_v1(api_server):
    created = requests.post(api_server.url + '/v2/images', json={
        'name': 'from-v2', 'visibility': 'private', 'disk_format': 'qcow2',
        'container_format': 'bare', 'tags': ['gold'], 'os_type': 'linux',
        'extra': 'x'}).json()
    url = '%s/v1/images/%s' % (api_server.url, created['id'])
    headers = v1_head(api_server, created['id'])
    assert headers['x-image-meta-is_public'] == 'False'
    assert headers['x-image-meta-status'] == 'queued'
    assert headers['x-image-meta-property-os_type'] == 'linux'
    response = requests.put(url, data=b'v1 bytes', headers={
        'Content-Type': 'application/octet-stream',
        'x-image-meta-is_public': 'false',
        'x-image-meta-property-note': 'uploaded by v1'})
    assert response.status_code == 200, response.text
    seen = v2_show(api_server, created['id'])
    assert seen['visibility'] == 'private' and seen['status'] == 'active'
    assert seen['tags'] == ['gold'] and seen['note'] == 'uploaded by v1'
    assert seen['os_type'] == 'linux' and seen['extra'] == 'x'
    assert requests.get(api_server.url + seen['file']).content == b'v1 bytes'
    response = requests.put(url, headers={'x-image-meta-property-only': '1',
                                          'x-image-meta-is_public': 'true'})
    assert response.status_code == 200, response.text
    seen = v2_show(api_server, created['id'])
    assert seen['visibility'] == 'public' and seen['only'] == '1'
    assert 'os_type' not in seen and 'note' not in seen
    assert seen['tags'] == ['gold']
    requests.put(url, headers={'x-image-meta-is_public': 'false'})
    assert v2_show(api_server, created['id'])['visibility'] == 'shared'
