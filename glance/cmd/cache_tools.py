"""glance-cache-prefetcher, glance-cache-pruner, glance-cache-cleaner: the
image cache's periodic work, one run per call, for cron.

    glance-cache-prefetcher [--config-file glance-api.conf]   fill the queued images
    glance-cache-pruner [--config-file ...]                   evict down to image_cache_max_size
    glance-cache-cleaner [--config-file ...]                  remove dead, stalled and invalid fills, and entries of deleted images

They read glance-api's configuration (the same image_cache_dir, driver,
database or registry and stores) and log where it says.  Nothing is
printed on success; an error is logged and printed on stderr (cron mails
it), and the exit status is 1.  A lock in image_cache_dir keeps two runs
of one tool from overlapping: a run that finds the previous one still
going logs that and exits 0.
"""

import contextlib
import fcntl
import logging
import os
import sys

from oslo_config import cfg

from glance.common import config
from glance.common import exception
from glance.common import log
from glance import gateway

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


@contextlib.contextmanager
def _single_run(directory, program):
    """True while this is the only run of ``program``, else False."""
    fd = os.open(os.path.join(directory, '.%s.lock' % program),
                 os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)


def run(program, work, argv=None):
    """Run ``work(caching)`` once as ``program``; the exit status."""
    try:
        config.parse_args(argv, prog=program)
        log.setup(program)
        if not CONF.image_cache_dir:
            raise exception.ConfigError(
                'image_cache_dir is not set in the configuration')
        caching = gateway.services().cache
        with _single_run(caching.cache.directory, program) as alone:
            if not alone:
                LOG.info('%s: the previous run is still going; this one '
                         'does nothing', program)
                return 0
            with gateway.as_the_service():
                done = work(caching)
            LOG.info('%s: %d image(s): %s', program, len(done),
                     ', '.join(done) or '-')
        return 0
    except (cfg.Error, exception.GlanceException) as error:
        _report(program, error)
    except Exception as error:
        LOG.exception('%s failed', program)
        _report(program, '%s (see the log)' % error)
    return 1


def _report(program, error):
    """On stderr for cron's mail, and in the log when it is elsewhere."""
    try:
        logged_elsewhere = bool(log.log_path(program) or CONF.use_syslog)
    except cfg.Error:  # the configuration could not be read
        logged_elsewhere = False
    if logged_elsewhere:
        LOG.error('%s: %s', program, error)
    sys.stderr.write('%s: %s\n' % (program, error))


def prefetcher(argv=None):
    return run('glance-cache-prefetcher', lambda c: c.prefetch(), argv)


def pruner(argv=None):
    return run('glance-cache-pruner', lambda c: c.prune(), argv)


def cleaner(argv=None):
    return run('glance-cache-cleaner', lambda c: c.clean(), argv)


def prefetcher_main():
    sys.exit(prefetcher())


def pruner_main():
    sys.exit(pruner())


def cleaner_main():
    sys.exit(cleaner())
