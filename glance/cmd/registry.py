"""glance-registry: serve the registry API (image metadata) with the
eventlet server, as glance-api does the Image API (see glance.cmd.api).

It listens on 127.0.0.1:9191 unless configured otherwise: the registry
trusts its callers, so only glance-api may reach it (doc/registry.md).
"""

import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

import eventlet  # noqa: E402

eventlet.monkey_patch()

from glance.cmd import serve  # noqa: E402
from glance import opts  # noqa: E402

PROGRAM = 'glance-registry'
DEFAULT_PORT = 9191


def main(argv=None):
    opts.set_registry_defaults()
    return serve.run(PROGRAM, DEFAULT_PORT, argv)
