"""Read a stream into a caller's buffer, whatever the stream offers.

A WSGI input need only have ``read`` (PEP 3333), which returns a new bytes
object per call; streams that have ``readinto`` (files, io.BytesIO,
glance-api's request bodies) fill the caller's memory without that
allocation and copy.
"""


def read_into(stream, view):
    """Read once from ``stream`` into the byte memoryview ``view``: the
    number of bytes read, 0 at the end of the stream."""
    readinto = getattr(stream, 'readinto', None)
    if readinto is not None:
        return readinto(view)
    data = stream.read(len(view))
    view[:len(data)] = data
    return len(data)


def fill(stream, view):
    """Read from ``stream`` until ``view`` is full or the stream ends: the
    number of bytes read, less than ``len(view)`` only at its end."""
    filled = 0
    while filled < len(view):
        count = read_into(stream, view[filled:])
        if not count:
            break
        filled += count
    return filled
