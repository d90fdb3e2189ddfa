"""eventlet.wsgi, imported without leaving the process a green
``http.server``.

eventlet.wsgi imports eventlet.green.BaseHTTPServer, which imports a second
copy of http.server over eventlet's green socket, select and threading
(eventlet.patcher.inject).  inject puts sys.modules back as it found it,
but not the ``server`` attribute of the ``http`` package (eventlet issue
#316): every later ``import http.server`` then reaches eventlet's copy by
``http.server``, while ``from http.server import ...`` still gets the
standard module.  In a process that is not monkey-patched (the tests, the
tools that load glance.opts) that copy's ThreadingHTTPServer serves from
green threads, which only run while the thread that started them waits in
eventlet's hub: beside any blocking client in that thread, it stops
answering.  Glance's modules import eventlet.wsgi from here, which points
the attribute back at the standard module.
"""

import http
import sys

from eventlet import wsgi  # noqa: F401 (what this module provides)

if 'http.server' in sys.modules:
    # Else the next ``import http.server`` imports the standard module and
    # sets the attribute itself.
    http.server = sys.modules['http.server']
