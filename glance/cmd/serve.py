"""Run one Glance daemon (glance-api, glance-registry) with the eventlet
server, until it is told to stop.

The command module calls eventlet.monkey_patch() before importing this one.
A configuration error (an unreadable config file, a pipeline missing for
the flavor, a filter that cannot be imported, a busy port) is reported on
stderr in one line, and the exit status is 1.
"""

import sys

from oslo_config import cfg

from glance.common import config
from glance.common import exception
from glance.common import log
from glance.common import malloc_arenas
from glance.common import server


def run(program, default_port, argv=None, maintenance=None):
    """Serve the paste app named ``program``; the exit status.

    ``maintenance``: the program's periodic maintenance, a callable without
    arguments (see glance.common.server), or None.
    """
    malloc_arenas.limit()
    try:
        config.parse_args(argv, prog=program)
        log.setup(program)
        daemon = server.Server(lambda: config.load_paste_app(program),
                               default_port, program, maintenance)
        daemon.start()
    except (cfg.Error, exception.ConfigError, OSError) as e:
        sys.stderr.write('%s: %s\n' % (program, e))
        return 1
    return daemon.wait()
