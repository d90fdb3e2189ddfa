"""glance-api: serve the Image API with the eventlet server.

eventlet.monkey_patch() runs before anything else is imported, so every
module the API pulls in gets green sockets, locks and sleeps.  eventlet's
warning on import that it is deprecated is silenced: it is a known choice
(glance/wsgi/api.py serves the same app without eventlet) that an operator
cannot act on.

A configuration error (an unreadable config file, a pipeline missing for
the flavor, a filter that cannot be imported, a busy port) is reported on
stderr in one line, and the exit status is 1.
"""

import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import eventlet  # noqa: E402

eventlet.monkey_patch()

import sys  # noqa: E402

from oslo_config import cfg  # noqa: E402

from glance.common import config  # noqa: E402
from glance.common import exception  # noqa: E402
from glance.common import log  # noqa: E402
from glance.common import server  # noqa: E402

PROGRAM = 'glance-api'
DEFAULT_PORT = 9292


def main(argv=None):
    try:
        config.parse_args(argv, prog=PROGRAM)
        log.setup(PROGRAM)
        api = server.Server(lambda: config.load_paste_app(PROGRAM),
                            DEFAULT_PORT, PROGRAM)
        api.start()
    except (cfg.Error, exception.ConfigError, OSError) as e:
        sys.stderr.write('%s: %s\n' % (PROGRAM, e))
        return 1
    return api.wait()
