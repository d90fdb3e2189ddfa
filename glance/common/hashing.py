"""Hash an upload while it streams to a store, and enforce its size.

Uploads are bound by hashing (md5 plus sha512 cost about 2.5 CPU seconds a
GiB), so the rest of an upload must cost little next to it.  hashlib
releases the GIL on large buffers, so each algorithm gets its own worker
fed through a queue, while the request's thread reads the body and writes
it to the store: on two cores that nearly doubles throughput over hashing
in the request thread.  Chunks of 4 MiB amortise each hand-off between
threads.

The body is read into a ring of ``depth + 1`` chunk buffers, allocated once
per upload, with the source's ``readinto`` where it has one (glance-api's
server gives ``wsgi.input`` one): the bytes go from the socket straight to
the ring, and nothing is allocated per chunk.  A buffer is read into again
once every worker has hashed it, so a worker lags at most ``depth`` chunks
behind the reader, and memory stays bounded whatever the image size: the
ring, plus what the caller reads into.

Under eventlet with monkey patching, ``threading`` and ``queue`` are green:
a worker is a green thread that hands each ``update`` to a native thread
through ``eventlet.tpool`` (see glance.common.offload), so the hub keeps
serving, and because a worker has one update in flight at a time its hasher
sees the chunks in order.  Without eventlet (gunicorn, uWSGI threads) the
workers are plain threads calling hashlib directly.
"""

import hashlib
import queue
import sys
import threading

from glance.common import exception
from glance.common import offload
from glance.common import streams

CHUNK_SIZE = 4 * 1024 * 1024
DEPTH = 3

_END = None


def _disconnect_errors():
    """What a WSGI input raises when the client stops sending.

    eventlet.wsgi raises socket timeouts (OSError); an eventlet.Timeout that
    the server or a middleware set around the request also ends it.
    """
    eventlet_timeout = sys.modules.get('eventlet.timeout')
    if eventlet_timeout is None:
        return (OSError,)
    return (OSError, eventlet_timeout.Timeout)


def _new_hasher(algorithm):
    try:
        hasher = hashlib.new(algorithm, usedforsecurity=False)
    except (ValueError, TypeError):
        hasher = None
    if hasher is None or hasher.digest_size == 0:
        raise exception.ConfigError(
            'Hashing algorithm %r is not a fixed-length hashlib algorithm '
            'available here (choose e.g. sha256 or sha512)' % algorithm)
    return hasher


class _HashWorker:
    """One hasher fed chunks in order by its own thread, counting those
    it is done with, so the reader knows which buffers it may reuse."""

    def __init__(self, algorithm):
        self._hasher = _new_hasher(algorithm)
        self._queue = queue.Queue()
        self._done = 0
        self._progress = threading.Condition()
        self._abandoned = False
        self._error = None
        self._thread = threading.Thread(
            target=self._run, name='hash-%s' % algorithm, daemon=True)
        self._thread.start()

    def feed(self, chunk):
        """Queue ``chunk``, which must not change until it is done."""
        self._queue.put(chunk)

    def wait_done(self, count):
        """Wait until the first ``count`` chunks fed are hashed (or
        dropped)."""
        with self._progress:
            self._progress.wait_for(lambda: self._done >= count)

    def stop(self):
        """Wait until every queued chunk is hashed and the thread ends."""
        self._queue.put(_END)
        self._thread.join()

    def abandon(self):
        """Drop the queued chunks unhashed and end the thread."""
        self._abandoned = True
        self.stop()

    def hexdigest(self):
        """The digest, once stopped; re-raises an error of the hashing."""
        if self._error is not None:
            raise self._error
        return self._hasher.hexdigest()

    def _run(self):
        # Keep draining after a failure: the reader may wait in wait_done().
        while True:
            chunk = self._queue.get()
            if chunk is _END:
                return
            if not (self._abandoned or self._error is not None):
                try:
                    offload.call(self._hasher.update, chunk)
                except Exception as e:
                    self._error = e
            with self._progress:
                self._done += 1
                self._progress.notify_all()


class HashingReader:
    """A file-like reader over a request body that hashes and counts it.

    ``source`` is a WSGI input: anything with ``readinto(b)`` or
    ``read(n)``.  A store driver calls ``readinto(b)`` until it returns 0,
    or ``read(n)`` until it returns b''; then the upload path calls
    ``finish()`` for the size and digests.  On any failure call ``abort()``
    (or use the reader as a context manager): errors raised by a read
    abort it already.

    The source is read ``chunk_size`` bytes at a time into a ring of
    ``depth + 1`` buffers; a hash worker may lag ``depth`` chunks behind
    before a read waits for it.

    ``inspect(chunk)``, if given, sees each chunk (a buffer valid during
    the call only) before any of it is hashed or handed on; what it raises
    ends the read.

    A read raises, before handing on any byte beyond the limit:
    ImageSizeLimitExceeded once more than ``size_cap`` bytes arrive;
    BadRequest once more than ``expected_size`` bytes arrive;
    ClientDisconnect when the body ends short of ``expected_size`` or the
    connection fails or times out; BadRequest when the body is malformed
    (e.g. bad chunked encoding).
    """

    def __init__(self, source, expected_size=None, size_cap=None,
                 algorithms=('md5', 'sha512'), chunk_size=CHUNK_SIZE,
                 depth=DEPTH, inspect=None):
        if (expected_size is not None and size_cap is not None
                and expected_size > size_cap):
            raise exception.ImageSizeLimitExceeded(
                'The declared image size of %d bytes exceeds the limit of '
                '%d bytes.' % (expected_size, size_cap))
        if depth < 1:
            raise ValueError('depth must be at least 1')
        self._source = source
        self._inspect = inspect
        self._expected_size = expected_size
        self._size_cap = size_cap
        self._chunk_size = chunk_size
        self._disconnect_errors = _disconnect_errors()
        limits = [n for n in (expected_size, size_cap) if n is not None]
        self._limit = min(limits) if limits else None
        self.size = 0
        self._ring = []
        self._ring_size = depth + 1
        self._chunks_fed = 0
        self._chunk = memoryview(b'')
        self._position = 0
        self._eof = False
        self._done = False
        self._workers = []
        try:
            for algorithm in algorithms:
                self._workers.append(_HashWorker(algorithm))
        except BaseException:
            self.abort()
            raise

    def readinto(self, buffer):
        """Copy up to len(buffer) bytes of the body into ``buffer``; how
        many, 0 once the body is complete."""
        view = memoryview(buffer).cast('B')
        piece = self._next_piece(len(view))
        view[:len(piece)] = piece
        return len(piece)

    def read(self, size):
        """Up to ``size`` (> 0) bytes of the body; b'' once it is complete."""
        return bytes(self._next_piece(size))

    def finish(self):
        """``(size, hexdigest per algorithm...)`` once the body was read.

        With the default algorithms: ``(size, md5_hex, sha512_hex)``.
        """
        if self._done:
            raise RuntimeError('finish() called after abort() or finish()')
        if not (self._eof and self._position == len(self._chunk)):
            raise RuntimeError('finish() called before the body was read')
        self._done = True
        for worker in self._workers:
            worker.stop()
        return (self.size,) + tuple(w.hexdigest() for w in self._workers)

    def abort(self):
        """Stop the hash workers, dropping what they have not hashed."""
        if self._done:
            return
        self._done = True
        for worker in self._workers:
            worker.abandon()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.abort()

    def _next_piece(self, size):
        """A view of the next ``size`` bytes at most of the current chunk,
        read from the source once the chunk is used up."""
        if self._position == len(self._chunk) and not self._eof:
            try:
                self._chunk = self._next_chunk()
            except BaseException:
                self.abort()
                raise
            self._position = 0
        start = self._position
        self._position = min(start + size, len(self._chunk))
        return self._chunk[start:self._position]

    def _next_chunk(self):
        """Fill a ring buffer from the source, check it, queue it to hash."""
        want = self._chunk_size
        if self._limit is not None:
            # One byte past the limit is enough to know it was exceeded.
            want = min(want, self._limit - self.size + 1)
        view = self._free_buffer(want)
        received = 0
        while received < want:
            count = self._read_source(view[received:])
            if not count:
                self._eof = True
                break
            received += count
        chunk = view[:received]
        self.size += received
        self._check_size()
        if received:
            if self._inspect is not None:
                self._inspect(chunk)
            for worker in self._workers:
                worker.feed(chunk)
            self._chunks_fed += 1
        return chunk

    def _free_buffer(self, size):
        """``size`` bytes of the ring buffer for the next chunk, once every
        worker is done with the chunk it held before.

        Buffers are allocated at first use, of the size then wanted: a
        small image needs no more, and the size wanted never grows.
        """
        index = self._chunks_fed % self._ring_size
        if index == len(self._ring):
            self._ring.append(memoryview(bytearray(size)))
        else:
            for worker in self._workers:
                worker.wait_done(self._chunks_fed - self._ring_size + 1)
        return self._ring[index][:size]

    def _read_source(self, view):
        try:
            return streams.read_into(self._source, view)
        except exception.GlanceException:
            raise
        except self._disconnect_errors as e:
            raise exception.ClientDisconnect(
                'The client connection failed after %d bytes of image data: '
                '%s' % (self.size, str(e) or type(e).__name__)) from e
        except ValueError as e:
            raise exception.BadRequest(
                'The request body could not be read: %s' % e) from e

    def _check_size(self):
        if self._size_cap is not None and self.size > self._size_cap:
            raise exception.ImageSizeLimitExceeded(
                'The image data exceeds the limit of %d bytes.'
                % self._size_cap)
        if self._expected_size is None:
            return
        if self.size > self._expected_size:
            raise exception.BadRequest(
                'The request carries more image data than the declared size '
                'of %d bytes.' % self._expected_size)
        if self._eof and self.size < self._expected_size:
            raise exception.ClientDisconnect(
                'The client sent %d of the %d bytes of image data it '
                'declared.' % (self.size, self._expected_size))
