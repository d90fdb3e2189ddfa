"""S3 store: each image is one object of an S3 bucket (Amazon S3, Ceph RGW,
Swift's s3api, MinIO...), through boto3.

Locations are ``s3+https://<host>/<bucket>/<image id>`` (``s3+http://``
for an http endpoint; ``s3://`` is https), without credentials: this store
reads and deletes with its configured keys.  Locations written by
OpenStack Glance, ``s3://<access key>:<secret key>@<host>/<bucket>/<key>``,
are read with the keys they carry.

An upload holds at most PARTS_IN_FLIGHT part buffers
(``s3_store_large_object_chunk_size`` each) in memory, never more: an
image that fits in one goes up in one PUT, any other (and every image of
unknown size) as a multipart upload of parts of that size, each sent as
soon as it is full while the next is read into another buffer.  botocore
must re-read a body to sign and checksum it over http, so a part cannot be
streamed without its buffer.  A failed upload aborts its multipart upload,
once no part of it is under way, leaving nothing; one a dead process left
is aborted by ``delete_partial``, ``purge`` and ``clean_stale_partials``.
Reads stream in 1 MiB chunks.
"""

import collections
from concurrent import futures
import datetime
import logging
import urllib.parse

import boto3
from botocore import config as botocore_config
from botocore import exceptions as botocore_exceptions
from oslo_config import cfg

from glance.common import exception
from glance import store
from glance.store import base
from glance.store import probe
from glance.store import segments

LOG = logging.getLogger(__name__)

MiB = 1024 * 1024
# Seconds an S3 connection may stay silent before the request fails.
TIMEOUT = 60
# Part buffers an upload holds: the next part is read into one while the
# parts in the others are sent.  A single buffer leaves S3 idle while a part
# is read, and the client sending the image idle while a part is sent.
PARTS_IN_FLIGHT = 2

s3_opts = [
    cfg.StrOpt('s3_store_host',
               help='The S3 endpoint: a URL such as https://s3.example.com '
                    'or http://127.0.0.1:8080 (a host name alone means '
                    'https).  Without it, with s3_store_access_key, '
                    's3_store_secret_key and s3_store_bucket, the store only '
                    'reads locations that carry their own keys.'),
    cfg.StrOpt('s3_store_region_name', default='',
               help='Region of the endpoint, used to sign requests; empty '
                    'for us-east-1.'),
    cfg.StrOpt('s3_store_access_key', secret=True,
               help='Access key of the S3 account images are stored in.'),
    cfg.StrOpt('s3_store_secret_key', secret=True,
               help='Secret key of the S3 account images are stored in.'),
    cfg.StrOpt('s3_store_bucket',
               help='Bucket holding the images.'),
    cfg.BoolOpt('s3_store_create_bucket_on_put', default=False,
                help='Create the bucket at the first upload if it does not '
                     'exist, rather than failing the upload.'),
    cfg.StrOpt('s3_store_bucket_url_format', default='auto',
               choices=(('auto', 'virtual host where the bucket name '
                                 'allows it, else path'),
                        ('virtual', 'https://<bucket>.<host>/<key>'),
                        ('path', 'https://<host>/<bucket>/<key>')),
               help='How the bucket is addressed in request URLs.'),
    cfg.IntOpt('s3_store_large_object_size', default=100, min=1,
               help='Size in MiB from which an image is sent as a multipart '
                    'upload; images of unknown size, and those larger than '
                    'one part, always are.'),
    cfg.IntOpt('s3_store_large_object_chunk_size', default=10, min=5,
               help='Size in MiB of the parts of a multipart upload; an '
                    'upload holds two buffers of that size in memory (S3 '
                    'refuses parts under 5 MiB).  S3 '
                    'allows 10,000 parts: 10 MiB parts cap images at '
                    '97 GiB.'),
    cfg.StrOpt('s3_store_cacert', default='',
               help='CA bundle to verify the endpoint\'s certificate with; '
                    'the system bundle when empty.'),
]


def _parse(uri):
    """(endpoint URL, bucket, key, access key, secret key) of a location;
    BadStoreUri."""
    scheme, separator, rest = uri.partition('://')
    scheme = scheme.lower()
    if not separator or scheme not in S3Driver.schemes:
        raise exception.BadStoreUri('Not an s3 location: %s'
                                    % store.display_uri(uri))
    credentials, at, address = rest.rpartition('@')
    host, _, path = address.partition('/')
    bucket, _, key = path.partition('/')
    if not (host and bucket and key) or '?' in rest or '#' in rest:
        raise exception.BadStoreUri(
            'An s3 location is s3://<host>/<bucket>/<key>: %s'
            % store.display_uri(uri))
    access_key = secret_key = None
    if at:
        access_key, colon, secret_key = credentials.partition(':')
        if not (colon and access_key and secret_key):
            raise exception.BadStoreUri(
                'The credentials of an s3 location are access:secret: %s'
                % store.display_uri(uri))
        access_key = urllib.parse.unquote(access_key)
        secret_key = urllib.parse.unquote(secret_key)
    web_scheme = 'http' if scheme == 's3+http' else 'https'
    return ('%s://%s' % (web_scheme, host), bucket,
            urllib.parse.unquote(key), access_key, secret_key)


def _endpoint(host):
    return host if '://' in host else 'https://' + host


def _code(error):
    if isinstance(error, botocore_exceptions.ClientError):
        return (error.response.get('Error', {}).get('Code'),
                error.response.get('ResponseMetadata', {}).get(
                    'HTTPStatusCode'))
    return None, None


def _not_found():
    return exception.NotFound('No image data at this s3 store location.')


class _Call:
    """Maps the errors of the calls in its block: NotFound for a missing
    key or bucket, InvalidRange, StoreUnavailable for the rest."""

    def __init__(self, doing):
        self.doing = doing

    def __enter__(self):
        return self

    def __exit__(self, exc_type, error, traceback):
        if error is None or not isinstance(
                error, (botocore_exceptions.BotoCoreError,
                        botocore_exceptions.ClientError, OSError)):
            return False
        code, status = _code(error)
        if code in ('NoSuchKey', 'NoSuchBucket', '404') or status == 404:
            raise _not_found() from None
        if code == 'InvalidRange' or status == 416:
            raise exception.InvalidRange() from None
        if code in ('EntityTooLarge', 'QuotaExceeded') or status == 413:
            raise exception.StorageFull(
                'S3 refused the image as too large (%s): %s'
                % (code, self.doing)) from error
        problem = ('S3 answered %s (HTTP %s)' % (code, status) if code
                   else str(error) or type(error).__name__)
        raise exception.StoreUnavailable(
            reason='%s: %s' % (self.doing, problem)) from error


def _client(settings, timeout):
    """A boto3 S3 client: of ``settings`` endpoint and keys, signing for
    its region, and waiting ``timeout`` seconds for each answer."""
    access, secret = settings['keys']
    return boto3.session.Session().client(
        's3', endpoint_url=settings['endpoint'],
        region_name=settings['region'], aws_access_key_id=access,
        aws_secret_access_key=secret, verify=settings['verify'],
        config=botocore_config.Config(
            signature_version='s3v4',
            s3={'addressing_style': settings['addressing']},
            connect_timeout=timeout, read_timeout=timeout,
            retries={'total_max_attempts': 1},
            request_checksum_calculation='when_required',
            response_checksum_validation='when_required'))


def check(settings):
    """In the process check_backend starts (glance.store.probe): look for
    the bucket as an upload would."""
    bucket = settings['bucket']
    try:
        _client(settings, settings['timeout']).head_bucket(Bucket=bucket)
    except botocore_exceptions.ClientError as e:
        status = _code(e)[1]
        if status in (401, 403):
            raise probe.Unusable(
                'refused the keys, or they may not use the bucket %r '
                '(HTTP %d)' % (bucket, status)) from None
        if status != 404:
            raise probe.Unusable('answered HTTP %s for the bucket %r'
                                 % (status, bucket)) from None
        if not settings['create']:
            raise probe.Unusable(
                'has no bucket %r, and s3_store_create_bucket_on_put is '
                'off' % bucket) from None
    except Exception as e:
        raise probe.Unusable('cannot be reached (%s)'
                             % probe.root_cause(e)) from None
    return None


class _BufferBody:
    """A request body over a buffer, without a copy: reads are views of
    it; seekable, as botocore needs to sign and checksum it."""

    def __init__(self, view):
        self._view = view
        self._position = 0

    def read(self, size=-1):
        end = len(self._view) if size is None or size < 0 else \
            min(self._position + size, len(self._view))
        piece = self._view[self._position:end]
        self._position = end
        return piece

    def seek(self, offset, whence=0):
        start = (0, self._position, len(self._view))[whence]
        self._position = max(0, min(start + offset, len(self._view)))
        return self._position

    def tell(self):
        return self._position

    def __len__(self):
        return len(self._view)


class S3Driver(base.Driver):
    """Images as objects of one S3 bucket."""

    name = 's3'
    schemes = ('s3', 's3+http', 's3+https')
    capabilities = base.READ_WRITE
    options = s3_opts

    def configure(self):
        opts = self.opts
        self.bucket = opts.s3_store_bucket
        self.create_bucket = opts.s3_store_create_bucket_on_put
        self.large_object_size = opts.s3_store_large_object_size * MiB
        self.part_size = opts.s3_store_large_object_chunk_size * MiB
        self.region = opts.s3_store_region_name or 'us-east-1'
        self._addressing = opts.s3_store_bucket_url_format
        self._verify = opts.s3_store_cacert or None
        self._clients = {}
        self.capabilities = type(self).capabilities
        self.endpoint = None
        self._keys = (opts.s3_store_access_key, opts.s3_store_secret_key)
        missing = [name for name, value in (
            ('s3_store_host', opts.s3_store_host),
            ('s3_store_access_key', opts.s3_store_access_key),
            ('s3_store_secret_key', opts.s3_store_secret_key),
            ('s3_store_bucket', opts.s3_store_bucket)) if not value]
        if missing:
            self.capabilities = base.READ_ONLY
            LOG.warning('The s3 store is read-only: %s not set, so it has '
                        'nowhere to write.', ', '.join(missing))
            return
        self.endpoint = _endpoint(opts.s3_store_host).rstrip('/')
        scheme = 's3+http' if self.endpoint.startswith('http://') else \
            's3+https'
        self._location_prefix = '%s://%s/%s/' % (
            scheme, self.endpoint.partition('://')[2], self.bucket)
        # Made now (no request is sent): loading botocore's S3 model takes
        # a while and memory, better at start than in the first request.
        self.client()

    def client(self, endpoint=None, keys=None):
        """A boto3 S3 client of ``endpoint`` with ``keys`` (default: the
        configured ones); one per endpoint and keys, shared (thread-safe).
        """
        endpoint = endpoint or self.endpoint
        keys = keys if keys and keys[0] else self._keys
        if not all(keys):
            raise exception.StoreUnavailable(
                reason='no s3 keys to read this location with')
        cache_key = (endpoint, keys)
        client = self._clients.get(cache_key)
        if client is None:
            client = _client(self._client_settings(endpoint, keys), TIMEOUT)
            self._clients[cache_key] = client
        return client

    def _client_settings(self, endpoint, keys):
        return {'endpoint': endpoint, 'region': self.region, 'keys': keys,
                'verify': self._verify, 'addressing': self._addressing}

    def check_backend(self):
        """Look for the bucket with the store's keys, in a process of its
        own (glance.store.probe)."""
        if base.WRITE not in self.capabilities:
            return None  # configure() said which option is missing.
        try:
            probe.run(__name__, dict(
                self._client_settings(self.endpoint, self._keys),
                bucket=self.bucket, create=self.create_bucket))
        except probe.Unusable as e:
            # The access key is an option marked secret: its start only.
            return 'S3 at %s (access key %s...) %s' % (
                self.endpoint, self._keys[0][:4], e)
        return None

    # -- writing ------------------------------------------------------------

    def add(self, image_id, reader, size=None):
        base.check_image_id(image_id)
        if base.WRITE not in self.capabilities:
            return super().add(image_id, reader, size)
        client = self.client()
        self._ensure_bucket(client)
        try:
            with _Call('checking for the image'):
                client.head_object(Bucket=self.bucket, Key=image_id)
            raise exception.Duplicate(
                'Image %s already has data in the s3 store.' % image_id)
        except exception.NotFound:
            pass
        buffer = memoryview(bytearray(self.part_size))
        count = segments.fill(reader, buffer)
        if count < self.part_size and (size is not None and
                                       size < self.large_object_size):
            with _Call('storing the image'):
                client.put_object(Bucket=self.bucket, Key=image_id,
                                  Body=_BufferBody(buffer[:count]),
                                  ContentLength=count)
            written = count
        else:
            written = self._multipart(client, image_id, reader, buffer,
                                      count)
        return base.StoredImage(self._location_prefix + image_id, written)

    def _ensure_bucket(self, client):
        try:
            with _Call('checking the bucket'):
                client.head_bucket(Bucket=self.bucket)
            return
        except exception.NotFound:
            if not self.create_bucket:
                raise exception.StoreUnavailable(
                    reason='the s3 bucket %r does not exist; create it or '
                           'set s3_store_create_bucket_on_put'
                           % self.bucket) from None
        arguments = {}
        if self.region != 'us-east-1':
            arguments['CreateBucketConfiguration'] = {
                'LocationConstraint': self.region}
        with _Call('creating the bucket'):
            client.create_bucket(Bucket=self.bucket, **arguments)

    def _multipart(self, client, image_id, reader, buffer, count):
        """Send the buffer's ``count`` bytes and the rest of ``reader`` as
        parts of a multipart upload, up to PARTS_IN_FLIGHT of them sent
        while the next is read; abort it if anything fails, once no part
        is under way."""
        with _Call('starting a multipart upload'):
            upload_id = client.create_multipart_upload(
                Bucket=self.bucket, Key=image_id)['UploadId']
        free, pending, parts, written = [], collections.deque(), [], 0
        with futures.ThreadPoolExecutor(PARTS_IN_FLIGHT) as senders:
            try:
                while True:
                    number = len(parts) + len(pending) + 1
                    pending.append((buffer, senders.submit(
                        self._upload_part, client, image_id, upload_id,
                        number, buffer[:count])))
                    written += count
                    if count < len(buffer):
                        break
                    if len(pending) > PARTS_IN_FLIGHT - 1:
                        done, sent = pending.popleft()
                        parts.append(sent.result())
                        free.append(done)
                    buffer = free.pop() if free else \
                        memoryview(bytearray(self.part_size))
                    count = segments.fill(reader, buffer)
                    if not count:
                        break
                while pending:
                    parts.append(pending.popleft()[1].result())
                with _Call('completing a multipart upload'):
                    client.complete_multipart_upload(
                        Bucket=self.bucket, Key=image_id,
                        UploadId=upload_id, MultipartUpload={'Parts': parts})
            except BaseException:
                futures.wait([sent for _buffer, sent in pending])
                self._abort_quietly(client, image_id, upload_id)
                raise
        return written

    def _upload_part(self, client, key, upload_id, number, view):
        """Send part ``number``; its entry in the completion request."""
        with _Call('storing a part'):
            try:
                etag = client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id,
                    PartNumber=number, Body=_BufferBody(view),
                    ContentLength=len(view))['ETag']
            except botocore_exceptions.ClientError as e:
                if _code(e)[0] == 'NoSuchUpload':
                    # delete_partial aborted it meanwhile.
                    raise exception.UploadCancelled() from None
                raise
        return {'PartNumber': number, 'ETag': etag}

    def _abort_quietly(self, client, key, upload_id):
        try:
            with _Call('aborting a multipart upload'):
                client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                              UploadId=upload_id)
            return True
        except exception.NotFound:
            return False
        except exception.StoreUnavailable as e:
            LOG.warning('Could not abort the multipart upload %s of %s: %s',
                        upload_id, key, e)
            return False

    # -- reading ------------------------------------------------------------

    def _located(self, uri):
        endpoint, bucket, key, access, secret = _parse(uri)
        return self.client(endpoint, (access, secret)), bucket, key

    def get(self, uri, offset=0, length=None):
        client, bucket, key = self._located(uri)
        if offset < 0 or (length is not None and length < 0):
            raise exception.InvalidRange()
        if length == 0:
            self.get_size(uri)
            return base.ImageData([], 0)
        arguments = {}
        if offset or length is not None:
            end = '' if length is None else str(offset + length - 1)
            arguments['Range'] = 'bytes=%d-%s' % (offset, end)
        with _Call('reading the image'):
            response = client.get_object(Bucket=bucket, Key=key,
                                         **arguments)
        body = response['Body']
        return base.ImageData(self._chunks(body), response['ContentLength'],
                              body.close)

    @staticmethod
    def _chunks(body):
        with _Call('reading the image'):
            while True:
                chunk = body.read(base.READ_CHUNK_SIZE)
                if not chunk:
                    break
                yield chunk
        body.close()

    def get_size(self, uri):
        client, bucket, key = self._located(uri)
        with _Call('reading the size'):
            return client.head_object(Bucket=bucket, Key=key)[
                'ContentLength']

    # -- removal ------------------------------------------------------------

    def delete(self, uri):
        client, bucket, key = self._located(uri)
        try:
            with _Call('finding the image'):
                client.head_object(Bucket=bucket, Key=key)
            with _Call('removing the image'):
                client.delete_object(Bucket=bucket, Key=key)
        except exception.NotFound:
            raise
        except exception.StoreUnavailable as e:
            raise exception.StoreDeleteFailed(reason=e.msg) from e

    def _uploads(self, client, prefix=''):
        """The multipart uploads in progress: (key, upload id, initiated)."""
        found = []
        paginator = client.get_paginator('list_multipart_uploads')
        try:
            with _Call('listing multipart uploads'):
                for page in paginator.paginate(Bucket=self.bucket,
                                               Prefix=prefix):
                    found.extend((u['Key'], u['UploadId'], u['Initiated'])
                                 for u in page.get('Uploads', ()))
        except exception.NotFound:
            return []
        return found

    def delete_partial(self, image_id):
        """The multipart uploads of ``image_id`` aborted."""
        base.check_image_id(image_id)
        if base.WRITE not in self.capabilities:
            return []
        client = self.client()
        try:
            uploads = self._uploads(client, image_id)
        except exception.StoreUnavailable as e:
            raise exception.StoreDeleteFailed(reason=e.msg) from e
        removed = []
        for key, upload_id, _initiated in uploads:
            if key == image_id and self._abort_quietly(client, key,
                                                       upload_id):
                removed.append('%s (upload %s)' % (key, upload_id))
        if removed:
            LOG.info('Aborted multipart uploads of image %s: %s', image_id,
                     ', '.join(removed))
        return removed

    def purge(self, image_id):
        """What was removed: ``image_id``'s uploads and object."""
        removed = self.delete_partial(image_id)
        if base.WRITE not in self.capabilities:
            return removed
        client = self.client()
        try:
            with _Call('finding the image'):
                client.head_object(Bucket=self.bucket, Key=image_id)
            with _Call('removing the image'):
                client.delete_object(Bucket=self.bucket, Key=image_id)
        except exception.NotFound:
            return removed
        except exception.StoreUnavailable as e:
            raise exception.StoreDeleteFailed(reason=e.msg) from e
        LOG.info('Removed the object of image %s', image_id)
        return removed + [image_id]

    def clean_stale_partials(self, older_than_seconds):
        """Abort the multipart uploads that sent no part for
        ``older_than_seconds``."""
        if base.WRITE not in self.capabilities:
            return []
        cutoff = datetime.datetime.now(datetime.timezone.utc) - \
            datetime.timedelta(seconds=older_than_seconds)
        removed = []
        try:
            client = self.client()
            for key, upload_id, initiated in self._uploads(client):
                if self._last_activity(client, key, upload_id,
                                       initiated) < cutoff and \
                        self._abort_quietly(client, key, upload_id):
                    removed.append('%s (upload %s)' % (key, upload_id))
        except exception.StoreUnavailable as e:
            LOG.warning('Could not look for stale multipart uploads in s3 '
                        'bucket %s: %s', self.bucket, e)
        if removed:
            LOG.info('Aborted %d stale multipart uploads in s3 bucket %s: '
                     '%s', len(removed), self.bucket, ', '.join(removed))
        return removed

    def _last_activity(self, client, key, upload_id, initiated):
        """When an upload last sent a part (or started)."""
        latest = initiated
        try:
            with _Call('listing parts'):
                for page in client.get_paginator('list_parts').paginate(
                        Bucket=self.bucket, Key=key, UploadId=upload_id):
                    for part in page.get('Parts', ()):
                        latest = max(latest, part['LastModified'])
        except exception.NotFound:
            pass
        return latest
