"""Filling one cache entry: one writer, any number of readers following it.

The writer of ``incomplete/<id>`` holds an exclusive flock on it while it
streams the image from its store into the file, so every process on the
node can tell a live fill from a dead one (a process killed mid-fill
leaves an unlocked file, never a complete-looking entry).  It verifies the
size and checksum, makes the file durable and publishes it under its final
name; only then is it an entry.

Readers of a miss, the request that started the fill included, follow the
file as it grows, each at its own pace: a slow client holds back nobody,
and one backend read serves them all.  A reader whose writer fails reads
the rest from the store from where it was.
"""

import contextlib
import fcntl
import hashlib
import logging
import os
import time
import uuid

from glance.common import exception
from glance.store import base as store_base

LOG = logging.getLogger(__name__)

RESERVED_SUFFIX = '.reserved'
TEMPORARY_SUFFIX = '.tmp'
# How long a reader waits for the writer between looks at the file.
FOLLOW_POLL_SECONDS = 0.002
FOLLOW_POLL_MAX_SECONDS = 0.05

WRITING, PUBLISHED, FAILED = 'writing', 'published', 'failed'


def is_locked(fd):
    """Whether another open file holds an exclusive flock on ``fd``'s
    file: a writer alive."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def writer_alive(path):
    """Whether a live writer holds ``path``; False if it is gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        return is_locked(fd)
    finally:
        os.close(fd)


def same_file(fd, path):
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


class Writer:
    """The claim on ``incomplete/<id>``: made by create(), ended by run()
    or abandon()."""

    def __init__(self, fd, path, reserved_path):
        self.fd = fd
        self.path = path
        self.reserved_path = reserved_path
        self.checksum = None

    @classmethod
    def create(cls, path, size):
        """Claim ``path`` (which must not exist) with ``size`` bytes
        reserved.  The file appears already locked: it is created and
        locked under a temporary name, then linked to ``path``."""
        temporary = '%s.%s%s' % (path, uuid.uuid4().hex, TEMPORARY_SUFFIX)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            reserved = path + RESERVED_SUFFIX
            with open(reserved, 'wb') as f:
                f.truncate(size)
            os.link(temporary, path)
        except BaseException:
            os.close(fd)
            raise
        finally:
            os.unlink(temporary)
        return cls(fd, path, reserved)

    def run(self, source, size, checksum, publish, invalid_path):
        """Write ``source`` (an ImageData), check it is ``size`` bytes with
        md5 ``checksum`` (if known), make it durable and ``publish(self)``.
        Never raises: a failed fill is logged and leaves nothing."""
        digest = hashlib.md5(usedforsecurity=False)
        written = 0
        try:
            with source:
                for chunk in source:
                    written += len(chunk)
                    if written > size:
                        raise exception.StoreUnavailable(
                            reason='the store has more than the image size')
                    _write_all(self.fd, chunk)
                    digest.update(chunk)
            if written != size:
                raise exception.StoreUnavailable(
                    reason='the store has %d of the %d bytes' % (written,
                                                                  size))
            if checksum and digest.hexdigest() != checksum:
                LOG.error('Image %s not cached: its data has checksum %s, '
                          'not %s; kept in %s', os.path.basename(self.path),
                          digest.hexdigest(), checksum, invalid_path)
                os.rename(self.path, invalid_path)
                return False
            os.fsync(self.fd)
            self.checksum = digest.hexdigest()
            return publish(self)
        except Exception as error:
            LOG.warning('Image %s not cached: %s',
                        os.path.basename(self.path), error)
            with contextlib.suppress(FileNotFoundError):
                if same_file(self.fd, self.path):
                    os.unlink(self.path)
            return False
        finally:
            self.release()

    def abandon(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.release()

    def drop_reservation(self):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.reserved_path)

    def release(self):
        self.drop_reservation()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Follower(store_base.ImageData):
    """The ``size`` bytes of an entry being written at ``path``, yielded
    as the writer writes them; ``final_path`` is where it publishes them,
    ``read_store(offset)`` an ImageData of the image from ``offset``, for
    when the writer fails.

    Raises FileNotFoundError when the fill is already over (published or
    failed): the caller looks again.
    """

    def __init__(self, path, final_path, size, read_store,
                 chunk_size=store_base.READ_CHUNK_SIZE):
        self._fd = os.open(path, os.O_RDONLY)
        self._final_path = final_path
        self._read_store = read_store
        self._chunk_size = chunk_size
        super().__init__(self._chunks(), size, self._close_fd)

    def _close_fd(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _state(self):
        if is_locked(self._fd):
            return WRITING
        return PUBLISHED if same_file(self._fd, self._final_path) \
            else FAILED

    def _chunks(self):
        position, wait = 0, FOLLOW_POLL_SECONDS
        while position < self.size:
            chunk = os.pread(self._fd, min(self._chunk_size,
                                           self.size - position), position)
            if chunk:
                position += len(chunk)
                wait = FOLLOW_POLL_SECONDS
                yield chunk
                continue
            state = self._state()
            if state == WRITING:
                time.sleep(wait)
                wait = min(wait * 2, FOLLOW_POLL_MAX_SECONDS)
            elif state == PUBLISHED:
                # The writer wrote its last bytes before publishing: any
                # still unread are there now.
                if not os.pread(self._fd, 1, position):
                    raise exception.StoreUnavailable(
                        reason='the cached file is shorter than the image')
            else:
                with self._read_store(position) as rest:
                    for chunk in rest:
                        position += len(chunk)
                        yield chunk
                break
        self.close()
