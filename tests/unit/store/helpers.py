"""Building a filesystem or swift driver on a fresh ConfigOpts, in-process
or not; reading what drivers stored, and streams to store."""

import io
import os
import socket
import subprocess
import sys

from oslo_config import cfg

from glance.common import exception

from glance.store import filesystem
from glance.store import staging
from glance.store import swift

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def closed_port():
    """A loopback port nobody listens on (for now): a backend down."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


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


def configured(driver_class, **settings):
    """A ``driver_class`` configured with ``settings`` ([glance_store]
    options) on a fresh ConfigOpts."""
    conf = fresh_conf()
    driver = driver_class(conf)
    for name, value in settings.items():
        conf.set_override(name, value, group='glance_store')
    driver.configure()
    return driver


def swift_driver(references, container, **options):
    """A SwiftDriver with the glance-swift.conf ``references`` writing to
    ``container`` (created if need be): large objects from 1 MiB, in
    segments of 1 MiB, so that a few MiB make several."""
    settings = {'swift_store_config_file': str(references),
                'swift_store_container': container,
                'swift_store_create_container_on_put': True,
                'swift_store_large_object_size': 1,
                'swift_store_large_object_chunk_size': 1}
    return configured(swift.SwiftDriver, **dict(settings, **options))


def run_python(script, *args, timeout=300):
    """Run ``script`` in a fresh interpreter (it may import tests.*); stdout.
    """
    result = subprocess.run([sys.executable, '-c', script, *map(str, args)],
                            cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


def read_all(driver, uri, offset=0, length=None):
    """The bytes ``driver.get`` yields, checked against the size it gave."""
    with driver.get(uri, offset, length) as data:
        chunks = list(data)
        assert data.size == sum(map(len, chunks))
    return b''.join(chunks)


class Unsized(io.RawIOBase):
    """A stream of ``data`` of no declared size, failing as a client going
    away after ``fail_after`` bytes if given."""

    def __init__(self, data, fail_after=None):
        self._data = io.BytesIO(data)
        self._fail_after = fail_after

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._fail_after is None:
            return self._data.readinto(buffer)
        left = self._fail_after - self._data.tell()
        if left <= 0:
            raise exception.ClientDisconnect('the client went away')
        return self._data.readinto(memoryview(buffer)[:left])
