"""Hash an upload while it streams to a store, and enforce its size.

Uploads are bound by hashing (md5 plus sha512 cost about 2.5 CPU seconds a
GiB), not by the disk or the server.  hashlib releases the GIL on large
buffers, so each algorithm gets its own worker fed through a bounded queue a
few chunks deep, while the request's thread reads the body and writes it to
the store: on two cores that nearly doubles throughput over hashing in the
request thread.  Reads of 4 MiB amortise each hand-off between threads.

Under eventlet with monkey patching, ``threading`` and ``queue`` are green:
a worker is a green thread that hands each ``update`` to a native thread
through ``eventlet.tpool`` (see glance.common.offload), so the hub keeps
serving, and because a worker has one update in flight at a time its hasher
sees the chunks in order.  Without eventlet (gunicorn, uWSGI threads) the
workers are plain threads calling hashlib directly.

Memory stays bounded whatever the image size: the slowest worker holds at
most ``depth`` chunks (queued or being hashed), plus the chunk the caller is
consuming and the one being read.
"""

import hashlib
import queue
import sys
import threading

from glance.common import exception
from glance.common import offload

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
    """One hasher fed in order, through a bounded queue, by its own thread."""

    def __init__(self, algorithm, depth):
        self._hasher = _new_hasher(algorithm)
        # The chunk being hashed has left the queue: depth - 1 more may wait.
        self._queue = queue.Queue(maxsize=max(depth - 1, 1))
        self._abandoned = False
        self._error = None
        self._thread = threading.Thread(
            target=self._run, name='hash-%s' % algorithm, daemon=True)
        self._thread.start()

    def feed(self, chunk):
        """Queue ``chunk``; blocks while the worker is ``depth`` behind."""
        self._queue.put(chunk)

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
        # Keep draining after a failure: the reader may be blocked in feed().
        while True:
            chunk = self._queue.get()
            if chunk is _END:
                return
            if self._abandoned or self._error is not None:
                continue
            try:
                offload.call(self._hasher.update, chunk)
            except Exception as e:
                self._error = e


class HashingReader:
    """A file-like reader over a request body that hashes and counts it.

    ``source`` is a WSGI input (anything with ``read(n)``).  A store driver
    calls ``read(n)`` until it returns b''; then the upload path calls
    ``finish()`` for the size and digests.  On any failure call ``abort()``
    (or use the reader as a context manager): errors raised by ``read``
    abort it already.

    Reads from ``source`` are ``chunk_size`` bytes; a hash worker may lag
    ``depth`` chunks behind (queued or being hashed) before read() waits.

    ``read`` raises, before handing on any byte beyond the limit:
    ImageSizeLimitExceeded once more than ``size_cap`` bytes arrive;
    BadRequest once more than ``expected_size`` bytes arrive;
    ClientDisconnect when the body ends short of ``expected_size`` or the
    connection fails or times out; BadRequest when the body is malformed
    (e.g. bad chunked encoding).
    """

    def __init__(self, source, expected_size=None, size_cap=None,
                 algorithms=('md5', 'sha512'), chunk_size=CHUNK_SIZE,
                 depth=DEPTH):
        if (expected_size is not None and size_cap is not None
                and expected_size > size_cap):
            raise exception.ImageSizeLimitExceeded(
                'The declared image size of %d bytes exceeds the limit of '
                '%d bytes.' % (expected_size, size_cap))
        self._source = source
        self._expected_size = expected_size
        self._size_cap = size_cap
        self._chunk_size = chunk_size
        self._disconnect_errors = _disconnect_errors()
        limits = [n for n in (expected_size, size_cap) if n is not None]
        self._limit = min(limits) if limits else None
        self.size = 0
        self._buffer = b''
        self._position = 0
        self._eof = False
        self._done = False
        self._workers = []
        try:
            for algorithm in algorithms:
                self._workers.append(_HashWorker(algorithm, depth))
        except BaseException:
            self.abort()
            raise

    def read(self, size):
        """Up to ``size`` (> 0) bytes of the body; b'' once it is complete."""
        if self._position == len(self._buffer):
            if self._eof:
                return b''
            try:
                self._buffer = self._next_chunk()
            except BaseException:
                self.abort()
                raise
            self._position = 0
        start = self._position
        self._position = min(start + size, len(self._buffer))
        if start == 0 and self._position == len(self._buffer):
            return self._buffer
        return self._buffer[start:self._position]

    def finish(self):
        """``(size, hexdigest per algorithm...)`` once read() returned b''.

        With the default algorithms: ``(size, md5_hex, sha512_hex)``.
        """
        if self._done:
            raise RuntimeError('finish() called after abort() or finish()')
        if not (self._eof and self._position == len(self._buffer)):
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

    def _next_chunk(self):
        """Read a whole chunk from the source, check it, queue it to hash."""
        want = self._chunk_size
        if self._limit is not None:
            # One byte past the limit is enough to know it was exceeded.
            want = min(want, self._limit - self.size + 1)
        pieces = []
        received = 0
        while received < want:
            piece = self._read_source(want - received)
            if not piece:
                self._eof = True
                break
            pieces.append(piece)
            received += len(piece)
        chunk = pieces[0] if len(pieces) == 1 else b''.join(pieces)
        self.size += len(chunk)
        self._check_size()
        if chunk:
            for worker in self._workers:
                worker.feed(chunk)
        return chunk

    def _read_source(self, size):
        try:
            return self._source.read(size)
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
