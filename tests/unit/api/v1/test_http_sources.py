"""Image API v1 sources read by the http store: copy-from and external
locations through a proxy, redirect loops, and addresses on the service's
own host refused unless the operator allows them."""

import os
import urllib.parse

import pytest

from tests.file_server import serving
from tests.unit.api.helpers import v1_post as post

COPY_FROM = 'x-glance-api-copy-from'
LOCATION = 'x-image-meta-location'


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    """A web server (and http proxy) on loopback with disk.img."""
    data = os.urandom(1024 * 1024 + 7)
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': data}) as server:
        server.data = data
        yield server


def create(api, header, source):
    return post(api, disk_format='raw', container_format='bare',
                headers={header: source})


def test_copy_from_through_the_proxy(make_api, web):
    """The origin's name resolves nowhere: only the proxy can reach it."""
    api = make_api(conf={'glance_store': {
        'http_proxy_information': {'http': '127.0.0.1:%d' % web.port}}})
    response = create(api, COPY_FROM, 'http://origin.invalid/disk.img')
    assert response.status_code == 201, response.text
    image = response.json()['image']
    assert image['status'] == 'active' and image['size'] == len(web.data)
    assert web.requests[-1] == 'http://origin.invalid/disk.img'
    assert api.get('/v1/images/' + image['id']).content == web.data


@pytest.mark.parametrize('header', [COPY_FROM, LOCATION])
def test_a_redirect_loop_is_400_and_leaves_nothing(api, web, header):
    response = create(api, header, web.url('loop/disk.img'))
    assert response.status_code == 400
    assert 'more than 5 redirects' in response.text
    assert api.stored_files() == []


@pytest.mark.parametrize('header', [COPY_FROM, LOCATION])
def test_loopback_is_refused_unless_allowed(make_api, web, header):
    api = make_api(conf={'glance_store': {'http_allowed_internal_hosts': []}})
    url = web.url('disk.img', credentials='user:secret')
    response = create(api, header, url)
    assert response.status_code == 400
    assert 'http_allowed_internal_hosts' in response.text
    assert 'secret' not in response.text
    assert '/disk.img' not in web.requests
    assert api.stored_files() == []


def test_a_redirect_to_the_metadata_service_is_refused(api, web):
    """127.0.0.1 is allowed (see the harness), 169.254.169.254 is not."""
    target = 'http://169.254.169.254/latest/meta-data/'
    response = create(api, COPY_FROM, web.url(
        'redirect-to/' + urllib.parse.quote(target, safe='')))
    assert response.status_code == 400
    assert '169.254.169.254' in response.text
    assert api.stored_files() == []
