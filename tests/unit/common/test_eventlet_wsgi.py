"""Importing glance's eventlet server leaves ``http.server`` standard."""

from tests.unit.store import helpers

# In a fresh interpreter: http.server imported first, then glance.opts
# (which the suite's conftest files and the config generator import), the
# way a test process or a tool does.
SCRIPT = '''
import warnings
warnings.simplefilter('ignore')
import http.server
import socket
import sys
import threading

import glance.opts

print(http.server is sys.modules['http.server'],
      http.server.socketserver.socket is socket,
      http.server.socketserver.threading is threading)
'''


def test_http_server_stays_the_standard_module():
    assert helpers.run_python(SCRIPT).split() == ['True', 'True', 'True']
