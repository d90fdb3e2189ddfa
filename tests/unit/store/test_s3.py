"""The s3 driver against a real S3 API: Swift's s3api (tests/swift_server.py).

Each test has a bucket of its own; multipart uploads use 5 MiB parts (the
smallest the driver allows).
"""

import hashlib
import io
import os
import threading
import time
import urllib.parse
import uuid

from botocore import exceptions as botocore_exceptions
import pytest

from glance.common import exception
from glance.store import s3
from tests import object_stores
from tests.object_stores import keys_in
from tests.object_stores import uploads_in
from tests.tcp_relay import TcpRelay
from tests.unit.store import helpers

MiB = 1024 * 1024
PART = 5 * MiB


@pytest.fixture
def bucket():
    return object_stores.unique_name()


@pytest.fixture
def make_driver(swift_server, bucket):
    """``make_driver(host=None, **options)``: a configured S3Driver on the
    test's bucket, 5 MiB parts, multipart from 6 MiB."""
    def make(host=None, **options):
        return helpers.configured(s3.S3Driver, **object_stores.s3_options(
            host or swift_server.s3_endpoint, bucket,
            s3_store_large_object_size=6, **options))
    return make


@pytest.fixture
def client(swift_server):
    return swift_server.s3_client()


def test_multipart_round_trip(driver, client, bucket, swift_server):
    data = os.urandom(2 * PART + 12345)
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    assert stored == ('s3+http://127.0.0.1:%d/%s/%s' % (
        swift_server.ports['proxy'], bucket, image_id), len(data))
    assert client.head_object(Bucket=bucket, Key=image_id)['ETag'].endswith(
        '-3"')  # three parts
    assert hashlib.md5(helpers.read_all(driver, stored.uri)).hexdigest() == \
        hashlib.md5(data).hexdigest()
    assert helpers.read_all(driver, stored.uri, PART - 10, 20) == \
        data[PART - 10:PART + 10]
    assert driver.get_size(stored.uri) == len(data)
    assert uploads_in(client, bucket) == []
    driver.delete(stored.uri)
    assert keys_in(client, bucket) == []
    helpers.assert_gone(driver, stored.uri)


def test_unknown_size_goes_multipart(driver, client, bucket):
    image_id = str(uuid.uuid4())
    helpers.add_unsized(driver, image_id, os.urandom(PART + 1))
    assert client.head_object(Bucket=bucket, Key=image_id)['ETag'].endswith(
        '-2"')
    helpers.add_unsized(driver, str(uuid.uuid4()), b'')


def test_small_image_is_one_put(driver, client, bucket):
    data = os.urandom(1000)
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    assert client.head_object(Bucket=bucket, Key=image_id)['ETag'] == \
        '"%s"' % hashlib.md5(data).hexdigest()
    assert helpers.read_all(driver, stored.uri, 10, 5) == data[10:15]
    with pytest.raises(exception.InvalidRange):
        driver.get(stored.uri, 5000)


def test_failed_upload_leaves_nothing(driver, client, bucket):
    helpers.add_cut_short(driver, 3 * PART, fail_after=2 * PART)
    assert keys_in(client, bucket) == []
    assert uploads_in(client, bucket) == []


def test_an_image_is_stored_once(driver):
    image_id = str(uuid.uuid4())
    driver.add(image_id, io.BytesIO(b'first'), 5)
    with pytest.raises(exception.Duplicate):
        driver.add(image_id, io.BytesIO(b'second'), 6)


def test_missing_bucket_is_created_only_when_asked(make_driver, client,
                                                   bucket):
    helpers.assert_created_only_when_asked(
        make_driver, 's3_store_create_bucket_on_put',
        lambda: client.create_bucket(Bucket=bucket))


def test_the_start_up_check_finds_what_an_upload_needs(
        make_driver, client, bucket, swift_server):
    assert make_driver().check_backend() is None  # Created on put.
    driver = make_driver(s3_store_create_bucket_on_put=False)
    assert driver.check_backend() == (
        'S3 at %s (access key %s...) has no bucket %r, and '
        's3_store_create_bucket_on_put is off'
        % (swift_server.s3_endpoint, swift_server.user[:4], bucket))
    client.create_bucket(Bucket=bucket)
    assert driver.check_backend() is None
    problem = make_driver(s3_store_secret_key='wrong').check_backend()
    assert 'refused the keys' in problem and 'HTTP 403' in problem
    unreachable = 'http://127.0.0.1:%d' % helpers.closed_port()
    assert make_driver(unreachable).check_backend().endswith(
        'cannot be reached (Connection refused)')


def test_abandoned_uploads_are_aborted(driver, client, bucket):
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(b'published'), 9)
    for key in (image_id, str(uuid.uuid4())):
        upload = client.create_multipart_upload(Bucket=bucket, Key=key)
        client.upload_part(Bucket=bucket, Key=key, PartNumber=1,
                           UploadId=upload['UploadId'], Body=b'left')
    assert len(driver.delete_partial(image_id)) == 1
    assert [u['Key'] for u in uploads_in(client, bucket)] != [image_id]
    assert helpers.read_all(driver, stored.uri) == b'published'
    assert driver.clean_stale_partials(3600) == []
    time.sleep(1.1)  # S3 times are rounded up to the second.
    assert len(driver.clean_stale_partials(0)) == 1
    assert uploads_in(client, bucket) == []
    assert driver.purge(image_id) == [image_id]
    assert keys_in(client, bucket) == []
    assert driver.purge(image_id) == []


def test_backend_down_is_unavailable_and_loses_nothing(make_driver,
                                                       swift_server):
    with TcpRelay(swift_server.ports['proxy']) as relay:
        helpers.assert_outage_loses_nothing(
            make_driver('http://127.0.0.1:%d' % relay.port), relay,
            os.urandom(PART + 1))


def test_a_broken_read_is_unavailable(driver, swift_server, bucket):
    data = os.urandom(3 * MiB)
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(data), len(data))
    with TcpRelay(swift_server.ports['proxy'], cut_after=MiB, cuts=1) \
            as relay:
        uri = stored.uri.replace(':%d/' % swift_server.ports['proxy'],
                                 ':%d/' % relay.port)
        with pytest.raises(exception.StoreUnavailable):
            helpers.read_all(driver, uri)


def test_keys_in_a_location(driver, swift_server, bucket):
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(b'external'), 8)
    uri = stored.uri.replace('s3+http://', 's3+http://%s:%s@' % (
        urllib.parse.quote(swift_server.user, safe=''), swift_server.key))
    assert helpers.read_all(driver, uri) == b'external'
    with pytest.raises(exception.StoreUnavailable,
                       match='SignatureDoesNotMatch'):
        driver.get(uri.replace(':testing@', ':wrong@'))


def test_read_only_without_settings(caplog):
    driver = helpers.read_only(s3.S3Driver, caplog,
                               's3 store is read-only: s3_store_host')
    with pytest.raises(exception.StoreUnavailable, match='no s3 keys'):
        driver.get('s3://host/bucket/key')


@pytest.mark.parametrize('style, url', [
    ('path', 'http://s3.example.com/images-bucket/key'),
    ('virtual', 'http://images-bucket.s3.example.com/key')])
def test_bucket_url_format(make_driver, style, url):
    driver = make_driver('http://s3.example.com',
                         s3_store_bucket_url_format=style)
    client = driver.client()
    assert client.meta.config.s3['addressing_style'] == style
    assert client.generate_presigned_url(
        'get_object', Params={'Bucket': 'images-bucket', 'Key': 'key'}
    ).partition('?')[0] == url


@pytest.mark.parametrize('uri', [
    's3://host/bucket', 's3://host//key', 's3+http://a@host/b/k',
    's3://host/b/k?versionId=1', 'swift://host/b/k'])
def test_malformed_locations(driver, uri):
    with pytest.raises(exception.BadStoreUri):
        driver.get(uri)


class _PartsClient:
    """An S3 client that takes its time over each part, recording how many
    parts are sent at once and from which buffers; part ``fail_part`` is
    refused (HTTP 500)."""

    def __init__(self, fail_part=None):
        self.fail_part = fail_part
        self.lock = threading.Lock()
        self.sending = self.most_at_once = 0
        self.buffers = set()
        self.completed = self.sending_at_abort = None

    def head_bucket(self, **_kwargs):
        return {}

    def head_object(self, **_kwargs):
        raise botocore_exceptions.ClientError(
            {'Error': {'Code': '404'}}, 'HeadObject')

    def create_multipart_upload(self, **_kwargs):
        return {'UploadId': 'upload'}

    def upload_part(self, Body, PartNumber, **_kwargs):
        with self.lock:
            self.sending += 1
            self.most_at_once = max(self.most_at_once, self.sending)
            self.buffers.add(id(Body.read(0).obj))
        time.sleep(0.05)
        with self.lock:
            self.sending -= 1
        if PartNumber == self.fail_part:
            raise botocore_exceptions.ClientError(
                {'Error': {'Code': 'InternalError'},
                 'ResponseMetadata': {'HTTPStatusCode': 500}}, 'UploadPart')
        return {'ETag': '"etag-%d"' % PartNumber}

    def complete_multipart_upload(self, MultipartUpload, **_kwargs):
        self.completed = MultipartUpload['Parts']

    def abort_multipart_upload(self, **_kwargs):
        with self.lock:
            self.sending_at_abort = self.sending


def test_parts_are_sent_while_the_next_is_read(driver, monkeypatch):
    """Two parts under way at most, from two buffers reused, completed in
    order."""
    parts = _PartsClient()
    monkeypatch.setattr(driver, 'client', lambda *args: parts)
    stored = driver.add(str(uuid.uuid4()), helpers.Unsized(
        os.urandom(5 * PART + 1)))
    assert stored.size == 5 * PART + 1
    assert parts.most_at_once == s3.PARTS_IN_FLIGHT == 2
    assert len(parts.buffers) == 2
    assert parts.completed == [{'PartNumber': n, 'ETag': '"etag-%d"' % n}
                               for n in range(1, 7)]


def test_a_refused_part_aborts_once_no_part_is_under_way(driver,
                                                         monkeypatch):
    parts = _PartsClient(fail_part=2)
    monkeypatch.setattr(driver, 'client', lambda *args: parts)
    with pytest.raises(exception.StoreUnavailable, match='storing a part'):
        driver.add(str(uuid.uuid4()), io.BytesIO(os.urandom(4 * PART)),
                   4 * PART)
    assert parts.sending_at_abort == 0
    assert parts.completed is None
