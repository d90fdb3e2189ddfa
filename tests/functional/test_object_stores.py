"""glance-api storing images in a real Swift, natively and through its S3
API (tests/swift_server.py), driven by python-glanceclient."""

import hashlib
import io
import os
import urllib.parse
import uuid

import pytest
import requests
import swiftclient

from tests.functional.server import PeakRss
from tests import swift_server as swift_server_mod
from tests.tcp_relay import TcpRelay

MiB = 1024 * 1024


class SwiftBackend:
    """glance-api options for the swift store, and what its container holds.
    """

    def __init__(self, swift_server, tmp_path):
        self.container = 'glance-%s' % uuid.uuid4().hex[:12]
        self.client = swift_server.swift_client()
        self.references = tmp_path / 'glance-swift.conf'
        self.proxy_port = swift_server.ports['proxy']

    def conf(self, port):
        self.references.write_text(
            '[ref1]\nauth_address = http://127.0.0.1:%d/auth/v1.0\n'
            'user = %s\nkey = %s\nauth_version = 1\n'
            % (port, swift_server_mod.USER, swift_server_mod.KEY))
        return {'stores': 'file,http,swift', 'default_store': 'swift',
                'swift_store_config_file': str(self.references),
                'swift_store_container': self.container,
                'swift_store_create_container_on_put': True,
                'swift_store_large_object_size': 1,
                'swift_store_large_object_chunk_size': 4}

    def contents(self):
        try:
            return [o['name'] for o in self.client.get_container(
                self.container, full_listing=True)[1]]
        except swiftclient.ClientException:
            return []


class S3Backend:
    """glance-api options for the s3 store, and what its bucket holds."""

    def __init__(self, swift_server, tmp_path):
        self.bucket = 'glance-%s' % uuid.uuid4().hex[:12]
        self.client = swift_server.s3_client()
        self.proxy_port = swift_server.ports['proxy']

    def conf(self, port):
        return {'stores': 'file,http,s3', 'default_store': 's3',
                's3_store_host': 'http://127.0.0.1:%d' % port,
                's3_store_access_key': swift_server_mod.USER,
                's3_store_secret_key': swift_server_mod.KEY,
                's3_store_region_name': swift_server_mod.S3_REGION,
                's3_store_bucket': self.bucket,
                's3_store_bucket_url_format': 'path',
                's3_store_create_bucket_on_put': True,
                's3_store_large_object_size': 5,
                's3_store_large_object_chunk_size': 5}

    def contents(self):
        try:
            keys = [o['Key'] for o in self.client.list_objects_v2(
                Bucket=self.bucket).get('Contents', ())]
            uploads = self.client.list_multipart_uploads(
                Bucket=self.bucket).get('Uploads', [])
        except self.client.exceptions.NoSuchBucket:
            return []
        return keys + ['upload of %s' % u['Key'] for u in uploads]


@pytest.fixture(params=['swift', 's3'])
def backend(request, swift_server, tmp_path):
    kind = SwiftBackend if request.param == 'swift' else S3Backend
    return kind(swift_server, tmp_path)


@pytest.fixture
def relay(backend):
    """A relay in front of the Swift proxy, to take the backend down."""
    with TcpRelay(backend.proxy_port) as relay:
        yield relay


@pytest.fixture
def glance(backend, relay, make_api_server):
    """A glanceclient of a glance-api storing in ``backend`` (through the
    relay), and the api server."""
    from glanceclient import client
    api = make_api_server(conf={'glance_store': backend.conf(relay.port)})
    return client.Client('2', endpoint=api.url, token='unused'), api


def test_glanceclient_round_trip(glance, backend, tmp_path):
    glanceclient, _api = glance
    data = os.urandom(12 * MiB + 321)
    path = tmp_path / 'disk.img'
    path.write_bytes(data)
    image = glanceclient.images.create(name='stored', disk_format='raw',
                                       container_format='bare')
    with open(path, 'rb') as f:
        glanceclient.images.upload(image.id, f)
    shown = glanceclient.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert shown.checksum == hashlib.md5(data).hexdigest()
    assert len(backend.contents()) > 1 or backend.contents() == [image.id]
    downloaded = hashlib.md5()
    for chunk in glanceclient.images.data(image.id):
        downloaded.update(chunk)
    assert downloaded.hexdigest() == shown.checksum
    glanceclient.images.delete(image.id)
    assert backend.contents() == []


def test_backend_down_is_503_and_loses_nothing(glance, backend, relay):
    glanceclient, api = glance
    data = os.urandom(2 * MiB)
    image = glanceclient.images.create(name='kept', disk_format='raw',
                                       container_format='bare')
    glanceclient.images.upload(image.id, io.BytesIO(data))
    relay.stop()
    file_url = '%s/v2/images/%s/file' % (api.url, image.id)
    down = requests.get(file_url)
    assert down.status_code == 503, down.text
    assert 'image store is unavailable' in down.text
    queued = glanceclient.images.create(name='later', disk_format='raw',
                                        container_format='bare')
    refused = requests.put(
        '%s/v2/images/%s/file' % (api.url, queued.id), data=b'x' * 1000,
        headers={'Content-Type': 'application/octet-stream'})
    assert refused.status_code == 503, refused.text
    assert glanceclient.images.get(queued.id).status == 'queued'
    relay.start()
    assert requests.get(file_url).content == data
    assert glanceclient.images.get(image.id).status == 'active'


def test_memory_stays_flat(glance):
    """64 MiB of unknown size up and down: glance-api grows by far less
    (the whole transfer is streamed, a part buffer at most is held)."""
    glanceclient, api = glance
    block = os.urandom(MiB)
    # Warm up: the store's client and connections exist before measuring.
    warm = glanceclient.images.create(name='warm', disk_format='raw',
                                      container_format='bare')
    glanceclient.images.upload(warm.id, io.BytesIO(block))
    image = glanceclient.images.create(name='big', disk_format='raw',
                                       container_format='bare')
    expected, downloaded = hashlib.md5(), hashlib.md5()
    for _ in range(64):
        expected.update(block)
    with PeakRss(api.pid) as rss:
        response = requests.put(
            '%s/v2/images/%s/file' % (api.url, image.id),
            data=(block for _ in range(64)),
            headers={'Content-Type': 'application/octet-stream'})
        assert response.status_code == 204, response.text
        with requests.get('%s/v2/images/%s/file' % (api.url, image.id),
                          stream=True) as response:
            for chunk in response.iter_content(MiB):
                downloaded.update(chunk)
    assert downloaded.hexdigest() == expected.hexdigest()
    assert rss.peak - rss.start < 40, \
        'glance-api grew from %.0f to %.0f MiB' % (rss.start, rss.peak)


def test_external_sources_in_swift_and_s3(swift_server, make_api_server,
                                          tmp_path):
    """Image API v1's copy-from and location read swift and s3 URLs that
    carry their credentials, with both stores read-only (no settings)."""
    data = os.urandom(MiB + 17)
    swift = SwiftBackend(swift_server, tmp_path)
    swift.client.put_container(swift.container)
    swift.client.put_object(swift.container, 'disk.img', data)
    s3 = S3Backend(swift_server, tmp_path)
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
    name = 'swift' if isinstance(backend, SwiftBackend) else 's3'
    api = make_api_server(conf={'glance_store': dict(
        backend.conf(relay.port), default_store='file')})
    data = os.urandom(1000)
    response = requests.post(api.url + '/v1/images', data=data, headers={
        'x-image-meta-name': 'chosen', 'x-image-meta-store': name,
        'x-image-meta-disk_format': 'raw',
        'x-image-meta-container_format': 'bare',
        'Content-Type': 'application/octet-stream'})
    assert response.status_code == 201, response.text
    image_id = response.json()['image']['id']
    assert backend.contents() == [image_id]
    assert requests.get('%s/v1/images/%s' % (api.url, image_id)).content \
        == data
