import errno
import fcntl
import io
import os

import pytest

from glance.store import direct_io

BUFFER = 64 * 1024


def write_stream(path, data, direct=True, buffer_size=BUFFER):
    """Write ``data`` as the store does; the writer."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        writer = direct_io.DirectWriter(fd, direct, buffer_size)
        stream = io.BytesIO(data)
        while writer.fill_from(stream):
            writer.write_buffer()
    finally:
        os.close(fd)
    return writer


@pytest.fixture
def direct_writes_seen(monkeypatch):
    """For each os.write: its length and whether O_DIRECT was on."""
    seen = []
    real_write = os.write

    def write(fd, data):
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)
        seen.append((len(data), direct))
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', write)
    return seen


@pytest.mark.parametrize('size', [0, 1, 4095, 4096, BUFFER, BUFFER + 1,
                                  3 * BUFFER + 12345])
@pytest.mark.parametrize('direct', [True, False])
def test_the_file_holds_the_stream(tmp_path, size, direct):
    data = os.urandom(size)
    write_stream(tmp_path / 'image', data, direct)
    assert (tmp_path / 'image').read_bytes() == data


def test_whole_buffers_go_direct_and_the_tail_through_the_cache(
        tmp_path, direct_writes_seen):
    write_stream(tmp_path / 'image', os.urandom(2 * BUFFER + 100))
    if not direct_writes_seen[0][1]:
        pytest.skip('this filesystem does not do direct I/O')
    assert direct_writes_seen == [(BUFFER, True), (BUFFER, True),
                                  (100, False)]


def test_direct_writes_can_be_turned_off(tmp_path, direct_writes_seen):
    write_stream(tmp_path / 'image', os.urandom(2 * BUFFER), direct=False)
    assert direct_writes_seen == [(BUFFER, False), (BUFFER, False)]


def test_a_filesystem_without_direct_io_is_written_through_the_cache(
        tmp_path, monkeypatch):
    real_fcntl = fcntl.fcntl

    def refusing_fcntl(fd, command, arg=0):
        if command == fcntl.F_SETFL and arg & os.O_DIRECT:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        return real_fcntl(fd, command, arg)

    monkeypatch.setattr(fcntl, 'fcntl', refusing_fcntl)
    data = os.urandom(2 * BUFFER + 1)
    writer = write_stream(tmp_path / 'image', data)
    assert not writer.direct
    assert (tmp_path / 'image').read_bytes() == data


def test_a_direct_write_refused_is_made_through_the_cache(
        tmp_path, monkeypatch):
    real_write = os.write

    def refusing_direct_write(fd, data):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', refusing_direct_write)
    data = os.urandom(2 * BUFFER + 1)
    writer = write_stream(tmp_path / 'image', data)
    assert not writer.direct
    assert (tmp_path / 'image').read_bytes() == data


def test_the_buffer_size_must_suit_direct_io():
    with pytest.raises(ValueError):
        direct_io.DirectWriter(0, buffer_size=BUFFER + 1)
