"""Format safety against a real glance-api: python-glanceclient and
openstacksdk see unsafe images refused with the reason, v1 copy-from of an
unsafe image leaves nothing stored, and the server's memory stays flat
while it inspects a 1 GiB upload."""

import http.client
import json
import os

import pytest

from tests import disk_images
from tests import file_server

pytestmark = disk_images.requires_qemu_img


@pytest.fixture
def images(real_images):
    return real_images


def stored_files(server):
    return sorted(os.listdir(os.path.join(server.data_dir, 'images')))


def test_glanceclient_upload(api_server, images):
    from glanceclient import client
    from glanceclient import exc
    glance = client.Client('2', endpoint=api_server.url, token='unused')
    image = glance.images.create(name='gc', disk_format='qcow2',
                                 container_format='bare')
    with open(images['qcow2-backing-file'].path, 'rb') as f:
        with pytest.raises(exc.HTTPBadRequest, match='backing file'):
            glance.images.upload(image.id, f)
    assert glance.images.get(image.id).status == 'queued'
    assert stored_files(api_server) == []
    with open(images['qcow2'].path, 'rb') as f:
        glance.images.upload(image.id, f)
    shown = glance.images.get(image.id)
    assert shown.status == 'active'
    assert shown.virtual_size == images['qcow2'].virtual_size


class _CountingFile:
    """A file that counts the bytes read from it."""

    def __init__(self, path):
        self._file = open(path, 'rb')
        self.read_bytes = 0

    def read(self, size=-1):
        data = self._file.read(size)
        self.read_bytes += len(data)
        return data

    def close(self):
        self._file.close()


def test_a_large_mismatched_upload_ends_at_once(api_server, tmp_path):
    """1 GiB declared qcow2 that is not: the server answers 400 from the
    first bytes and the client stops sending long before the end."""
    from glanceclient import client
    from glanceclient import exc
    path = tmp_path / 'zeros'
    with open(path, 'wb') as f:
        f.truncate(1024 * 1024 * 1024)
    glance = client.Client('2', endpoint=api_server.url, token='unused')
    image = glance.images.create(disk_format='qcow2', container_format='bare')
    data = _CountingFile(path)
    try:
        with pytest.raises(exc.HTTPBadRequest, match='disk_format qcow2'):
            glance.images.upload(image.id, data, image_size=os.path.getsize(
                path))
    finally:
        data.close()
    assert data.read_bytes < 128 * 1024 * 1024
    assert glance.images.get(image.id).status == 'queued'
    assert stored_files(api_server) == []


def test_openstacksdk_create_image(api_server, images):
    import openstack
    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=api_server.url + '/v2')
    with pytest.raises(openstack.exceptions.BadRequestException):
        conn.image.create_image(
            name='sdk', filename=images['vmdk-flat-extent'].path,
            disk_format='vmdk', container_format='bare', wait=True)
    assert stored_files(api_server) == []
    created = conn.image.create_image(
        name='sdk', filename=images['vhdx'].path, disk_format='vhdx',
        container_format='bare', wait=True)
    shown = conn.image.get_image(created.id)
    assert shown.virtual_size == images['vhdx'].virtual_size


def v1_post(server, headers, body=None):
    connection = http.client.HTTPConnection('127.0.0.1', server.port,
                                            timeout=120)
    try:
        connection.request('POST', '/v1/images', body=body, headers=dict(
            headers, **{'x-auth-token': 'unused'}), encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_v1_copy_from(make_api_server, images):
    server = make_api_server()
    image = images['qcow2-data-file']
    with file_server.FileServer(os.path.dirname(image.path)) as web:
        status, text = v1_post(server, {
            'x-image-meta-name': 'copied', 'x-image-meta-disk_format': 'qcow2',
            'x-image-meta-container_format': 'bare',
            'x-glance-api-copy-from': web.url(os.path.basename(image.path))})
    assert status == 400 and 'data_file' in text, text
    assert stored_files(server) == []


def peak_rss_mib(pid):
    with open('/proc/%d/status' % pid) as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) // 1024


def streamoptimized_vmdk(image, size):
    """``size`` bytes of a streamOptimized vmdk, made as they are sent:
    a real one's head and footer, random blocks between them."""
    data = image.read()
    head, tail = data[:-1536], data[-1536:]
    yield head
    block = os.urandom(1024 * 1024)
    left = size - len(head) - len(tail)
    while left:
        yield block[:min(left, len(block))]
        left -= min(left, len(block))
    yield tail


def test_memory_stays_flat_while_a_large_upload_is_inspected(
        make_api_server, images):
    server = make_api_server()
    before = peak_rss_mib(server.pid)
    size = 1024 * 1024 * 1024
    image = images['vmdk-streamOptimized']
    status, text = v1_post(server, {
        'x-image-meta-name': 'large', 'x-image-meta-disk_format': 'vmdk',
        'x-image-meta-container_format': 'bare',
        'Content-Type': 'application/octet-stream'},
        streamoptimized_vmdk(image, size))
    assert status == 201, text
    stored = json.loads(text)['image']
    assert stored['size'] == size
    assert stored['virtual_size'] == image.virtual_size
    assert peak_rss_mib(server.pid) - before < 64
