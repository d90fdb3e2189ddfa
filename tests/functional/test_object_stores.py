"""glance-api storing images in a real Swift, natively and through its S3
API (tests/swift_server.py), driven by python-glanceclient."""

import os
import urllib.parse

import pytest
import requests

from tests.functional import stores
from tests import swift_server as swift_server_mod
from tests.tcp_relay import TcpRelay

MiB = 1024 * 1024


@pytest.fixture(params=['swift', 's3'])
def backend(request, swift_server, tmp_path):
    kinds = {'swift': stores.SwiftBackend, 's3': stores.S3Backend}
    return kinds[request.param](swift_server, tmp_path)


@pytest.fixture
def relay(backend):
    """A relay in front of the Swift proxy, to take the backend down."""
    with TcpRelay(backend.proxy_port) as relay:
        yield relay


@pytest.fixture
def glance(backend, relay, make_api_server):
    """A glanceclient of a glance-api storing in ``backend`` (through the
    relay), and the api server."""
    api = make_api_server(conf={'glance_store': stores.only_store(
        backend, relay.port)})
    return stores.glanceclient_of(api), api


def test_glanceclient_round_trip(glance, backend, tmp_path):
    glanceclient, _api = glance
    image = stores.upload_from_file(glanceclient, tmp_path,
                                    os.urandom(12 * MiB + 321), 'stored')
    assert len(backend.contents()) > 1 or backend.contents() == [image.id]
    stores.assert_downloads(glanceclient, image)
    stores.delete(glanceclient, image.id)
    assert backend.contents() == []


def test_backend_down_is_503_and_loses_nothing(glance, backend, relay):
    glanceclient, _api = glance
    images = stores.assert_outage_loses_nothing(
        glanceclient, os.urandom(2 * MiB), stores.stopped(relay),
        'image store is unavailable')
    stores.delete(glanceclient, *(image.id for image in images))
    assert backend.contents() == []


def test_memory_stays_flat_over_2_gib(backend, make_api_server):
    api = make_api_server(conf={'glance_store': stores.only_store(
        backend, backend.proxy_port)})
    stores.assert_memory_stays_flat(api)
    assert backend.contents() == []


def test_external_sources_in_swift_and_s3(swift_server, make_api_server,
                                          tmp_path):
    """Image API v1's copy-from and location read swift and s3 URLs that
    carry their credentials, with both stores read-only (no settings)."""
    data = os.urandom(MiB + 17)
    swift = stores.SwiftBackend(swift_server, tmp_path)
    swift.client.put_container(swift.container)
    swift.client.put_object(swift.container, 'disk.img', data)
    s3 = stores.S3Backend(swift_server, tmp_path)
    s3.client.create_bucket(Bucket=s3.bucket)
    s3.client.put_object(Bucket=s3.bucket, Key='disk.img', Body=data)
    proxy = '127.0.0.1:%d' % swift_server.ports['proxy']
    swift_url = 'swift+http://%s:%s@%s/auth/v1.0/%s/disk.img' % (
        swift_server_mod.USER, swift_server_mod.KEY, proxy, swift.container)
    s3_url = 's3+http://%s:%s@%s/%s/disk.img' % (
        urllib.parse.quote(swift_server_mod.USER, safe=''),
        swift_server_mod.KEY, proxy, s3.bucket)
    api = make_api_server(conf={'glance_store': {
        'stores': 'file,http,swift,s3'}})
    for header, url in (('x-glance-api-copy-from', swift_url),
                        ('x-glance-api-copy-from', s3_url),
                        ('x-image-meta-location', swift_url),
                        ('x-image-meta-location', s3_url)):
        response = requests.post(api.url + '/v1/images', headers={
            'x-image-meta-name': 'external', header: url,
            'x-image-meta-disk_format': 'raw',
            'x-image-meta-container_format': 'bare'})
        assert response.status_code == 201, response.text
        image = response.json()['image']
        assert image['status'] == 'active' and image['size'] == len(data)
        image_url = '%s/v1/images/%s' % (api.url, image['id'])
        assert requests.get(image_url).content == data
        assert requests.delete(image_url).status_code == 200
    # Data at an external location is not the service's to delete.
    assert swift.contents() == ['disk.img']
    assert s3.contents() == ['disk.img']
    refused = requests.post(api.url + '/v1/images', headers={
        'x-image-meta-name': 'keyless', 'x-image-meta-disk_format': 'raw',
        'x-image-meta-container_format': 'bare',
        'x-glance-api-copy-from': 's3+http://%s/%s/disk.img' % (
            proxy, s3.bucket)})
    assert refused.status_code == 400
    assert 'carries its keys' in refused.text


def test_v1_upload_names_the_store(backend, relay, make_api_server):
    """x-image-meta-store sends one image to the object store while the
    default store is file."""
    api = make_api_server(conf={'glance_store': dict(
        stores.only_store(backend, relay.port), default_store='file')})
    data = os.urandom(1000)
    response = requests.post(api.url + '/v1/images', data=data, headers={
        'x-image-meta-name': 'chosen', 'x-image-meta-store': backend.name,
        'x-image-meta-disk_format': 'raw',
        'x-image-meta-container_format': 'bare',
        'Content-Type': 'application/octet-stream'})
    assert response.status_code == 201, response.text
    image_id = response.json()['image']['id']
    assert backend.contents() == [image_id]
    assert requests.get('%s/v1/images/%s' % (api.url, image_id)).content \
        == data
