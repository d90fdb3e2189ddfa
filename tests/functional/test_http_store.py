"""The http store in a real glance-api as an operator sets it up: web
servers reached through a proxy (``http_proxy_information``), and the
service's own host refused (``http_allowed_internal_hosts`` empty)."""

import os

import pytest
import requests

from tests import file_server

HEADERS = {'x-image-meta-disk_format': 'raw',
           'x-image-meta-container_format': 'bare'}
ORIGIN = 'http://origin.invalid/'


@pytest.fixture
def setup(make_api_server, tmp_path):
    """(glance-api, web server and proxy): origin.invalid resolves nowhere,
    only the proxy reaches it."""
    directory = tmp_path / 'web'
    directory.mkdir()
    with file_server.FileServer(directory) as web:
        web.data = os.urandom(2 * 1024 * 1024 + 1)
        (directory / 'disk.img').write_bytes(web.data)
        api = make_api_server(conf={'glance_store': {
            'http_allowed_internal_hosts': '',
            'http_proxy_information': 'http:127.0.0.1:%d' % web.port}})
        yield api, web


def create(api, **headers):
    return requests.post(api.url + '/v1/images',
                         headers=dict(HEADERS, **headers))


def test_copy_from_and_locations_through_the_proxy(setup):
    api, web = setup
    copied = create(api, **{'x-glance-api-copy-from': ORIGIN + 'disk.img'})
    assert copied.status_code == 201, copied.text
    assert web.requests[-1] == ORIGIN + 'disk.img'
    external = create(api, **{'x-image-meta-location': ORIGIN + 'disk.img'})
    assert external.status_code == 201, external.text
    for response in (copied, external):
        url = api.url + '/v1/images/' + response.json()['image']['id']
        assert requests.get(url).content == web.data
    os.unlink(os.path.join(web.directory, 'disk.img'))
    assert requests.get(url).status_code == 404
    missing = create(api, **{'x-glance-api-copy-from': ORIGIN + 'disk.img'})
    assert missing.status_code == 400 and 'HTTP 404' in missing.text


def test_loops_and_the_service_host_are_400(setup):
    api, web = setup
    response = create(api, **{'x-glance-api-copy-from':
                              ORIGIN + 'loop/disk.img'})
    assert response.status_code == 400
    assert 'more than 5 redirects' in response.text
    assert len(web.requests) == 6
    for header in ('x-glance-api-copy-from', 'x-image-meta-location'):
        response = create(api, **{header: web.url('disk.img')})
        assert response.status_code == 400
        assert 'loopback, link-local or unspecified' in response.text
    assert len(web.requests) == 6
