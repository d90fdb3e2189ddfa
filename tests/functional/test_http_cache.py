"""A real HTTP cache (nginx ``proxy_cache``, tests/functional/caching_proxy.py)
in front of a real glance-api: a public image's second download is served
by the cache without reaching glance-api; once the cached copy is stale the
cache revalidates (304 without data), and a deactivated or deleted image
stops being served; a private image is never served from the cache."""

import os
import time

import pytest
import requests

from tests.functional import caching_proxy

# Lifetime the proxy may reuse public downloads without asking, and the
# wait for a copy to be stale (nginx counts whole seconds).
MAX_AGE = 2
STALE_AFTER = MAX_AGE + 1.5
DATA = os.urandom(3 * 1024 * 1024 + 5)

pytestmark = pytest.mark.skipif(
    caching_proxy.binary() is None,
    reason='nginx is not installed (Debian package nginx-light; the CI '
           'script installs it)')


def identity(project, roles='member,reader'):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'user-' + project,
            'X-Project-Id': project, 'X-Roles': roles}


ALPHA, BETA = identity('alpha'), identity('beta')
OPS = identity('ops', 'admin')


@pytest.fixture
def proxied(make_api_server, data_api, tmp_path):
    """``(glance-api, proxy)``: glance-api (trusted-auth flavor, public
    downloads cacheable for MAX_AGE seconds) behind a caching nginx."""
    server = make_api_server(
        flavor='trusted-auth', data_api=data_api, conf={'DEFAULT': {
            'image_download_cache_control':
                'public, max-age=%d' % MAX_AGE}})
    proxy = caching_proxy.CachingProxy(tmp_path / 'nginx', server.port)
    try:
        yield server, proxy.start()
    finally:
        proxy.stop()


def image_with_data(server, headers, **body):
    body = dict({'disk_format': 'raw', 'container_format': 'bare'}, **body)
    response = requests.post(server.url + '/v2/images', json=body,
                             headers=headers)
    assert response.status_code == 201, response.text
    image = response.json()
    response = requests.put(
        server.url + image['file'], data=DATA,
        headers=dict(headers, **{'Content-Type': 'application/octet-stream'}))
    assert response.status_code == 204, response.text
    return image


def paths(image):
    return (image['file'], '/v1/images/' + image['id'])


def served(server, image):
    """``{path: [status, ...]}``: the downloads of ``image`` glance-api
    has answered, from its access log."""
    lines = server.read_log().splitlines()
    result = {}
    for path in paths(image):
        result[path] = [int(line.split('status: ')[1].split()[0])
                        for line in lines if '"GET %s"' % path in line]
    return result


def wait_served(server, image, expected):
    """Wait for the access log to show ``expected`` (a line is written
    once its response has been sent), then check nothing more came."""
    give_up_at = time.monotonic() + 10
    while served(server, image) != expected and \
            time.monotonic() < give_up_at:
        time.sleep(0.05)
    time.sleep(0.2)
    assert served(server, image) == expected


def get_all(proxy, image, headers):
    return {path: requests.get(proxy.url + path, headers=headers)
            for path in paths(image)}


CACHE_HEADERS = ('ETag', 'Last-Modified', 'Cache-Control', 'Content-Length',
                 'Content-Type', 'Content-MD5', 'x-image-meta-checksum')


def test_public_image_cached_revalidated_and_dropped(proxied):
    server, proxy = proxied
    image = image_with_data(server, OPS, visibility='public')
    v2, v1 = paths(image)

    first = get_all(proxy, image, ALPHA)
    for path, response in first.items():
        assert response.status_code == 200 and response.content == DATA
        assert response.headers['X-Cache-Status'] == 'MISS'
        assert response.headers['Cache-Control'] == \
            'public, max-age=%d' % MAX_AGE
    wait_served(server, image, {v2: [200], v1: [200]})

    # A second download, by anyone, is the cache's alone: same bytes, same
    # headers.
    second = get_all(proxy, image, BETA)
    for path, response in second.items():
        assert response.headers['X-Cache-Status'] == 'HIT'
        assert response.content == DATA
        for name in CACHE_HEADERS:
            assert response.headers.get(name) == \
                first[path].headers.get(name), name
    wait_served(server, image, {v2: [200], v1: [200]})

    # Stale: the cache asks glance-api, which answers 304 without data.
    time.sleep(STALE_AFTER)
    for response in get_all(proxy, image, ALPHA).values():
        assert response.headers['X-Cache-Status'] == 'REVALIDATED'
        assert response.status_code == 200 and response.content == DATA
    wait_served(server, image, {v2: [200, 304], v1: [200, 304]})

    # Deactivated: once the copy is stale, only administrators get it.
    action = server.url + '/v2/images/%s/actions/' % image['id']
    assert requests.post(action + 'deactivate',
                         headers=OPS).status_code == 204
    time.sleep(STALE_AFTER)
    for response in get_all(proxy, image, ALPHA).values():
        assert response.status_code == 403
        assert DATA[:100] not in response.content
    wait_served(server, image, {v2: [200, 304, 403], v1: [200, 304, 403]})
    assert requests.post(action + 'reactivate',
                         headers=OPS).status_code == 204
    for response in get_all(proxy, image, ALPHA).values():
        assert response.status_code == 200 and response.content == DATA

    # Deleted: gone from the proxy too once its copy is stale.
    assert requests.delete(server.url + '/v2/images/' + image['id'],
                           headers=OPS).status_code == 204
    time.sleep(STALE_AFTER)
    for response in get_all(proxy, image, ALPHA).values():
        assert response.status_code == 404
        assert DATA[:100] not in response.content


def test_private_image_is_never_served_from_the_cache(proxied):
    server, proxy = proxied
    image = image_with_data(server, ALPHA)
    v2, v1 = paths(image)
    for _ in range(2):
        for response in get_all(proxy, image, ALPHA).values():
            assert response.status_code == 200 and response.content == DATA
            assert response.headers['Cache-Control'] == 'no-cache'
            assert response.headers['X-Cache-Status'] != 'HIT'
    for response in get_all(proxy, image, BETA).values():
        assert response.status_code == 404
        assert DATA[:100] not in response.content
    wait_served(server, image, {v2: [200, 200, 404], v1: [200, 200, 404]})
