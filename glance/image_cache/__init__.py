"""The image cache: copies of image data on this node's disk, so that
glance-api serves downloads without reading the store again.

Layout of ``image_cache_dir`` (Glance's, plus the reservations):

| path | what |
|---|---|
| ``<image_id>`` | a complete entry: its size and checksum were verified before it got this name |
| ``incomplete/<image_id>`` | an entry being filled; its writer holds an exclusive flock on it (glance.image_cache.fill) |
| ``incomplete/<image_id>.reserved`` | the bytes reserved for that fill: a sparse file of that length |
| ``invalid/<image_id>`` | a fill whose data did not match the image's checksum, kept for inspection until the cleaner runs |
| ``queue/<image_id>`` | an image queued for caching (prefetcher, ``PUT /v2/cache/{id}``) |
| ``.lock`` | serialises claims, evictions and publications between processes |

The size bound is hard: before a fill writes anything, its image's size is
reserved under ``.lock``, least recently used entries being evicted to make
room; an image that cannot fit is served without being cached.  Complete
entries plus reservations never exceed ``image_cache_max_size``.

What the driver (``image_cache_driver``) records besides the files: hits,
last access, checksum, and for centralized_db which node holds what.
"""

import contextlib
import errno
import fcntl
import logging
import os
import threading
import time

from oslo_config import cfg

from glance.common import exception
from glance.common import ids
from glance.image_cache import drivers
from glance.image_cache import fill
from glance.image_cache.drivers import base as driver_base
from glance.store import base as store_base

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

INCOMPLETE, INVALID, QUEUE = 'incomplete', 'invalid', 'queue'
LOCK_FILE = '.lock'
# How long a claim waits between tries for .lock, held for microseconds.
LOCK_POLL_SECONDS = 0.001

OPTS = [
    cfg.StrOpt('image_cache_dir',
               help='Directory of the image cache.  Required by the cache '
                    'and cachemanage filters (the caching and '
                    'cachemanagement flavors) and by the glance-cache-* '
                    'tools; when set, the v2 cache API (/v2/cache) is '
                    'served too.'),
    cfg.IntOpt('image_cache_max_size', default=10 * 1024 ** 3, min=0,
               help='Most bytes the image cache holds, entries being '
                    'filled included: room is made before a fill by '
                    'evicting the least recently used entries, and an '
                    'image that cannot fit is served without being '
                    'cached.'),
    cfg.IntOpt('image_cache_stall_time', default=86400, min=0,
               help='Seconds after which a fill that has written nothing '
                    'is stalled; the cleaner removes it.  Fills whose '
                    'process died are removed whatever their age.'),
    cfg.StrOpt('image_cache_driver', default='sqlite',
               choices=[
                   ('sqlite', 'records in a SQLite file of the cache '
                              'directory (image_cache_sqlite_db)'),
                   ('xattr', 'records in extended attributes of the cached '
                             'files; the filesystem must support user '
                             'xattrs'),
                   ('centralized_db', 'records in the image database, per '
                                      'node (worker_self_reference_url); '
                                      'not with data_api = '
                                      'glance.db.registry.api')],
               help='Where the image cache records hits, last accesses '
                    'and checksums of its entries.'),
    cfg.StrOpt('image_cache_sqlite_db', default='cache.db',
               help='File of the sqlite cache driver, relative to '
                    'image_cache_dir.'),
]

CONF.register_opts(OPTS)


class ImageCache:
    """The cache in ``conf.image_cache_dir`` (see the module doc)."""

    def __init__(self, conf):
        conf.register_opts(OPTS)
        if not conf.image_cache_dir:
            raise exception.ConfigError(
                'The image cache needs image_cache_dir: the directory it '
                'keeps images in.')
        self.directory = os.path.abspath(conf.image_cache_dir)
        self.max_size = conf.image_cache_max_size
        self.stall_time = conf.image_cache_stall_time
        try:
            for sub in (INCOMPLETE, INVALID, QUEUE):
                os.makedirs(os.path.join(self.directory, sub), exist_ok=True)
        except OSError as error:
            raise exception.ConfigError(
                'image_cache_dir %s cannot be used: %s'
                % (self.directory, error.strerror))
        self.driver = drivers.load(conf, self.directory)
        self.remove_leftovers()

    # -- paths ------------------------------------------------------------

    def _path(self, image_id, sub=''):
        if not ids.is_uuid(image_id):
            raise exception.ImageNotFound(image_id=image_id)
        return os.path.join(self.directory, sub, image_id)

    @contextlib.contextmanager
    def _locked(self):
        """Hold ``.lock``, waiting without blocking the process (green
        threads) for the microseconds another holder keeps it."""
        fd = os.open(os.path.join(self.directory, LOCK_FILE),
                     os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(LOCK_POLL_SECONDS)
            yield
        finally:
            os.close(fd)

    def _complete_files(self):
        """{image_id: stat} of the complete entries."""
        files = {}
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if ids.is_uuid(entry.name):
                    with contextlib.suppress(FileNotFoundError):
                        files[entry.name] = entry.stat()
        return files

    def _reserved_bytes(self):
        total = 0
        with os.scandir(os.path.join(self.directory, INCOMPLETE)) as entries:
            for entry in entries:
                if entry.name.endswith(fill.RESERVED_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        total += entry.stat().st_size
        return total

    # -- reading ----------------------------------------------------------

    def is_cached(self, image_id):
        return os.path.exists(self._path(image_id))

    def open(self, image_id, offset=0, length=None):
        """ImageData of ``length`` bytes from ``offset`` of a complete
        entry, counted as a hit; None when it is not cached."""
        try:
            data = store_base.FileImageData(self._path(image_id), offset,
                                            length)
        except FileNotFoundError:
            return None
        try:
            self.driver.touch(image_id, time.time())
        except Exception:
            LOG.exception('Hit on image %s not recorded', image_id)
        return data

    def fill(self, image_id, size, checksum, read_store, wait=False):
        """The whole image ``image_id`` while the cache fills its entry:
        its entry if complete meanwhile, else an ImageData following the
        fill (this call starts one unless one is running).  None when the
        image cannot be cached (no room, size unknown): read the store.

        ``read_store(offset)`` is an ImageData of the image from
        ``offset``.  ``wait``: fill in this thread and return once done
        (the prefetcher); the answer is then whether it is cached.
        """
        for _ in range(3):
            claim = self._claim(image_id, size)
            if claim is None:
                return None
            if isinstance(claim, fill.Writer):
                run = lambda: claim.run(  # noqa: E731
                    read_store(0), size, checksum, self._publish,
                    self._path(image_id, INVALID))
                if wait:
                    return run()
                threading.Thread(target=run, daemon=True,
                                 name='cache-fill-' + image_id).start()
            elif wait:
                return None  # someone else is filling it
            hit = self.open(image_id)
            if hit is not None:
                return hit
            try:
                return fill.Follower(self._path(image_id, INCOMPLETE),
                                     self._path(image_id), size, read_store)
            except FileNotFoundError:
                continue  # published or failed meanwhile: look again
        return None

    def _claim(self, image_id, size):
        """A Writer for a new fill of ``image_id``; True when one is
        running or the entry is complete; None when it cannot be cached."""
        if not size:
            return None
        path = self._path(image_id, INCOMPLETE)
        with self._locked():
            if self.is_cached(image_id) or fill.writer_alive(path):
                return True
            self._remove_fill(path)
            if not self._make_room(size):
                return None
            return fill.Writer.create(path, size)

    def _make_room(self, size):
        """Evict least recently used entries until ``size`` more bytes fit
        (under .lock); False if they cannot."""
        if size > self.max_size:
            return False
        return self._evict_until(size) is not None

    def _evict_until(self, extra):
        """Under .lock: evict least recently used entries until the cache
        and its reservations hold ``extra`` bytes less than the bound; the
        ids evicted, None if even an empty cache would not do."""
        files = self._complete_files()
        used = sum(stat.st_size for stat in files.values()) + \
            self._reserved_bytes()
        evicted = []
        if used + extra > self.max_size:
            for entry in sorted(self.driver.entries(files).values(),
                                key=lambda entry: entry.last_accessed):
                if used + extra <= self.max_size:
                    break
                self._evict(entry.image_id)
                used -= entry.size
                evicted.append(entry.image_id)
                LOG.info('Evicted image %s from the cache to make room',
                         entry.image_id)
        return evicted if used + extra <= self.max_size else None

    def _publish(self, writer):
        """Give a verified fill its final name, recorded first: a crash
        in between leaves a record without a file, which listings drop."""
        image_id = os.path.basename(writer.path)
        with self._locked():
            if not fill.same_file(writer.fd, writer.path):
                LOG.warning('Fill of image %s was removed as stalled; not '
                            'cached', image_id)
                return False
            stat = os.fstat(writer.fd)
            try:
                self.driver.record(driver_base.Entry(
                    image_id=image_id, size=stat.st_size,
                    last_modified=stat.st_mtime,
                    last_accessed=stat.st_mtime, checksum=writer.checksum),
                    writer.path)
            except Exception:
                LOG.exception('Cached image %s not recorded by the driver',
                              image_id)
            # The reservation becomes the entry: never both counted.
            writer.drop_reservation()
            os.rename(writer.path, self._path(image_id))
            self.dequeue(image_id)
        LOG.info('Image %s cached (%d bytes)', image_id, stat.st_size)
        return True

    # -- management -------------------------------------------------------

    def entries(self):
        """The complete entries (driver_base.Entry), oldest access first."""
        entries = self.driver.entries(self._complete_files())
        return sorted(entries.values(), key=lambda e: e.last_accessed)

    def size(self):
        return sum(stat.st_size for stat in self._complete_files().values())

    def nodes(self, image_id):
        self._path(image_id)
        return self.driver.nodes(image_id)

    def evict(self, image_id):
        """Remove the entry of ``image_id``; whether there was one."""
        with self._locked():
            return self._evict(image_id)

    def _evict(self, image_id):
        try:
            os.unlink(self._path(image_id))
            removed = True
        except FileNotFoundError:
            removed = False
        self.driver.forget(image_id)
        return removed

    def evict_all(self):
        with self._locked():
            return sum(self._evict(image_id)
                       for image_id in self._complete_files())

    def queued(self):
        return sorted(name for name in os.listdir(
            os.path.join(self.directory, QUEUE)) if ids.is_uuid(name))

    def queue(self, image_id):
        """Queue ``image_id`` for caching; False if it is cached already."""
        if self.is_cached(image_id):
            return False
        with open(self._path(image_id, QUEUE), 'wb'):
            pass
        return True

    def dequeue(self, image_id):
        try:
            os.unlink(self._path(image_id, QUEUE))
            return True
        except FileNotFoundError:
            return False

    def dequeue_all(self):
        return sum(self.dequeue(image_id) for image_id in self.queued())

    # -- upkeep (the cleaner, the pruner, start-up) ------------------------

    def _remove_fill(self, path):
        for leftover in (path, path + fill.RESERVED_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)

    def remove_leftovers(self, stall_time=None):
        """Remove what dead fills left in incomplete/, and with
        ``stall_time`` fills that wrote nothing for that many seconds;
        the names removed."""
        removed = []
        directory = os.path.join(self.directory, INCOMPLETE)
        now = time.time()
        with self._locked():
            for name in os.listdir(directory):
                path = os.path.join(directory, name)
                if ids.is_uuid(name):
                    stalled = stall_time is not None and \
                        _age(path, now) > stall_time
                    if stalled or not fill.writer_alive(path):
                        self._remove_fill(path)
                        removed.append(name)
                elif name.endswith(fill.TEMPORARY_SUFFIX) or (
                        name.endswith(fill.RESERVED_SUFFIX) and
                        not os.path.exists(path[:-len(
                            fill.RESERVED_SUFFIX)])):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
        if removed:
            LOG.info('Removed unfinished cache fills of %s',
                     ', '.join(removed))
        return removed

    def clean(self):
        """The cleaner: dead and stalled fills, invalid files; the names
        removed."""
        removed = self.remove_leftovers(self.stall_time)
        directory = os.path.join(self.directory, INVALID)
        for name in os.listdir(directory):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
            removed.append(name)
        return removed

    def prune(self):
        """The pruner: evict least recently used entries until the cache
        is within image_cache_max_size (after the limit was lowered);
        the image ids evicted."""
        with self._locked():
            return self._evict_until(0) or []

def _age(path, now):
    try:
        return now - os.stat(path).st_mtime
    except OSError as error:
        if error.errno == errno.ENOENT:
            return 0
        raise
