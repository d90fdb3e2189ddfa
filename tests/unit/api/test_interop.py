"""One domain, one database: what v1 does, v2 sees, and the reverse."""

import hashlib

from tests.unit.api.helpers import create
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import v1_create


def v1_head(api, image_id):
    response = api.head('/v1/images/' + image_id)
    assert response.status_code == 200
    return response.headers


def v2_show(api, image_id):
    response = api.get('/v2/images/' + image_id)
    assert response.status_code == 200, response.text
    return response.json()


def test_created_in_v1_read_and_changed_in_v2(api):
    data = b'made in v1'
    image = v1_create(api, data, name='from-v1', disk_format='raw',
                      container_format='bare', min_ram=128,
                      property_os_distro='debian')
    seen = v2_show(api, image['id'])
    assert seen['name'] == 'from-v1' and seen['visibility'] == 'shared'
    assert seen['os_distro'] == 'debian' and seen['min_ram'] == 128
    assert seen['size'] == len(data) and seen['status'] == 'active'
    assert seen['checksum'] == hashlib.md5(data).hexdigest()
    assert seen['os_hash_value'] == hashlib.sha512(data).hexdigest()
    assert api.get(seen['file']).content == data
    changed = patch(api, image['id'],
                    {'op': 'replace', 'path': '/name', 'value': 'renamed'},
                    {'op': 'replace', 'path': '/visibility',
                     'value': 'public'},
                    {'op': 'add', 'path': '/hw_arch', 'value': 'x86_64'},
                    {'op': 'remove', 'path': '/os_distro'})
    assert changed.status_code == 200, changed.text
    headers = v1_head(api, image['id'])
    assert headers['x-image-meta-name'] == 'renamed'
    assert headers['x-image-meta-is_public'] == 'True'
    assert headers['x-image-meta-property-hw_arch'] == 'x86_64'
    assert 'x-image-meta-property-os_distro' not in headers
    assert api.delete('/v1/images/' + image['id']).status_code == 200
    assert api.get('/v2/images/' + image['id']).status_code == 404


def test_created_in_v2_read_and_changed_in_v1(api):
    created = create(api, name='from-v2', visibility='private',
                     disk_format='raw', container_format='bare',
                     tags=['gold'], os_type='linux', extra='x')
    path = '/v1/images/' + created['id']
    headers = v1_head(api, created['id'])
    assert headers['x-image-meta-is_public'] == 'False'
    assert headers['x-image-meta-status'] == 'queued'
    assert headers['x-image-meta-property-os_type'] == 'linux'
    response = api.put(path, data=b'v1 bytes', headers={
        'Content-Type': 'application/octet-stream',
        'x-image-meta-is_public': 'false',
        'x-image-meta-property-note': 'uploaded by v1'})
    assert response.status_code == 200, response.text
    seen = v2_show(api, created['id'])
    assert seen['visibility'] == 'private' and seen['status'] == 'active'
    assert seen['tags'] == ['gold'] and seen['note'] == 'uploaded by v1'
    assert seen['os_type'] == 'linux' and seen['extra'] == 'x'
    assert api.get(seen['file']).content == b'v1 bytes'
    response = api.put(path, headers={'x-image-meta-property-only': '1',
                                      'x-image-meta-is_public': 'true'})
    assert response.status_code == 200, response.text
    seen = v2_show(api, created['id'])
    assert seen['visibility'] == 'public' and seen['only'] == '1'
    assert 'os_type' not in seen and 'note' not in seen
    assert seen['tags'] == ['gold']
    api.put(path, headers={'x-image-meta-is_public': 'false'})
    assert v2_show(api, created['id'])['visibility'] == 'shared'
