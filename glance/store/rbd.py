"""RBD store: each image is a Ceph RBD image named by the image id, with a
protected snapshot ``snap`` that Nova and Cinder clone from.

Locations are ``rbd://<fsid>/<pool>/<image>/<snapshot>`` (each part
URL-quoted), as in OpenStack Glance, which also reads the older
``rbd://<image>`` (the configured pool, no snapshot).  A location on
another cluster (another fsid) is refused: its data cannot be reached.

Uploads go to an RBD image of the partial name ``.<image_id>.<random>.partial``
written in ``rbd_store_chunk_size`` objects (one write per object, zero
objects skipped with ``rbd_thin_provisioning``), then snapshotted, the
snapshot protected, and the image renamed to the image id: rename fails if
the name is taken, so two uploads of one image never replace each other,
and a clone can only be made of complete data.  A failed upload removes its
partial image; a crash leaves one, which ``purge`` (one image's) and
``clean_stale_partials`` (those not modified for long) remove.  An image
being written cannot be removed (its writer watches it): ``purge`` then
says so, and the image waits in pending_delete for the upload to end.

Deleting unprotects the snapshot first: that fails while clones of it
exist (a Nova disk, a Cinder volume), which is exception.InUseByStore, a
409 "in use" as in Glance; the image then keeps its data and status.

The bindings are Debian's python3-rados and python3-rbd (there is no PyPI
package), imported when the driver is configured, so a service without
them runs while no rbd store is enabled.  Every call into librados runs
through glance.common.offload: under eventlet a slow cluster must not
stall the hub.  The service connects per operation, as glance_store does,
with ``rados_connect_timeout`` bounding the connection and, when set, each
cluster operation: an unreachable cluster is a 503, not a hung request.
"""

import collections
import contextlib
import errno
import logging
import math
import os
import time
import urllib.parse

from oslo_config import cfg

from glance.common import exception
from glance.common import ids
from glance.common import offload
from glance.common import streams
from glance.store import base
from glance.store import probe

LOG = logging.getLogger(__name__)

SNAPSHOT = 'snap'
# Object buffers an upload holds: the next object is read into one while
# the others are written.  One write at a time leaves the cluster idle while
# the next object is received and hashed.
WRITES_IN_FLIGHT = 4
# Objects a download reads while it sends the one before: with one read at
# a time the client waits on every round trip to the OSDs (a 1 GiB
# download went from about 1 100 to 1 300 MiB/s with 2; 4 added nothing).
READS_IN_FLIGHT = 2
# librbd's layering feature, which clones need (rbd.RBD_FEATURE_LAYERING),
# without importing rbd here.
FEATURE_LAYERING = 1

rbd_opts = [
    cfg.IntOpt('rbd_store_chunk_size', default=8, min=1,
               help='Size in MiB of the objects RBD images are split into, '
                    'a power of two; an upload holds four objects in '
                    'memory (one being read, three being written), a '
                    'download two (one being sent, one being read).'),
    cfg.StrOpt('rbd_store_pool', default='images',
               help='RADOS pool where new images are stored.'),
    cfg.StrOpt('rbd_store_user',
               help='RADOS user to authenticate as (without "client."), '
                    'e.g. glance with caps "mon \'profile rbd\' osd '
                    '\'profile rbd pool=images\'".  Its keyring is found '
                    'through rbd_store_ceph_conf (a [client.<user>] '
                    'section with "keyring = ...").  Unset: librados\'s '
                    'default user (admin).'),
    cfg.StrOpt('rbd_store_ceph_conf', default='',
               help='Ceph configuration file naming the monitors and the '
                    'keyring.  Empty: librados\'s default search '
                    '($CEPH_CONF, /etc/ceph/ceph.conf, ...).'),
    cfg.IntOpt('rados_connect_timeout', default=0, min=0,
               help='Seconds to wait for the Ceph cluster before a request '
                    'fails with 503: for connecting, and for each monitor '
                    'and OSD operation (rados_mon_op_timeout, '
                    'rados_osd_op_timeout).  0 keeps librados\'s defaults: '
                    'connecting waits up to client_mount_timeout (300 s) '
                    'and operations wait for the cluster forever.'),
    cfg.BoolOpt('rbd_thin_provisioning', default=False,
                help='Skip writing the objects of an upload that hold only '
                     'zeros, so sparse images (raw disks) take only the '
                     'space of their data; checking costs a comparison per '
                     'object.'),
]


def _bindings():
    """The rados and rbd modules; ConfigError naming the packages."""
    try:
        import rados
        import rbd
    except ImportError as e:
        raise exception.ConfigError(
            'The rbd store needs the Ceph Python bindings, which this '
            'Python cannot import (%s): install Debian\'s python3-rados and '
            'python3-rbd (built for the system Python 3; `make '
            'ceph-bindings` links them into the venv)' % e) from None
    return rados, rbd


def _quote(part):
    return urllib.parse.quote(part, safe='')


class Location:
    """The parts of an ``rbd://`` location; BadStoreUri if malformed."""

    def __init__(self, uri):
        scheme, separator, rest = uri.partition('://')
        if not separator or scheme.lower() != 'rbd':
            raise exception.BadStoreUri(
                'Not an RBD store location (rbd://...).')
        parts = [urllib.parse.unquote(p) for p in rest.split('/')]
        if len(parts) == 4:
            self.fsid, self.pool, self.image, self.snapshot = parts
        elif len(parts) == 1:
            self.fsid = self.pool = self.snapshot = None
            self.image, = parts
        else:
            raise exception.BadStoreUri(
                'An RBD store location is rbd://<fsid>/<pool>/<image>/'
                '<snapshot> or rbd://<image>.')
        named = [self.image] + ([self.fsid, self.pool, self.snapshot]
                                if self.fsid is not None else [])
        if not all(named) or any('\0' in p or '/' in p for p in named):
            raise exception.BadStoreUri(
                'An RBD store location has an empty or invalid part.')

    @staticmethod
    def uri(fsid, pool, image, snapshot):
        return 'rbd://' + '/'.join(_quote(p) for p in
                                   (fsid, pool, image, snapshot))


class RbdDriver(base.Driver):
    """Images as RBD images in a pool of a Ceph cluster."""

    name = 'rbd'
    schemes = ('rbd',)
    capabilities = frozenset(
        {base.READ, base.READ_OFFSET, base.WRITE, base.DELETE})
    options = rbd_opts

    def configure(self):
        self.rados, self.rbd = _bindings()
        opts = self.opts
        chunk_mib = opts.rbd_store_chunk_size
        if chunk_mib & (chunk_mib - 1):
            raise exception.ConfigError(
                'rbd_store_chunk_size=%d is not a power of two (MiB)'
                % chunk_mib)
        self.chunk_size = chunk_mib * 1024 * 1024
        self.write_chunk_size = self.chunk_size
        self.order = int(math.log2(self.chunk_size))
        self.pool = opts.rbd_store_pool
        self.user = opts.rbd_store_user
        self.ceph_conf = opts.rbd_store_ceph_conf
        self.timeout = opts.rados_connect_timeout
        self.thin = opts.rbd_thin_provisioning
        self._zeros = bytes(self.chunk_size) if self.thin else None
        self._fsid = None

    # -- connections ------------------------------------------------------

    def _cluster(self):
        """A connected rados.Rados; StoreUnavailable if it cannot be."""
        try:
            cluster = _rados_handle(self.rados, self.ceph_conf, self.user,
                                    self.timeout)
        except self.rados.Error as e:
            raise self._unavailable('cannot read its configuration', e)
        try:
            offload.call(cluster.connect)
        except self.rados.Error as e:
            offload.call(cluster.shutdown)
            raise self._unavailable('cannot connect', e)
        if self._fsid is None:
            self._fsid = offload.call(cluster.get_fsid)
        return cluster

    def _ioctx(self, cluster, pool):
        try:
            return offload.call(cluster.open_ioctx, pool)
        except self.rados.ObjectNotFound:
            raise self._unavailable('no pool %r' % pool) from None
        except self.rados.Error as e:
            raise self._unavailable('cannot open pool %r' % pool, e)

    @contextlib.contextmanager
    def _pool(self, pool=None):
        """An open rados.Ioctx on ``pool`` (default: rbd_store_pool)."""
        cluster = self._cluster()
        try:
            ioctx = self._ioctx(cluster, pool or self.pool)
            try:
                with self._errors():
                    yield ioctx
            finally:
                ioctx.close()
        finally:
            offload.call(cluster.shutdown)

    @contextlib.contextmanager
    def _errors(self):
        """librados and librbd errors as the store's exceptions."""
        try:
            yield
        except (self.rbd.NoSpace, self.rbd.DiskQuotaExceeded,
                self.rados.NoSpace) as e:
            raise exception.StorageFull(
                'The Ceph cluster has no room for the image: %s' % e) from e
        except (self.rbd.PermissionError, self.rados.PermissionError) as e:
            raise exception.StorageWriteDenied(
                'The rbd store user may not do this: %s' % e) from e
        except (self.rbd.Timeout, self.rbd.ConnectionShutdown,
                self.rados.TimedOut, self.rados.Error) as e:
            raise self._unavailable('an operation failed', e)
        except self.rbd.ImageNotFound:
            raise exception.NotFound(
                'No image data at this RBD store location.') from None
        except self.rbd.Error as e:
            raise self._unavailable('an RBD operation failed', e)

    def _unavailable(self, what, error=None):
        reason = 'Ceph cluster: %s' % what
        if error is not None:
            reason += ' (%s)' % error
        LOG.warning('rbd store: %s', reason)
        return exception.StoreUnavailable(reason=reason)

    def check_backend(self):
        """Connect and open the pool as the store does, in a process of
        its own (glance.store.probe: a process forked after librados has
        run in its parent can hang on its first call into librados), for
        up to rados_connect_timeout seconds, or probe.TIMEOUT when that
        is 0.  Learns the cluster's fsid on the way."""
        timeout = self.timeout or probe.TIMEOUT
        try:
            self._fsid = probe.run(__name__, {
                'conffile': self.ceph_conf, 'user': self.user or '',
                'pool': self.pool}, timeout)
        except probe.Unusable as e:
            return ('pool %r of the Ceph cluster in %s, as user %s, cannot '
                    'be opened (%s)' % (
                        self.pool, self.ceph_conf or 'the default ceph.conf',
                        self.user or 'admin', e))
        return None

    # -- in ---------------------------------------------------------------

    def add(self, image_id, reader, size=None):
        if not ids.is_uuid(image_id):
            raise exception.InvalidParameterValue(
                value=image_id, param='image_id', extra='not a UUID')
        partial = base.partial_name(image_id)
        with self._pool() as ioctx:
            self._check_absent(ioctx, image_id)
            offload.call(self.rbd.RBD().create, ioctx, partial, size or 0,
                         order=self.order, old_format=False,
                         features=FEATURE_LAYERING)
            try:
                written = self._write(ioctx, partial, reader)
                self._publish(ioctx, partial, image_id)
            except BaseException:
                self._remove_quietly(ioctx, partial)
                raise
        return base.StoredImage(
            Location.uri(self._fsid, self.pool, image_id, SNAPSHOT),
            written)

    def _check_absent(self, ioctx, image_id):
        try:
            offload.call(self.rbd.Image, ioctx, image_id,
                         read_only=True).close()
        except self.rbd.ImageNotFound:
            return
        raise self._duplicate(image_id)

    def _write(self, ioctx, name, reader):
        """Write what ``reader`` yields, an object at a time, with up to
        WRITES_IN_FLIGHT writes under way while the next object is read;
        its size."""
        try:
            image = offload.call(self.rbd.Image, ioctx, name)
        except self.rbd.ImageNotFound:
            raise exception.UploadCancelled() from None
        # Object buffers: one read into while the others are written; each
        # is handed to librbd as it is (no copy into bytes) and read into
        # again once its write is complete.
        free, pending = [], collections.deque()
        try:
            capacity = offload.call(image.size)
            written = 0
            while True:
                buffer = free.pop() if free else bytearray(self.chunk_size)
                count = streams.fill(reader, memoryview(buffer))
                if not count:
                    break
                end = written + count
                if end > capacity:
                    capacity = max(end, 2 * capacity)
                    offload.call(image.resize, capacity)
                chunk = buffer if count == len(buffer) else \
                    bytes(buffer[:count])
                if self.thin and chunk == self._zeros[:count]:
                    free.append(buffer)
                else:
                    pending.append((offload.call(
                        image.aio_write, chunk, written, _ignore), buffer))
                    if len(pending) >= WRITES_IN_FLIGHT:
                        completion, done = pending.popleft()
                        _check_written(completion)
                        free.append(done)
                written = end
                if count < len(buffer):
                    break
            while pending:
                _check_written(pending.popleft()[0])
            if capacity != written:
                offload.call(image.resize, written)
            offload.call(image.flush)
            return written
        finally:
            offload.call(image.close)

    def _publish(self, ioctx, partial, image_id):
        """Snapshot and protect ``partial``, then give it the image id."""
        image = offload.call(self.rbd.Image, ioctx, partial)
        try:
            offload.call(image.create_snap, SNAPSHOT)
            offload.call(image.protect_snap, SNAPSHOT)
        finally:
            offload.call(image.close)
        try:
            offload.call(self.rbd.RBD().rename, ioctx, partial, image_id)
        except self.rbd.ImageExists:
            raise self._duplicate(image_id) from None
        except self.rbd.ImageNotFound:
            raise exception.UploadCancelled() from None

    @staticmethod
    def _duplicate(image_id):
        return exception.Duplicate(
            'Image %s already has data in the rbd store.' % image_id)

    # -- out --------------------------------------------------------------

    def get(self, uri, offset=0, length=None):
        location = self._location(uri)
        cluster = self._cluster()
        ioctx = image = None
        try:
            ioctx = self._ioctx(cluster, location.pool or self.pool)
            with self._errors():
                image = offload.call(self.rbd.Image, ioctx, location.image,
                                     snapshot=location.snapshot,
                                     read_only=True)
                image_size = offload.call(image.size)
        except BaseException:
            _close(image, ioctx, cluster)
            raise
        if (offset < 0 or offset > image_size
                or (length is not None and length < 0)):
            _close(image, ioctx, cluster)
            raise exception.InvalidRange()
        available = image_size - offset
        size = available if length is None else min(length, available)
        chunks = self._read(image, offset, size)

        def close():
            # A WSGI server closes the body, not the generator: end the
            # reads under way before the image goes.
            chunks.close()
            _close(image, ioctx, cluster)

        return base.ImageData(chunks, size, close)

    def _read(self, image, offset, size):
        """The bytes from ``offset``, ``size`` of them, an object at a time,
        with up to READS_IN_FLIGHT reads under way while one is sent: one
        read at a time would leave the client waiting on every round trip
        to the OSDs."""
        end = offset + size
        pending = collections.deque()
        try:
            while offset < end or pending:
                while offset < end and len(pending) < READS_IN_FLIGHT:
                    length = min(self.chunk_size, end - offset)
                    pending.append(self._start_read(image, offset, length))
                    offset += length
                yield self._finish_read(*pending.popleft())
        finally:
            # librbd calls back into what the image holds: close it only
            # once nothing is under way (a client that went away early).
            for completion, _data, _length in pending:
                offload.call(completion.wait_for_complete_and_cb)

    def _start_read(self, image, offset, length):
        """An aio_read under way: (completion, where its bytes land, the
        length asked for)."""
        data = []
        with self._errors():
            completion = offload.call(
                image.aio_read, offset, length,
                lambda _completion, read: data.append(read))
        return completion, data, length

    def _finish_read(self, completion, data, length):
        """The bytes of a read _start_read began, once it is complete."""
        offload.call(completion.wait_for_complete_and_cb)
        result = completion.get_return_value()
        if result < 0:
            raise self._unavailable('a read failed', os.strerror(-result))
        if result < length or not data or len(data[0]) < length:
            raise exception.StoreUnavailable(
                reason='the RBD image shrank while it was being read')
        return data[0]

    def get_size(self, uri):
        location = self._location(uri)
        with self._pool(location.pool) as ioctx:
            image = offload.call(self.rbd.Image, ioctx, location.image,
                                 snapshot=location.snapshot, read_only=True)
            try:
                return offload.call(image.size)
            finally:
                offload.call(image.close)

    # -- removal ----------------------------------------------------------

    def delete(self, uri):
        location = self._location(uri)
        with self._pool(location.pool) as ioctx:
            self._remove_image(ioctx, location.image, location.snapshot)

    def check_deletable(self, uri):
        location = self._location(uri)
        if not location.snapshot:
            return
        with self._pool(location.pool) as ioctx:
            image = offload.call(self.rbd.Image, ioctx, location.image,
                                 snapshot=location.snapshot, read_only=True)
            try:
                clones = offload.call(lambda: list(image.list_children2()))
            finally:
                offload.call(image.close)
        if clones:
            raise exception.InUseByStore(reason='%d clones of the RBD '
                                         'snapshot %s@%s exist' % (
                                             len(clones), location.image,
                                             location.snapshot))

    def _remove_image(self, ioctx, name, snapshot):
        """Unprotect and remove ``snapshot``, then the image ``name``.

        InUseByStore while clones of the snapshot exist or another client
        has the image open; NotFound if there is no such image.
        """
        if snapshot:
            image = offload.call(self.rbd.Image, ioctx, name)
            try:
                if offload.call(image.snap_exists, snapshot):
                    if offload.call(image.is_protected_snap, snapshot):
                        offload.call(image.unprotect_snap, snapshot)
                    offload.call(image.remove_snap, snapshot)
            except self.rbd.ImageBusy:
                raise exception.InUseByStore(
                    reason='the RBD snapshot %s@%s has clones' % (
                        name, snapshot)) from None
            finally:
                offload.call(image.close)
        try:
            offload.call(self.rbd.RBD().remove, ioctx, name)
        except (self.rbd.ImageBusy, self.rbd.ImageHasSnapshots) as e:
            raise exception.InUseByStore(
                reason='the RBD image %s is open or has snapshots (%s)'
                % (name, e)) from None

    def purge(self, image_id):
        """The names removed: ``image_id``'s partial images and image."""
        if not ids.is_uuid(image_id):
            raise exception.InvalidParameterValue(
                value=image_id, param='image_id', extra='not a UUID')
        removed = []
        try:
            with self._pool() as ioctx:
                for name in offload.call(self.rbd.RBD().list, ioctx):
                    match = base.PARTIAL_NAME.fullmatch(name)
                    if name == image_id or (match and
                                            match['owner'] == image_id):
                        try:
                            self._remove_image(ioctx, name, SNAPSHOT)
                        except exception.NotFound:
                            continue
                        removed.append(name)
        except (exception.InUseByStore, exception.StoreUnavailable,
                exception.StorageWriteDenied) as e:
            raise exception.StoreDeleteFailed(reason=str(e)) from e
        if removed:
            LOG.info('Removed the RBD images of image %s: %s', image_id,
                     ', '.join(removed))
        return removed

    def clean_stale_partials(self, older_than_seconds):
        """Remove partial images not modified for ``older_than_seconds``
        (librbd updates the time at most once a minute).  Returns their
        names."""
        cutoff = time.time() - older_than_seconds
        removed = []
        try:
            with self._pool() as ioctx:
                for name in offload.call(self.rbd.RBD().list, ioctx):
                    if not base.PARTIAL_NAME.fullmatch(name):
                        continue
                    try:
                        if self._modified(ioctx, name) < cutoff:
                            self._remove_image(ioctx, name, SNAPSHOT)
                            removed.append(name)
                    except exception.GlanceException as e:
                        LOG.warning('Could not remove the partial RBD image '
                                    '%s: %s', name, e)
        except exception.GlanceException as e:
            LOG.warning('Could not look for stale partial RBD images: %s', e)
        if removed:
            LOG.info('Removed %d stale partial RBD images from pool %s: %s',
                     len(removed), self.pool, ', '.join(removed))
        return removed

    def _modified(self, ioctx, name):
        image = offload.call(self.rbd.Image, ioctx, name, read_only=True)
        try:
            return offload.call(image.modify_timestamp).timestamp()
        finally:
            offload.call(image.close)

    def _remove_quietly(self, ioctx, name):
        """Remove a failed upload's partial image while handling another
        error, which must win."""
        try:
            self._remove_image(ioctx, name, SNAPSHOT)
        except Exception as e:
            LOG.warning('Could not remove the partial RBD image %s (it goes '
                        'when its image is deleted, or with stale partial '
                        'data): %s', name, e)

    def _location(self, uri):
        location = Location(uri)
        if self._fsid is None:
            offload.call(self._cluster().shutdown)
        if location.fsid is not None and location.fsid != self._fsid:
            raise exception.BadStoreUri(
                'The RBD location is on another Ceph cluster (fsid %s, '
                'this store\'s is %s).' % (location.fsid, self._fsid))
        return location


def _ignore(completion):
    """An aio_write callback: the writer waits for its completion."""


def _check_written(completion):
    """Wait for an aio_write; its failure as the store's exception."""
    offload.call(completion.wait_for_complete_and_cb)
    result = completion.get_return_value()
    if result >= 0:
        return
    reason = os.strerror(-result)
    if -result in (errno.ENOSPC, errno.EDQUOT):
        raise exception.StorageFull(
            'The Ceph cluster has no room for the image: %s' % reason)
    if -result in (errno.EACCES, errno.EPERM):
        raise exception.StorageWriteDenied(
            'The rbd store user may not write: %s' % reason)
    raise exception.StoreUnavailable(
        reason='Ceph cluster: a write failed (%s)' % reason)


def _rados_handle(rados, conffile, user, timeout):
    """An unconnected rados.Rados for the store's options."""
    conf = {}
    if timeout:
        # Rados.connect's own timeout argument does nothing in librados 16:
        # client_mount_timeout bounds the connection.
        conf = {option: str(timeout) for option in (
            'client_mount_timeout', 'rados_mon_op_timeout',
            'rados_osd_op_timeout')}
    return rados.Rados(conffile=conffile or None, rados_id=user or None,
                       conf=conf)


def check(settings):
    """In the process check_backend starts: connect as the store does,
    open the pool; the cluster's fsid."""
    rados, _rbd = _bindings()
    cluster = _rados_handle(rados, settings['conffile'], settings['user'],
                            settings['timeout'])
    try:
        cluster.connect()
        cluster.open_ioctx(settings['pool']).close()
        return cluster.get_fsid()
    except rados.Error as e:
        raise probe.Unusable('%s: %s' % (type(e).__name__, e)) from None
    finally:
        cluster.shutdown()


def _close(image, ioctx, cluster):
    """Close what get() opened, the image first."""
    if image is not None:
        offload.call(image.close)
    if ioctx is not None:
        ioctx.close()
    offload.call(cluster.shutdown)
