"""Building a filesystem or swift driver on a fresh ConfigOpts, in-process
or not; reading what drivers stored, streams to store, and the checks every
network store's driver passes."""

import io
import logging
import os
import socket
import subprocess
import sys
import uuid

from oslo_config import cfg
import pytest

from glance.common import exception
from glance import store
from glance.store import base
from glance.store import filesystem
from glance.store import staging
from glance.store import swift
from tests import object_stores

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
    ``container``, as tests/object_stores.py's swift_options set it."""
    return configured(swift.SwiftDriver, **object_stores.swift_options(
        container, swift_store_config_file=str(references), **options))


def swift_by_default(conf, datadir):
    """glance-api's StoreRegistry on ``conf``: the file store (in
    ``datadir``) and the swift store, swift the default."""
    conf.register_opts(store.store_opts, group='glance_store')
    conf.set_override('stores', ['file', 'swift'], group='glance_store')
    conf.set_override('default_store', 'swift', group='glance_store')
    set_datadir(conf, datadir)
    return store.StoreRegistry(conf)


def read_only(driver_class, caplog, warning):
    """A ``driver_class`` configured without settings: it logs ``warning``
    and refuses to store."""
    driver = driver_class(fresh_conf())
    with caplog.at_level(logging.WARNING):
        driver.configure()
    assert base.WRITE not in driver.capabilities
    assert warning in caplog.text
    with pytest.raises(exception.Forbidden):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'x'), 1)
    return driver


def assert_created_only_when_asked(make_driver, option, create):
    """With ``option`` (create the container or bucket on put) off, an add
    fails naming it, until ``create()`` has made the container."""
    driver = make_driver(**{option: False})
    with pytest.raises(exception.StoreUnavailable, match=option):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'data'), 4)
    create()
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(b'data'), 4)
    assert read_all(driver, stored.uri) == b'data'


def assert_outage_loses_nothing(driver, relay, data):
    """``driver`` reaching its backend through the TcpRelay ``relay``
    stores ``data``; while the relay is down every call fails as the store
    being unavailable, and once it is up the data reads back."""
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(data), None)
    relay.stop()
    with pytest.raises(exception.StoreUnavailable):
        driver.get(stored.uri)
    with pytest.raises(exception.StoreUnavailable):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'data'), 4)
    with pytest.raises(exception.StoreDeleteFailed):
        driver.delete(stored.uri)
    with pytest.raises(exception.StoreDeleteFailed):
        driver.purge(str(uuid.uuid4()))
    assert driver.clean_stale_partials(0) == []
    relay.start()
    assert read_all(driver, stored.uri) == data


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


def add_unsized(driver, image_id, data):
    """Store ``data`` as ``image_id`` from a stream of no declared size,
    checking the size recorded and that it reads back; where it is."""
    stored = driver.add(image_id, Unsized(data))
    assert stored.size == len(data)
    assert read_all(driver, stored.uri) == data
    return stored


def add_cut_short(driver, size, fail_after, declared=None):
    """An add of ``size`` bytes (``declared`` to the driver) whose client
    goes away after ``fail_after`` of them: it fails as ClientDisconnect."""
    with pytest.raises(exception.ClientDisconnect):
        driver.add(str(uuid.uuid4()), Unsized(
            os.urandom(size), fail_after=fail_after), declared)


def assert_gone(driver, uri):
    """The data at ``uri`` was deleted: it neither reads nor deletes."""
    with pytest.raises(exception.NotFound):
        driver.get(uri)
    with pytest.raises(exception.NotFound):
        driver.delete(uri)


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
