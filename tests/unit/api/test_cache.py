"""The image cache through glance-api's pipeline: the cache filter on the
download routes, the cachemanage filter's v1 routes and the v2 cache API.
"""

import hashlib
import os
import time

import pytest
import webob

from glance.common import exception
from glance.common import file_range
from tests.unit.api import helpers

ADMIN_FLAVOR = 'cachemanagement'
TRUSTED_FLAVOR = 'trusted-auth+cachemanagement'


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / 'cache'


@pytest.fixture
def make_cached_api(make_api, cache_dir):
    def make(flavor=ADMIN_FLAVOR, data_api='sql', conf=None, **options):
        options['image_cache_dir'] = str(cache_dir)
        return make_api(flavor=flavor, data_api=data_api,
                        conf=dict(conf or {}, DEFAULT=options))
    return make


@pytest.fixture
def cached_api(make_cached_api, data_api):
    return make_cached_api(data_api=data_api)


def active_image(api, data=None, **body):
    data = os.urandom(2 * 1024 * 1024 + 3) if data is None else data
    body.setdefault('disk_format', 'raw')
    body.setdefault('container_format', 'bare')
    image = helpers.create(api, **body)
    response = helpers.upload(api, image['id'], data)
    assert response.status_code == 204, response.text
    return image['id'], data


def cached(cache_dir, image_id, timeout=10):
    deadline = time.monotonic() + timeout
    path = cache_dir / image_id
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def comparable(headers):
    return {name: value for name, value in headers.items()
            if name.lower() != 'x-openstack-request-id'}


@pytest.mark.parametrize('path', ['/v2/images/%s/file', '/v1/images/%s'])
def test_hit_and_miss_answer_the_same(cached_api, cache_dir, path):
    image_id, data = active_image(cached_api)
    miss = cached_api.get(path % image_id)
    assert cached(cache_dir, image_id)
    hit = cached_api.get(path % image_id)
    assert miss.status_code == hit.status_code == 200
    assert miss.content == hit.content == data
    assert comparable(miss.headers) == comparable(hit.headers)
    entry = cached_api.get('/v2/cache').json()['cached_images'][0]
    assert (entry['image_id'], entry['hits'], entry['checksum']) == (
        image_id, 1, hashlib.md5(data).hexdigest())


def test_range_from_the_cache_is_206(cached_api, cache_dir):
    image_id, data = active_image(cached_api)
    uncached = cached_api.get('/v2/images/%s/file' % image_id,
                              headers={'Range': 'bytes=5-1000'})
    assert not cached(cache_dir, image_id, timeout=0.2)  # ranges don't fill
    cached_api.get('/v2/images/%s/file' % image_id)
    assert cached(cache_dir, image_id)
    hit = cached_api.get('/v2/images/%s/file' % image_id,
                         headers={'Range': 'bytes=5-1000'})
    assert hit.status_code == uncached.status_code == 206
    assert hit.content == uncached.content == data[5:1001]
    assert comparable(hit.headers) == comparable(uncached.headers)
    entries = cached_api.get('/v2/cache').json()['cached_images']
    assert entries[0]['hits'] == 1


def test_no_data_is_204_and_not_cached(cached_api, cache_dir):
    image = helpers.create(cached_api, name='empty')
    response = cached_api.get('/v2/images/%s/file' % image['id'])
    assert response.status_code == 204
    assert not (cache_dir / image['id']).exists()


def test_delete_evicts(cached_api, cache_dir):
    image_id, _ = active_image(cached_api)
    cached_api.get('/v2/images/%s/file' % image_id)
    assert cached(cache_dir, image_id)
    assert cached_api.delete('/v2/images/' + image_id).status_code == 204
    assert not (cache_dir / image_id).exists()
    assert cached_api.get('/v2/images/%s/file' % image_id).status_code == 404


def test_hits_check_visibility_policy_and_status(make_cached_api, cache_dir):
    api = make_cached_api(flavor=TRUSTED_FLAVOR)
    owner = helpers.as_project(api, 'owner')
    other = helpers.as_project(api, 'other')
    admin = helpers.as_project(api, 'admin', roles='admin')
    image_id, data = active_image(owner, visibility='private')
    assert owner.get('/v2/images/%s/file' % image_id).content == data
    assert cached(cache_dir, image_id)
    assert other.get('/v2/images/%s/file' % image_id).status_code == 404
    assert other.get('/v1/images/%s' % image_id).status_code == 404
    response = admin.post('/v2/images/%s/actions/deactivate' % image_id)
    assert response.status_code == 204
    assert owner.get('/v2/images/%s/file' % image_id).status_code == 403
    assert admin.get('/v2/images/%s/file' % image_id).content == data
    hits = admin.get('/v2/cache').json()['cached_images'][0]['hits']
    assert hits == 1  # refused reads never reached the cache


def test_download_policy_applies_to_hits(make_cached_api, cache_dir,
                                         tmp_path):
    policy = tmp_path / 'policy.yaml'
    policy.write_text('"download_image": "role:admin"\n')
    api = make_cached_api(flavor=TRUSTED_FLAVOR, conf={
        'oslo_policy': {'policy_file': str(policy)}})
    admin = helpers.as_project(api, 'admin', roles='admin')
    image_id, data = active_image(admin, visibility='public')
    assert admin.get('/v2/images/%s/file' % image_id).content == data
    assert cached(cache_dir, image_id)
    member = helpers.as_project(api, 'member')
    assert member.get('/v2/images/%s/file' % image_id).status_code == 403
    assert member.get('/v1/images/%s' % image_id).status_code == 403


def test_management_is_for_administrators(make_cached_api):
    api = make_cached_api(flavor=TRUSTED_FLAVOR)
    member = helpers.as_project(api, 'member')
    image_id, _ = active_image(member)
    for method, path in [
            ('GET', '/v2/cache'), ('DELETE', '/v2/cache'),
            ('PUT', '/v2/cache/' + image_id),
            ('DELETE', '/v2/cache/' + image_id),
            ('GET', '/v2/cache/nodes/' + image_id),
            ('POST', '/v2/cache/clean'), ('POST', '/v2/cache/prune'),
            ('GET', '/v1/cached_images'), ('DELETE', '/v1/cached_images'),
            ('GET', '/v1/queued_images'),
            ('PUT', '/v1/queued_images/' + image_id)]:
        response = member.request(method, path)
        assert response.status_code == 403, (method, path, response.text)


def test_v2_cache_api(cached_api, cache_dir):
    image_id, data = active_image(cached_api)
    assert cached_api.get('/v2/cache').json() == {
        'cached_images': [], 'queued_images': []}
    assert cached_api.put('/v2/cache/' + image_id).status_code == 202
    assert cached(cache_dir, image_id)
    deadline = time.monotonic() + 10
    while cached_api.get('/v2/cache').json()['queued_images']:
        assert time.monotonic() < deadline, 'still queued'
        time.sleep(0.01)
    state = cached_api.get('/v2/cache').json()
    assert [e['image_id'] for e in state['cached_images']] == [image_id]
    assert cached_api.delete('/v2/cache/' + image_id).status_code == 204
    assert cached_api.delete('/v2/cache/' + image_id).status_code == 404
    assert not (cache_dir / image_id).exists()
    # The queue, then clear targets.
    (cache_dir / 'queue' / image_id).write_bytes(b'')
    response = cached_api.delete('/v2/cache', headers={
        'x-image-cache-clear-target': 'cache'})
    assert response.status_code == 204
    assert cached_api.get('/v2/cache').json()['queued_images'] == [image_id]
    response = cached_api.delete('/v2/cache', headers={
        'x-image-cache-clear-target': 'queue'})
    assert cached_api.get('/v2/cache').json()['queued_images'] == []
    response = cached_api.delete('/v2/cache', headers={
        'x-image-cache-clear-target': 'nonsense'})
    assert response.status_code == 400
    assert cached_api.post('/v2/cache/clean').json() == {'removed': []}
    assert cached_api.post('/v2/cache/prune').json() == {'evicted': []}
    assert cached_api.get('/v2/cache/nodes/' + image_id).status_code == 400


def test_v2_queue_needs_an_active_image_the_caller_sees(cached_api):
    queued = helpers.create(cached_api, name='queued')
    assert cached_api.put('/v2/cache/' + queued['id']).status_code == 400
    assert cached_api.put('/v2/cache/' + helpers.UNKNOWN_ID).status_code \
        == 404
    assert cached_api.put('/v2/cache/not-a-uuid').status_code == 404


def test_v1_cache_management(cached_api, cache_dir):
    image_id, _ = active_image(cached_api)
    assert cached_api.put('/v1/queued_images/' + image_id).status_code == 200
    assert cached_api.get('/v1/queued_images').json() == {
        'queued_images': [image_id]}
    assert cached_api.delete('/v1/queued_images/' + image_id).status_code \
        == 200
    assert cached_api.delete('/v1/queued_images/' + image_id).status_code \
        == 404
    cached_api.put('/v1/queued_images/' + image_id)
    assert cached_api.delete('/v1/queued_images').json() == {
        'num_deleted': 1}
    cached_api.get('/v1/images/' + image_id)
    assert cached(cache_dir, image_id)
    [entry] = cached_api.get('/v1/cached_images').json()['cached_images']
    assert entry['image_id'] == image_id
    assert cached_api.delete('/v1/cached_images').json() == {
        'num_deleted': 1}
    assert cached_api.delete('/v1/cached_images/' + image_id).status_code \
        == 404
    assert cached_api.post('/v1/cached_images').status_code == 405


def test_cachemanage_routes_need_the_filter(make_cached_api):
    api = make_cached_api(flavor='caching')
    assert api.get('/v1/cached_images').status_code == 404
    assert api.get('/v2/cache').status_code == 200


def test_centralized_db_lists_the_nodes(make_cached_api, cache_dir):
    api = make_cached_api(image_cache_driver='centralized_db',
                          worker_self_reference_url='http://node-1:9292')
    image_id, _ = active_image(api)
    api.get('/v2/images/%s/file' % image_id)
    assert cached(cache_dir, image_id)
    deadline = time.monotonic() + 10
    while not api.get('/v2/cache/nodes/' + image_id).json()['cached_nodes']:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert api.get('/v2/cache/nodes/' + image_id).json() == {
        'cached_nodes': ['http://node-1:9292']}
    entry = api.get('/v2/cache').json()['cached_images'][0]
    assert entry['image_id'] == image_id
    api.delete('/v2/cache/' + image_id)
    assert api.get('/v2/cache/nodes/' + image_id).json() == {
        'cached_nodes': []}


def test_centralized_db_not_with_the_registry(make_cached_api):
    with pytest.raises(exception.ConfigError, match='centralized_db'):
        make_cached_api(data_api='registry',
                        image_cache_driver='centralized_db',
                        worker_self_reference_url='http://node-1:9292')


@pytest.mark.parametrize('flavor', ['caching', 'cachemanagement'])
def test_caching_flavors_need_a_cache_directory(make_api, flavor):
    with pytest.raises(exception.ConfigError, match='image_cache_dir'):
        make_api(flavor=flavor)


def test_hits_go_out_zero_copy(cached_api, cache_dir):
    """A hit's body is the server's FileRange of the cached file, which
    glance-api's server sends with sendfile."""
    image_id, data = active_image(cached_api)
    cached_api.get('/v2/images/%s/file' % image_id)
    assert cached(cache_dir, image_id)
    environ = webob.Request.blank(
        '/v2/images/%s/file' % image_id,
        environ={'wsgi.file_wrapper': file_range.FileRange}).environ
    started = []
    body = cached_api.app(environ, lambda *args: started.append(args))
    try:
        assert started[0][0].startswith('200')
        sent = body.file_range
        assert isinstance(sent, file_range.FileRange)
        assert sent.fileobj.name == str(cache_dir / image_id)
        assert sent.length == len(data)
    finally:
        body.close()


def test_other_v1_routes_pass_through(cached_api):
    """/v1/images/detail looks like a download route to a pattern; it is
    not one."""
    image_id, _ = active_image(cached_api)
    response = cached_api.get('/v1/images/detail')
    assert response.status_code == 200
    assert [i['id'] for i in response.json()['images']] == [image_id]
    assert cached_api.get('/v1/images/not-a-uuid').status_code == 404
    assert cached_api.head('/v1/images/' + image_id).status_code == 200
