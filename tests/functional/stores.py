"""glance-api storing in a real backend (started once a session by
tests/conftest.py), driven by python-glanceclient: the swift and s3
backends' options and what they hold, and the uploads, downloads and
deletions every store's tests make, checked the same way."""

import contextlib
import hashlib
import io
import os

from glanceclient import client
from glanceclient import exc
import pytest
import requests

from tests.functional.server import PeakRss
from tests import object_stores

MiB = 1024 * 1024
GiB = 1024 * MiB


class SwiftBackend:
    """The swift store's [glance_store] options for the test Swift, and
    what its container holds."""

    name = 'swift'

    def __init__(self, swift_server, tmp_path):
        self.container = object_stores.unique_name()
        self.client = swift_server.swift_client()
        self.references = tmp_path / 'glance-swift.conf'
        self.proxy_port = swift_server.ports['proxy']

    def conf(self, port):
        """Options reaching the Swift proxy on ``port``: 4 MiB segments."""
        object_stores.write_references(
            self.references, 'http://127.0.0.1:%d/auth/v1.0' % port)
        return object_stores.swift_options(
            self.container, swift_store_config_file=str(self.references),
            swift_store_large_object_chunk_size=4)

    def contents(self):
        return object_stores.names_in(self.client, self.container)


class S3Backend:
    """The s3 store's [glance_store] options for the test Swift's S3 API,
    and what its bucket holds, multipart uploads under way included."""

    name = 's3'

    def __init__(self, swift_server, tmp_path):
        self.bucket = object_stores.unique_name()
        self.client = swift_server.s3_client()
        self.proxy_port = swift_server.ports['proxy']

    def conf(self, port):
        """Options reaching the S3 API on ``port``."""
        return object_stores.s3_options('http://127.0.0.1:%d' % port,
                                        self.bucket)

    def contents(self):
        return object_stores.keys_in(self.client, self.bucket) + [
            'upload of %s' % u['Key']
            for u in object_stores.uploads_in(self.client, self.bucket)]


def only_store(backend, port):
    """[glance_store] options of a glance-api storing in ``backend`` (on
    ``port``) by default, beside the file and http stores."""
    return dict(backend.conf(port), stores='file,http,' + backend.name,
                default_store=backend.name)


class Unsized:
    """Data in a stream glanceclient cannot size (it has read() alone), so
    that it sends it chunked, with no Content-Length."""

    def __init__(self, data):
        self.read = io.BytesIO(data).read


def glanceclient_of(server, **kwargs):
    """A python-glanceclient of ``server``'s Image API v2."""
    return client.Client('2', endpoint=server.url, token='unused', **kwargs)


def create_raw(glance, name):
    return glance.images.create(name=name, disk_format='raw',
                                container_format='bare')


def upload_from_file(glance, tmp_path, data, name):
    """Image ``name`` with ``data``, uploaded from a file (glanceclient
    sends its size), checked active with that size and its hashes; the
    image as shown."""
    path = tmp_path / 'disk.img'
    path.write_bytes(data)
    image = create_raw(glance, name)
    with open(path, 'rb') as f:
        glance.images.upload(image.id, f)
    shown = glance.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert shown.checksum == hashlib.md5(data).hexdigest()
    assert shown.os_hash_value == hashlib.sha512(data).hexdigest()
    return shown


def assert_downloads(glance, shown):
    """The image ``shown`` downloads, streamed, to its recorded hash."""
    downloaded = hashlib.sha512()
    for chunk in glance.images.data(shown.id):
        downloaded.update(chunk)
    assert downloaded.hexdigest() == shown.os_hash_value


def delete(glance, *image_ids):
    """Delete the images; they are no longer found."""
    for image_id in image_ids:
        glance.images.delete(image_id)
        with pytest.raises(exc.HTTPNotFound):
            glance.images.get(image_id)


@contextlib.contextmanager
def stopped(relay):
    """The TcpRelay ``relay`` down for the block, back up after."""
    relay.stop()
    try:
        yield
    finally:
        relay.start()


def assert_outage_loses_nothing(glance, data, outage, reason):
    """An image with ``data`` stored, and one waiting for its data: while
    ``outage`` (a context manager) holds the backend down, the download
    is 503 naming ``reason`` and so is the upload, the waiting image
    staying queued; afterwards the data reads back and the waiting
    image takes its upload.  The two images, active."""
    stored = create_raw(glance, 'kept')
    glance.images.upload(stored.id, io.BytesIO(data))
    waiting = create_raw(glance, 'waiting')
    with outage:
        with pytest.raises(exc.HTTPServiceUnavailable, match=reason):
            b''.join(glance.images.data(stored.id))
        with pytest.raises(exc.HTTPServiceUnavailable):
            glance.images.upload(waiting.id, io.BytesIO(data))
    assert glance.images.get(waiting.id).status == 'queued'
    assert glance.images.get(stored.id).status == 'active'
    assert b''.join(glance.images.data(stored.id)) == data
    glance.images.upload(waiting.id, io.BytesIO(data))
    assert glance.images.get(waiting.id).status == 'active'
    return stored, waiting


def assert_memory_stays_flat(server, size=2 * GiB, limit_mib=48):
    """``size`` bytes of unknown size (chunked) up to ``server``'s default
    store and back: the data round-trips whole while glance-api (one
    process) grows by less than ``limit_mib`` MiB; it holds its hashing
    ring and the driver's buffers, never the image.  The images it made
    are deleted after; their ids."""
    glance = glanceclient_of(server, timeout=600)
    block = os.urandom(MiB)
    # Warm up: the store's client and connections exist before measuring.
    warm = create_raw(glance, 'warm')
    glance.images.upload(warm.id, io.BytesIO(block))
    image = create_raw(glance, 'big')
    sent, received = hashlib.md5(), hashlib.md5()
    url = '%s/v2/images/%s/file' % (server.url, image.id)

    def body():
        for _ in range(size // MiB):
            sent.update(block)
            yield block

    with PeakRss(server.pid) as rss:
        response = requests.put(url, data=body(), timeout=600, headers={
            'Content-Type': 'application/octet-stream'})
        assert response.status_code == 204, response.text
        count = 0
        with requests.get(url, stream=True, timeout=600) as response:
            for chunk in response.iter_content(MiB):
                received.update(chunk)
                count += len(chunk)
    assert count == size
    assert received.hexdigest() == sent.hexdigest() == \
        glance.images.get(image.id).checksum
    assert rss.peak - rss.start < limit_mib, \
        'glance-api grew from %.0f to %.0f MiB' % (rss.start, rss.peak)
    delete(glance, warm.id, image.id)
    return warm.id, image.id

