"""An upload stream cut into the segments (parts) of a large object.

Object stores take a large image as several objects, each sent in a
request of its own: Swift's segments of a static large object, S3's parts
of a multipart upload.  ``Segments`` hands out consecutive file-like views
of at most ``segment_size`` bytes of one stream, holding a single buffer of
it at a time, so memory stays flat whatever the image size.  ``fill``
reads a whole part into a caller's buffer, for stores that must know a
part's bytes before sending it.
"""

from glance.common import streams
from glance.store import base


def fill(stream, view):
    """Read ``stream`` into the memoryview ``view`` until it is full or the
    stream ends: the number of bytes read."""
    filled = 0
    while filled < len(view):
        count = streams.read_into(stream, view[filled:])
        if not count:
            break
        filled += count
    return filled


class Segments:
    """``stream`` as segments of ``segment_size`` bytes (the last shorter).

        segments = Segments(reader, 200 * 2**20)
        while segments.more():
            segment = segments.next()
            send(segment)            # reads it with segment.read(n)
            segment.size             # bytes it held

    ``more()`` reads ahead (one buffer of ``buffer_size`` bytes) to tell
    whether another segment follows; ``total`` counts the bytes handed out.
    """

    def __init__(self, stream, segment_size,
                 buffer_size=base.WRITE_CHUNK_SIZE):
        self._stream = stream
        self.segment_size = segment_size
        self._buffer = memoryview(bytearray(min(buffer_size,
                                                segment_size)))
        self._pending = self._buffer[:0]
        self._ended = False
        self.total = 0

    def more(self):
        """Whether the stream holds more bytes."""
        if not self._pending and not self._ended:
            count = streams.read_into(self._stream, self._buffer)
            self._ended = not count
            self._pending = self._buffer[:count]
        return bool(self._pending)

    def next(self):
        return _Segment(self)

    def _take(self, wanted):
        if not self.more():
            return b''
        piece = bytes(self._pending[:wanted])
        self._pending = self._pending[len(piece):]
        self.total += len(piece)
        return piece


class _Segment:
    """Up to ``segment_size`` bytes of the stream, read with read(n)."""

    def __init__(self, segments):
        self._segments = segments
        self.size = 0

    def read(self, size=-1):
        left = self._segments.segment_size - self.size
        if size is None or size < 0 or size > left:
            size = left
        if not size:
            return b''
        piece = self._segments._take(size)
        self.size += len(piece)
        return piece
