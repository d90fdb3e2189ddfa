"""Routing and reading of requests (glance.common.wsgi), seen through the
Image API in process."""

import pytest

from tests.unit.api.helpers import create
from tests.unit.api.helpers import PATCH

JSON = 'application/json'


@pytest.mark.parametrize('method, path, allow', [
    ('PUT', '/v1/images', 'GET, POST'),
    ('HEAD', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/%(id)s', 'DELETE, GET, HEAD, PUT'),
    ('POST', '/v1/images/%(id)s/members', 'GET, PUT'),
    ('GET', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('POST', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('DELETE', '/v1/shared-images/p', 'GET'),
    ('PUT', '/v2/images', 'GET, POST'),
    ('POST', '/v2/images/%(id)s', 'DELETE, GET, PATCH'),
    ('POST', '/v2/images/%(id)s/file', 'GET, HEAD, PUT'),
    ('GET', '/v2/images/%(id)s/tags/x', 'DELETE, PUT'),
    ('GET', '/v2/images/%(id)s/actions/deactivate', 'POST'),
    ('DELETE', '/v2/schemas/image', 'GET')])
def test_other_methods_are_405_with_allow(make_api, method, path, allow):
    api = make_api()
    response = api.request(method, path % create(api))
    assert response.status_code == 405
    assert response.headers['Allow'] == allow


def test_malformed_json_is_400(make_api):
    response = make_api().post('/v2/images', data=b'{nope',
                               headers={'Content-Type': 'application/json'})
    assert response.status_code == 400


@pytest.mark.parametrize('length', ['-1', '+5', '1e3', 'abc', '5 ',
                                    str(2 ** 63), '9' * 40])
@pytest.mark.parametrize('method, path', [('POST', '/v1/images'),
                                          ('POST', '/v2/images')])
def test_a_content_length_that_is_no_byte_count_is_400(make_api, method,
                                                       path, length):
    api = make_api()
    response = api.request(method, path, data=b'{}', headers={
        'Content-Type': 'application/json', 'Content-Length': length})
    assert response.status_code == 400
    assert 'Invalid Content-Length' in response.text
    assert api.get('/v2/images').json()['images'] == []


@pytest.mark.parametrize('path', [
    '/v1/images?name=%ff', '/v1/images/detail?%ED%A0%80=x',
    '/v2/images?name=caf%e9', '/v2/images?%ff'])
def test_a_query_string_that_is_not_utf8_is_400(api, path):
    response = api.get(path)
    assert response.status_code == 400
    assert 'The query string is not valid UTF-8.' in response.text


def test_path_arguments_are_utf8(api):
    image = create(api)
    tags = '/v2/images/%s/tags/' % image['id']
    assert api.put(tags + 'caf%C3%A9').status_code == 204
    assert api.get('/v2/images', params={'tag': 'café'}).json()[
        'images'][0]['tags'] == ['café']
    for path in (tags + 'caf%E9', '/v2/images/%ff', '/v1/images/%ff'):
        response = api.get(path) if 'tags' not in path else api.put(path)
        assert response.status_code == 400, path
        assert 'The URL path is not valid UTF-8.' in response.text
    assert api.get('/v2/images/' + image['id']).json()['tags'] == ['café']


LONE_SURROGATES = ['{"name": "\\ud800"}', '{"\\udfff": "x"}',
                   '{"tags": ["ok", "\\ud800"]}']


@pytest.mark.parametrize('body', LONE_SURROGATES)
def test_a_json_string_that_is_not_unicode_is_400(api, body):
    response = api.post('/v2/images', data=body,
                        headers={'Content-Type': 'application/json'})
    assert response.status_code == 400
    assert 'not valid Unicode' in response.text
    assert api.get('/v2/images').json()['images'] == []


def test_json_strings_that_are_not_unicode_are_400_in_every_body(api):
    image = create(api, name='kept')
    image_path = '/v2/images/' + image['id']
    bodies = [
        ('PATCH', image_path, '[{"op": "replace", "path": "/name", '
                              '"value": "\\ud800"}]', PATCH),
        ('POST', image_path + '/members', '{"member": "\\ud800"}', JSON),
        ('PUT', '/v1/images/%s/members' % image['id'],
         '{"memberships": [{"member_id": "\\ud800"}]}', JSON),
        ('PUT', '/v1/images/%s/members/p' % image['id'],
         '{"member": {"\\ud800": true}}', JSON)]
    for method, path, body, media in bodies:
        response = api.request(method, path, data=body,
                               headers={'Content-Type': media})
        assert response.status_code == 400, (path, response.text)
        assert 'not valid Unicode' in response.text
    assert api.get(image_path).json()['name'] == 'kept'
    assert api.get(image_path + '/members').json()['members'] == []


@pytest.mark.parametrize('depth', [33, 5000])
def test_json_nested_too_deep_is_400(api, depth):
    response = api.post('/v2/images', data='[' * depth + ']' * depth,
                        headers={'Content-Type': 'application/json'})
    assert response.status_code == 400
    assert 'nested deeper than 32 levels' in response.text


def test_json_nested_32_levels_is_read(api):
    response = api.post('/v2/images', data='[' * 32 + ']' * 32,
                        headers={'Content-Type': 'application/json'})
    assert response.status_code == 400
    assert 'must be a JSON object' in response.text


SMALL_LIMIT = {'oslo_middleware': {'max_request_body_size': 1000}}


def padded_body(size):
    """A JSON image body of exactly ``size`` bytes."""
    body = '{"name": "padded"}'
    return body[:-1] + ' ' * (size - len(body)) + '}'


def test_json_bodies_up_to_the_default_limit_are_read(make_api):
    api = make_api()
    body = padded_body(114688)
    response = api.post('/v2/images', data=body,
                        headers={'Content-Type': JSON})
    assert response.status_code == 201, response.text
    response = api.post('/v2/images', data=body + ' ',
                        headers={'Content-Type': JSON})
    assert response.status_code == 413
    assert 'larger than 114688 bytes' in response.text
    assert len(api.get('/v2/images').json()['images']) == 1


def test_a_content_length_beyond_the_limit_is_413_unread(make_api):
    api = make_api(conf=SMALL_LIMIT)
    image = create(api)
    bodies = [('POST', '/v2/images', JSON),
              ('PATCH', '/v2/images/' + image['id'], PATCH),
              ('POST', '/v2/images/%s/members' % image['id'], JSON),
              ('PUT', '/v1/images/%s/members' % image['id'], JSON),
              ('PUT', '/v1/images/%s/members/p' % image['id'], JSON)]
    for method, path, media in bodies:
        response = api.request(method, path, data=b'{}', headers={
            'Content-Type': media, 'Content-Length': '1001'})
        assert response.status_code == 413, path
        assert response.headers['Connection'] == 'close'


def test_a_chunked_json_body_is_read_up_to_the_limit(make_api):
    api = make_api(conf=SMALL_LIMIT)
    sent = []

    def endless():
        while True:
            sent.append(b'        ')
            yield sent[-1]

    response = api.post('/v2/images', data=endless(),
                        headers={'Content-Type': JSON})
    assert response.status_code == 413
    assert len(b''.join(sent)) <= 1001 + 8
    chunks = iter([padded_body(1000)[:500].encode(),
                   padded_body(1000)[500:].encode()])
    response = api.post('/v2/images', data=chunks,
                        headers={'Content-Type': JSON})
    assert response.status_code == 201, response.text
    assert response.json()['name'] == 'padded'


def test_image_data_is_not_bounded_by_the_json_limit(make_api):
    api = make_api(conf=SMALL_LIMIT)
    data = b'x' * 5000
    image = create(api, disk_format='raw', container_format='bare')
    response = api.put('/v2/images/%s/file' % image['id'], data=data,
                       headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204
    response = api.post('/v1/images', data=iter([data, data]), headers={
        'Content-Type': 'application/octet-stream',
        'x-image-meta-disk_format': 'raw',
        'x-image-meta-container_format': 'bare'})
    assert response.status_code == 201
    assert response.json()['image']['size'] == 10000


def test_images_may_outgrow_the_limit_in_every_data_api(make_api, data_api):
    api = make_api(conf=SMALL_LIMIT, data_api=data_api)
    image = create(api, first='x' * 250, second='x' * 250)
    response = api.patch('/v2/images/' + image['id'], data=(
        '[{"op": "add", "path": "/third", "value": "%s"}, '
        '{"op": "add", "path": "/fourth", "value": "%s"}]'
        % ('y' * 250, 'y' * 250)), headers={'Content-Type': PATCH})
    assert response.status_code == 200, response.text
    response = api.put('/v1/images/' + image['id'], headers={
        'x-image-meta-property-fifth': 'z' * 250,
        'x-glance-registry-purge-props': 'false'})
    assert response.status_code == 200, response.text
    assert sorted(response.json()['image']['properties']) == [
        'fifth', 'first', 'fourth', 'second', 'third']
