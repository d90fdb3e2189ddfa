import hashlib
import io
import os
import socket
import textwrap
import threading
import time

import pytest

from glance.common import exception
from glance.common import hashing
from tests.unit.store import helpers

CHUNK = hashing.CHUNK_SIZE


class TrickleSource:
    """A body that arrives in small reads, as some servers hand it over."""

    def __init__(self, data, piece=1000):
        self._stream = io.BytesIO(data)
        self._piece = piece
        self.reads = 0

    def read(self, size):
        self.reads += 1
        return self._stream.read(min(size, self._piece))


class FailingSource:
    """Sends ``data``, then raises ``error``."""

    def __init__(self, data, error):
        self._stream = io.BytesIO(data)
        self._error = error

    def read(self, size):
        piece = self._stream.read(size)
        if not piece:
            raise self._error
        return piece


def read_all(reader, size=CHUNK):
    pieces = []
    while True:
        piece = reader.read(size)
        if not piece:
            return b''.join(pieces)
        pieces.append(piece)


@pytest.mark.parametrize('size', [0, 1, CHUNK - 1, CHUNK, CHUNK + 1,
                                  3 * CHUNK + 12345])
def test_digests_equal_hashlib(size):
    data = os.urandom(size)
    with hashing.HashingReader(io.BytesIO(data), expected_size=size,
                               size_cap=size) as reader:
        assert read_all(reader) == data
        assert reader.finish() == (size, hashlib.md5(data).hexdigest(),
                                   hashlib.sha512(data).hexdigest())


def test_unknown_size_and_other_algorithm():
    data = os.urandom(CHUNK + 7)
    with hashing.HashingReader(io.BytesIO(data),
                               algorithms=('md5', 'sha256')) as reader:
        assert read_all(reader) == data
        assert reader.finish() == (len(data), hashlib.md5(data).hexdigest(),
                                   hashlib.sha256(data).hexdigest())


def test_reads_smaller_than_a_chunk_reassemble_the_body():
    data = os.urandom(100000)
    with hashing.HashingReader(io.BytesIO(data), chunk_size=4096) as reader:
        assert read_all(reader, 1000) == data
        size, md5, _sha512 = reader.finish()
    assert (size, md5) == (len(data), hashlib.md5(data).hexdigest())


def test_short_reads_from_the_source_are_joined_into_chunks():
    data = os.urandom(50000)
    source = TrickleSource(data)
    with hashing.HashingReader(source, chunk_size=16384) as reader:
        assert reader.read(16384) == data[:16384]
        assert read_all(reader) == data[16384:]
        assert reader.finish()[2] == hashlib.sha512(data).hexdigest()


@pytest.mark.parametrize('source', [io.BytesIO, TrickleSource])
def test_readinto_copies_the_body_into_the_caller_s_buffer(source):
    data = os.urandom(3 * 16384 + 5)
    with hashing.HashingReader(source(data), chunk_size=16384) as reader:
        buffer = bytearray(10000)
        pieces = []
        while count := reader.readinto(buffer):
            pieces.append(bytes(buffer[:count]))
        assert b''.join(pieces) == data
        assert reader.finish()[1] == hashlib.md5(data).hexdigest()


def test_a_buffer_is_read_into_again_only_once_it_is_hashed(monkeypatch):
    # Slow hashing: the reader goes round the ring many times and must wait
    # for each buffer to be hashed before reusing it.
    real_call = hashing.offload.call

    def slow_call(func, *args):
        time.sleep(0.001)
        return real_call(func, *args)

    monkeypatch.setattr(hashing.offload, 'call', slow_call)
    data = os.urandom(100 * 4096 + 1)
    with hashing.HashingReader(io.BytesIO(data), chunk_size=4096,
                               depth=1) as reader:
        assert read_all(reader, 4096) == data
        assert reader.finish() == (len(data), hashlib.md5(data).hexdigest(),
                                   hashlib.sha512(data).hexdigest())


def test_size_cap_raises_before_the_excess_is_handed_on():
    cap = CHUNK + 100
    reader = hashing.HashingReader(io.BytesIO(os.urandom(2 * CHUNK)),
                                   size_cap=cap)
    handed_on = 0
    with pytest.raises(exception.ImageSizeLimitExceeded):
        while True:
            handed_on += len(reader.read(CHUNK))
    assert handed_on <= cap
    # Only one byte past the cap was read from the source.
    assert reader.size == cap + 1


def test_declared_size_over_the_cap_is_refused_at_once():
    with pytest.raises(exception.ImageSizeLimitExceeded):
        hashing.HashingReader(io.BytesIO(b''), expected_size=11, size_cap=10)


def test_body_longer_than_declared_is_refused():
    reader = hashing.HashingReader(io.BytesIO(b'x' * 11), expected_size=10)
    with pytest.raises(exception.BadRequest):
        read_all(reader)


def test_body_shorter_than_declared_is_a_disconnect():
    reader = hashing.HashingReader(io.BytesIO(b'x' * 9), expected_size=10)
    with pytest.raises(exception.ClientDisconnect):
        read_all(reader)


@pytest.mark.parametrize('error', [ConnectionResetError(104, 'reset'),
                                   socket.timeout('timed out'),
                                   IOError('broken')])
def test_connection_errors_are_disconnects(error):
    reader = hashing.HashingReader(FailingSource(b'abc', error),
                                   chunk_size=2)
    assert reader.read(2) == b'ab'
    with pytest.raises(exception.ClientDisconnect):
        read_all(reader)


def test_malformed_body_is_a_bad_request():
    reader = hashing.HashingReader(
        FailingSource(b'', ValueError('invalid chunk length')))
    with pytest.raises(exception.BadRequest):
        reader.read(10)


def test_unknown_algorithm_is_a_config_error():
    with pytest.raises(exception.ConfigError):
        hashing.HashingReader(io.BytesIO(b''), algorithms=('md5', 'nope'))
    with pytest.raises(exception.ConfigError):
        hashing.HashingReader(io.BytesIO(b''),
                              algorithms=('md5', 'shake_128'))


def test_finish_needs_the_whole_body():
    with hashing.HashingReader(io.BytesIO(b'abc'), chunk_size=2) as reader:
        reader.read(2)
        with pytest.raises(RuntimeError):
            reader.finish()


def test_workers_end_on_abort_and_on_errors():
    before = threading.active_count()
    reader = hashing.HashingReader(io.BytesIO(os.urandom(CHUNK)))
    reader.read(100)
    reader.abort()
    reader.abort()
    with pytest.raises(RuntimeError):
        reader.finish()
    failing = hashing.HashingReader(io.BytesIO(b'x' * 9), expected_size=10)
    with pytest.raises(exception.ClientDisconnect):
        read_all(failing)
    assert threading.active_count() == before


EVENTLET_SCRIPT = textwrap.dedent('''
    import eventlet
    eventlet.monkey_patch()

    import hashlib, io, os, sys, uuid
    from glance.common import hashing, offload
    from tests.unit.store import helpers

    assert offload.eventlet_patched()
    driver = helpers.filesystem_driver(sys.argv[1])

    ticks = []

    def ticker():
        while True:
            ticks.append(1)
            eventlet.sleep(0.001)

    data = os.urandom(32 * 1024 * 1024 + 3)
    ticking = eventlet.spawn(ticker)
    with hashing.HashingReader(io.BytesIO(data),
                               expected_size=len(data)) as reader:
        stored = driver.add(str(uuid.uuid4()), reader, len(data))
        size, md5, sha512 = reader.finish()
    ticking.kill()
    assert size == stored.size == len(data)
    assert md5 == hashlib.md5(data).hexdigest()
    assert sha512 == hashlib.sha512(data).hexdigest()
    with open(stored.uri[len('file://'):], 'rb') as f:
        assert f.read() == data
    print(len(ticks))
''')


def test_hashing_and_storing_under_eventlet_monkey_patching(tmp_path):
    ticks = helpers.run_python(EVENTLET_SCRIPT, tmp_path)
    # Other green threads kept running while the data was hashed and
    # written (about 65 ticks here; 5 when hashing and writing in the hub).
    assert int(ticks) >= 20
