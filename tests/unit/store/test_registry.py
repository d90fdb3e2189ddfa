import io
import logging
import os
import time
import types
import uuid
from importlib import metadata

import pytest

from glance.common import exception
from glance import store
from glance.store import base
from glance.store import filesystem
from glance.store import http
from tests.unit.store import helpers


class FakeDriver(base.Driver):
    """A read-only third-party driver."""

    name = 'fake'
    schemes = ('fake', 'fake+x')
    capabilities = frozenset({base.READ})

    def get(self, uri, offset=0, length=None):
        return base.ImageData([uri.encode()], len(uri))

    def get_size(self, uri):
        return len(uri)


class ClashingDriver(FakeDriver):
    name = 'clash'
    schemes = ('file',)


class BrokenDiskDriver(FakeDriver):
    """A writable third-party driver whose storage fails every removal."""

    name = 'broken-disk'
    schemes = ('broken-disk',)
    capabilities = frozenset({base.READ, base.WRITE, base.DELETE})

    def delete_partial(self, image_id):
        raise exception.StoreDeleteFailed(reason='disk on fire')

    def clean_stale_partials(self, older_than_seconds):
        return ['stale-elsewhere']


class UnreachableDriver(FakeDriver):
    """A read-only third-party driver whose backend is down at start."""

    name = 'far'
    schemes = ('far',)

    def check_backend(self):
        return 'the moon cannot be reached (no rocket)'


class NotADriver:
    pass


@pytest.fixture
def entry_points(monkeypatch):
    """Install third-party drivers as if from installed distributions."""
    def install(**drivers):
        points = [metadata.EntryPoint(name, value, store.ENTRY_POINT_GROUP)
                  for name, value in drivers.items()]

        def entry_points(group, name=None):
            return [p for p in points
                    if p.group == group and name in (None, p.name)]

        monkeypatch.setattr(store, 'metadata', types.SimpleNamespace(
            EntryPoint=metadata.EntryPoint, entry_points=entry_points))
    return install


@pytest.fixture
def registry_conf(conf, set_datadir):
    conf.register_opts(store.store_opts, group='glance_store')
    set_datadir()
    return conf


def test_defaults_to_the_filesystem_store(registry_conf, datadir):
    registry = store.StoreRegistry(registry_conf)
    driver = registry.default_driver()
    assert isinstance(driver, filesystem.FilesystemDriver)
    assert registry.drivers()[0] is driver
    assert isinstance(registry.drivers()[1], http.HttpDriver)
    assert datadir.is_dir()
    uri = 'file://%s/%s' % (datadir, uuid.uuid4())
    assert registry.driver_for_uri(uri) is driver
    assert registry.driver_for_uri('filesystem:///x') is driver
    assert registry.driver_for_uri('FILE:///x') is driver
    assert registry.driver_for_scheme('filesystem') is driver


def test_delegates_by_scheme(registry_conf):
    registry = store.StoreRegistry(registry_conf)
    stored = registry.default_driver().add(str(uuid.uuid4()),
                                           io.BytesIO(b'data'))
    assert registry.get_size(stored.uri) == 4
    with registry.get(stored.uri, 1, 2) as data:
        assert b''.join(data) == b'at'
    registry.delete(stored.uri)
    with pytest.raises(exception.NotFound):
        registry.get(stored.uri)


def test_unknown_scheme(registry_conf):
    registry = store.StoreRegistry(registry_conf)
    with pytest.raises(exception.UnknownScheme):
        registry.driver_for_uri('gopher://host/x')
    with pytest.raises(exception.UnknownScheme):
        registry.driver_for_scheme('rbd')
    with pytest.raises(exception.BadStoreUri):
        registry.get('/var/lib/glance/images/x')


def test_external_scheme_without_a_driver_is_unavailable(registry_conf):
    registry = store.StoreRegistry(registry_conf)
    for uri in ('swift://account/container/object', 's3://key@host/b/o'):
        with pytest.raises(exception.StoreUnavailable,
                           match='no store serving'):
            registry.get(uri)
    assert not registry.reads('swift://a/b/c')
    assert not registry.owns('swift://a/b/c')
    registry_conf.set_override('stores', ['file'], group='glance_store')
    with pytest.raises(exception.StoreUnavailable, match='http://'):
        store.StoreRegistry(registry_conf).get('http://host/image')


def test_what_the_service_may_read_and_delete(registry_conf, datadir):
    registry = store.StoreRegistry(registry_conf)
    own = 'file://%s/%s' % (datadir, uuid.uuid4())
    assert registry.reads(own) and registry.owns(own)
    assert registry.reads('https://host/x')
    assert not registry.owns('https://host/x')


@pytest.mark.parametrize('uri', [
    'http://example.com/image', 'HTTPS://example.com/i', 'swift://a/b/c',
    'swift+https://user:key@auth/v1/c/o', 's3://key:secret@host/bucket/o',
    's3+http://key:secret@host/b/o'])
def test_accepted_external_sources(uri):
    store.check_external_source(uri)


@pytest.mark.parametrize('uri', ['s3://host/bucket/o', 's3+http://host/b/o',
                                 's3://host/b/user@example.com'])
def test_s3_sources_carry_their_keys(uri):
    with pytest.raises(exception.BadStoreUri, match='carries its keys'):
        store.check_external_source(uri)


@pytest.mark.parametrize('uri', [
    'file:///etc/passwd', 'filesystem:///var/lib/glance/images/x',
    'rbd://fsid/pool/image/snap', '/etc/passwd', 'http://', 'ftp://host/x',
    'gopher://host/x'])
def test_refused_external_sources(uri):
    with pytest.raises(exception.BadStoreUri,
                       match='External sources are not supported'):
        store.check_external_source(uri)


def test_driver_for_upload(registry_conf):
    registry = store.StoreRegistry(registry_conf)
    assert registry.driver_for_upload() is registry.default_driver()
    assert registry.driver_for_upload('file') is registry.default_driver()
    for name in ('http', 'swift'):
        with pytest.raises(exception.InvalidParameterValue,
                           match='writable stores: file, filesystem'):
            registry.driver_for_upload(name)


def test_aliases_share_one_driver(registry_conf):
    registry_conf.set_override('stores', ['file', 'filesystem'],
                               group='glance_store')
    registry_conf.set_override('default_store', 'filesystem',
                               group='glance_store')
    registry = store.StoreRegistry(registry_conf)
    assert len(registry.drivers()) == 1


def test_unknown_store_name(registry_conf):
    registry_conf.set_override('stores', ['file', 'nope'],
                               group='glance_store')
    with pytest.raises(exception.ConfigError, match='nope'):
        store.StoreRegistry(registry_conf)


@pytest.mark.parametrize('default_store, problem', [
    ('swift', 'not one of the enabled stores'), ('http', 'read-only')])
def test_default_store_must_be_enabled_and_writable(registry_conf,
                                                    default_store, problem):
    registry_conf.set_override('default_store', default_store,
                               group='glance_store')
    with pytest.raises(exception.ConfigError, match=problem):
        store.StoreRegistry(registry_conf)


def test_driver_configuration_errors_propagate(registry_conf):
    registry_conf.set_override('filesystem_store_datadir', 'relative',
                               group='glance_store')
    with pytest.raises(exception.ConfigError):
        store.StoreRegistry(registry_conf)


def test_third_party_driver_from_entry_point(registry_conf, entry_points):
    entry_points(fake=__name__ + ':FakeDriver')
    registry_conf.set_override('stores', ['file', 'fake'],
                               group='glance_store')
    registry = store.StoreRegistry(registry_conf)
    driver = registry.driver_for_uri('fake+x://thing')
    assert isinstance(driver, FakeDriver)
    with registry.get('fake://a') as data:
        assert list(data) == [b'fake://a']
    with pytest.raises(exception.Forbidden):
        driver.add(str(uuid.uuid4()), io.BytesIO(b''))
    with pytest.raises(exception.Forbidden):
        registry.delete('fake://a')
    assert 'fake' in store.known_driver_names()


def test_unusable_backends_are_logged_and_their_stores_kept(
        registry_conf, entry_points, caplog):
    entry_points(far=__name__ + ':UnreachableDriver')
    registry_conf.set_override('stores', ['file', 'far'],
                               group='glance_store')
    with caplog.at_level(logging.ERROR, logger='glance.store'):
        registry = store.StoreRegistry(registry_conf)
    assert [r.getMessage() for r in caplog.records] == [
        'The far store is unusable: the moon cannot be reached (no '
        'rocket).  It answers 503 until its backend can be used; the '
        'other stores serve as usual.']
    with registry.get('far://a') as data:
        assert list(data) == [b'far://a']
    caplog.clear()
    store.StoreRegistry(registry_conf, check_backends=False)
    assert not caplog.records


def test_unusable_backends_are_logged_by_store_id(
        tmp_path, entry_points, caplog):
    entry_points(far=__name__ + ':UnreachableDriver')
    conf = helpers.fresh_conf()
    helpers.set_datadir(conf, tmp_path / 'images')
    conf.register_opts(store.multi_store_opts)
    conf.set_override('enabled_backends', {'moon': 'far', 'local': 'file'})
    conf.register_opts(store.store_opts, group='glance_store')
    conf.set_override('default_backend', 'local', group='glance_store')
    with caplog.at_level(logging.ERROR, logger='glance.store'):
        store.StoreRegistry(conf)
    assert caplog.records[0].getMessage().startswith(
        "Store 'moon' (far) is unusable: the moon cannot be reached")


def test_built_in_names_win_over_entry_points(registry_conf, entry_points):
    entry_points(file=__name__ + ':FakeDriver')
    assert store.driver_class('file') is filesystem.FilesystemDriver


@pytest.mark.parametrize('target', [
    __name__ + ':NotADriver', __name__ + ':Missing',
    'glance.store.no_such_module:Driver'])
def test_broken_third_party_drivers(registry_conf, entry_points, target):
    entry_points(broken=target)
    registry_conf.set_override('stores', ['broken'], group='glance_store')
    with pytest.raises(exception.ConfigError, match='broken'):
        store.StoreRegistry(registry_conf)


def test_two_drivers_claiming_one_scheme(registry_conf, entry_points):
    entry_points(clash=__name__ + ':ClashingDriver')
    registry_conf.set_override('stores', ['file', 'clash'],
                               group='glance_store')
    with pytest.raises(exception.ConfigError, match='file'):
        store.StoreRegistry(registry_conf)


def test_importing_registers_no_option_and_imports_no_driver():
    code = ('import sys; import glance.store; from oslo_config import cfg; '
            'assert "glance_store" not in cfg.CONF; '
            'assert "glance.store.filesystem" not in sys.modules')
    helpers.run_python(code)


def test_image_data_is_purged_from_every_writable_store(
        registry_conf, datadir, entry_points):
    entry_points(**{'broken-disk': __name__ + ':BrokenDiskDriver'})
    registry_conf.set_override('stores', ['broken-disk', 'file', 'http'],
                               group='glance_store')
    registry = store.StoreRegistry(registry_conf)
    image_id = str(uuid.uuid4())
    partial = '.%s.0123456789abcdef.partial' % image_id
    (datadir / partial).write_bytes(b'x')
    (datadir / image_id).write_bytes(b'x')

    with pytest.raises(exception.StoreDeleteFailed, match='disk on fire'):
        registry.purge(image_id)
    assert os.listdir(datadir) == []

    (datadir / partial).write_bytes(b'x')
    old = time.time() - 3600
    os.utime(datadir / partial, (old, old))
    assert sorted(registry.clean_stale_partials(600)) == \
        sorted(['stale-elsewhere', partial])


def test_purge_in_the_default_stores(registry_conf, datadir):
    registry = store.StoreRegistry(registry_conf)
    stored = registry.default_driver().add(str(uuid.uuid4()),
                                           io.BytesIO(b'data'))
    image_id = stored.uri.rpartition('/')[2]

    assert registry.purge(image_id) == [image_id]
    assert registry.purge(image_id) == []
    assert os.listdir(datadir) == []
