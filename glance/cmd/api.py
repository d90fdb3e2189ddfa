"""glance-api: serve the Image API with the eventlet server.

eventlet.monkey_patch() runs before anything else is imported, so every
module the API pulls in gets green sockets, locks and sleeps.  eventlet's
warning on import that it is deprecated is silenced: it is a known choice
(glance/wsgi/api.py serves the same app without eventlet) that an operator
cannot act on.
"""

import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import eventlet  # noqa: E402

eventlet.monkey_patch()

from glance.cmd import serve  # noqa: E402
from glance import gateway  # noqa: E402

PROGRAM = 'glance-api'
DEFAULT_PORT = 9292


def main(argv=None):
    return serve.run(PROGRAM, DEFAULT_PORT, argv,
                     maintenance=gateway.run_maintenance)
