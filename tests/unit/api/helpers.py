"""Requests the API tests make again and again, on an InProcessApi."""

import json

PATCH = 'application/openstack-images-v2.1-json-patch'
OCTET = {'Content-Type': 'application/octet-stream'}
UNKNOWN_ID = '0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'


def as_project(api, project, roles='member,reader'):
    """A client of ``api`` calling as a user of ``project``, with the
    identity headers of the trusted-auth flavor (roles as Keystone gives
    them: a member is a reader too)."""
    return api.with_headers({
        'X-Identity-Status': 'Confirmed', 'X-User-Id': 'user-' + project,
        'X-Project-Id': project, 'X-Roles': roles})


def create(api, **body):
    """A v2 image created with ``body``, as v2 shows it."""
    response = api.post('/v2/images', json=body)
    assert response.status_code == 201, response.text
    return response.json()


def show(api, image_id):
    return api.get('/v2/images/' + image_id)


def upload(api, image_id, data):
    return api.put('/v2/images/%s/file' % image_id, data=data, headers=OCTET)


def patch(api, image_id, *operations, media=PATCH):
    return api.patch('/v2/images/' + image_id,
                     data=json.dumps(list(operations)),
                     headers={'Content-Type': media})


def meta(**fields):
    """v1's x-image-meta-* headers, with property_<key> for properties."""
    headers = {}
    for name, value in fields.items():
        if name.startswith('property_'):
            headers['x-image-meta-property-' + name[9:]] = str(value)
        else:
            headers['x-image-meta-' + name] = str(value)
    return headers


def v1_post(api, data=None, headers=None, **fields):
    headers = dict(meta(**fields), **(headers or {}))
    if data is not None:
        headers.update(OCTET)
    return api.post('/v1/images', data=data, headers=headers)


def v1_create(api, data=None, headers=None, **fields):
    """A v1 image created with ``data`` and ``fields``, as v1 shows it."""
    response = v1_post(api, data, headers, **fields)
    assert response.status_code == 201, response.text
    return response.json()['image']


def v1_put(api, image_id, data=None, headers=None, **fields):
    headers = dict(meta(**fields), **(headers or {}))
    if data is not None:
        headers.update(OCTET)
    return api.put('/v1/images/' + image_id, data=data, headers=headers)


def v1_detail(api, **params):
    response = api.get('/v1/images/detail', params=params)
    assert response.status_code == 200, response.text
    return response.json()['images']
