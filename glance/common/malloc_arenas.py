"""One glibc malloc arena for the server process.

glibc gives threads that allocate arenas of their own (up to eight per
core) and keeps the memory freed in each for reuse there.  The threads
that move image data (eventlet's thread pool, librados's messengers, the
object store clients') allocate and free buffers of megabytes, each in
whichever arena it got, so a process holds more with every transfer: a
glance-api storing in rbd grew from 124 to 251 MiB over four uploads and
downloads of 1 GiB, and stayed at 123-145 MiB with one arena (two: 162).
Python code runs under the GIL and the data threads allocate a few
buffers per chunk, so one arena costs nothing measurable (bench/rbd.py:
the same MiB/s).  ``MALLOC_ARENA_MAX`` in the environment, glibc's own
setting, is left to decide.
"""

import ctypes
import os

# mallopt's parameter number for the arena cap (glibc's malloc.h).
M_ARENA_MAX = -8
ARENAS = 1


def limit():
    """Cap the arenas (later threads share the existing ones), where the
    C library is glibc and the environment does not say otherwise."""
    if 'MALLOC_ARENA_MAX' in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_ARENA_MAX, ARENAS)
