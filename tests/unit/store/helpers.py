"""Building a filesystem driver on a fresh ConfigOpts, in-process or not."""

import os
import subprocess
import sys

from oslo_config import cfg

from glance.store import filesystem
from glance.store import staging

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def fresh_conf():
    conf = cfg.ConfigOpts()
    conf(args=[], default_config_files=[], default_config_dirs=[])
    return conf


def set_datadir(conf, datadir):
    """Image files in ``datadir``, staged data beside it in "staging"."""
    conf.register_opts(filesystem.filesystem_opts, group='glance_store')
    conf.set_override('filesystem_store_datadir', str(datadir),
                      group='glance_store')
    conf.register_opts(staging.staging_opts)
    conf.set_override('node_staging_uri', 'file://%s' % os.path.join(
        os.path.dirname(str(datadir)), 'staging'))


def filesystem_driver(datadir, conf=None):
    """A configured FilesystemDriver keeping its files in ``datadir``."""
    conf = conf or fresh_conf()
    driver = filesystem.FilesystemDriver(conf)
    set_datadir(conf, datadir)
    driver.configure()
    return driver


def run_python(script, *args, timeout=300):
    """Run ``script`` in a fresh interpreter (it may import tests.*); stdout.
    """
    result = subprocess.run([sys.executable, '-c', script, *map(str, args)],
                            cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout
