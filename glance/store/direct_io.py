"""Write a file with direct I/O, past the page cache.

A buffered write() copies every byte into the page cache before the disk
gets it.  For an upload that copy costs about as much CPU as one of its two
hashes (on the benchmark's VM 1-2 CPU seconds per GiB, fresh page-cache
pages being costly there; see bench/RESULTS.md), and it fills the cache
with an image nobody is reading yet.  With O_DIRECT the disk takes the bytes
from the process's memory, which must be aligned, like the file offset and
the length of each write, to the device's logical block size.

So the writer reads the data into a page-aligned buffer (an anonymous mmap)
and writes it whole.  Only the tail of the file, rarely a whole number of
blocks, goes through the page cache; so does everything on a filesystem
that refuses O_DIRECT (tmpfs before Linux 6.6, some FUSE filesystems), or
when ``direct`` is False.

A buffer holding only zeros may be skipped instead (``skip_zeros``): the
file offset moves past it and the file gets a hole, for thin provisioning.
"""

import errno
import fcntl
import mmap
import os

from glance.common import streams

BUFFER_SIZE = 4 * 1024 * 1024
# Page-aligned buffers and 4 KiB multiples suit logical blocks of 512 bytes
# and of 4 KiB alike.
ALIGNMENT = 4096
_O_DIRECT = getattr(os, 'O_DIRECT', 0)


class DirectWriter:
    """Writes a stream to the file ``fd``, from offset 0, a buffer at a time.

    ``fill_from(stream)`` reads into the buffer until it is full or the
    stream ends, ``write_buffer()`` writes what it holds: directly when it
    is full, else (the tail) through the page cache.  Errors are those of
    the stream and of os.write.  The buffer is freed with the writer (not
    before: a traceback may still hold a view of it).
    """

    def __init__(self, fd, direct=True, buffer_size=BUFFER_SIZE):
        if buffer_size <= 0 or buffer_size % ALIGNMENT:
            raise ValueError('buffer_size must be a positive multiple of %d'
                             % ALIGNMENT)
        self._fd = fd
        self._direct = direct and _set_direct(fd, True)
        self._view = memoryview(mmap.mmap(-1, buffer_size))
        self._filled = 0
        self._zeros = None

    @property
    def direct(self):
        """Whether a full buffer is written past the page cache."""
        return self._direct

    def fill_from(self, stream):
        """Read from ``stream`` (with readinto or read) until the buffer is
        full or the stream ends: the number of bytes read, 0 at its end."""
        count = streams.fill(stream, self._view[self._filled:])
        self._filled += count
        return count

    def write_buffer(self):
        """Write what the buffer holds, and empty it."""
        if self._filled < len(self._view) and self._direct:
            # The tail: its length is rarely a multiple of the block size.
            self._direct = _set_direct(self._fd, False)
        self._write_all(self._view[:self._filled])
        self._filled = 0

    def skip_zeros(self):
        """If the buffer holds only zeros, move the file offset past them
        instead of writing them, leaving a hole, and empty the buffer:
        whether it did.  The caller sets the file's size at the end (a
        hole at the end makes no size)."""
        if self._zeros is None:
            self._zeros = bytes(len(self._view))
        # memcmp: comparing memoryviews goes byte by byte, 40x slower.
        if not self._zeros.startswith(self._view[:self._filled]):
            return False
        os.lseek(self._fd, self._filled, os.SEEK_CUR)
        self._filled = 0
        return True

    def _write_all(self, view):
        while view:
            try:
                written = os.write(self._fd, view)
            except OSError as e:
                if not (self._direct and e.errno == errno.EINVAL):
                    raise
                # The device wants a larger alignment, or a short write
                # left the offset unaligned: the page cache takes any.
                self._direct = _set_direct(self._fd, False)
                continue
            view = view[written:]


def _set_direct(fd, on):
    """Turn O_DIRECT on or off for ``fd``; whether it is now on."""
    if not _O_DIRECT:
        return False
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    wanted = flags | _O_DIRECT if on else flags & ~_O_DIRECT
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, wanted)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        return False  # The filesystem does not do direct I/O.
    return on
