import io

from glance.common import streams


class ReadOnly:
    """A stream with ``read`` only, as PEP 3333 asks of a WSGI input."""

    def __init__(self, data):
        self._stream = io.BytesIO(data)

    def read(self, size):
        return self._stream.read(size)


def test_read_into_uses_readinto_or_read():
    for stream in (io.BytesIO(b'abcdef'), ReadOnly(b'abcdef')):
        view = memoryview(bytearray(4))
        assert streams.read_into(stream, view) == 4
        assert view == b'abcd'
        assert streams.read_into(stream, view) == 2
        assert view[:2] == b'ef'
        assert streams.read_into(stream, view) == 0
