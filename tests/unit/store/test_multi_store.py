"""Several stores at once: enabled_backends read from a configuration
file as the service reads it, a driver instance per store id, locations
told apart by store."""

import io
import os
import textwrap
import uuid

from oslo_config import cfg
import pytest

from glance.common import exception
from glance.domain import image as image_mod
from glance import store
from glance.store import filesystem
from glance.store import http


def registry(tmp_path, text):
    """A StoreRegistry configured by the glance-api.conf ``text``."""
    path = tmp_path / 'glance-api.conf'
    path.write_text(textwrap.dedent(text) + textwrap.dedent('''
        [DEFAULT]
        node_staging_uri = file://%s/staging
    ''' % tmp_path))
    conf = cfg.ConfigOpts()
    conf(args=['--config-file', str(path)], default_config_files=[],
         default_config_dirs=[])
    return store.StoreRegistry(conf)


TWO_FILE_STORES = '''
    [DEFAULT]
    enabled_backends = fast:file, cold:file, web:http
    [glance_store]
    default_backend = cold
    [fast]
    filesystem_store_datadir = {tmp}/fast
    store_description = Fast and dear
    [cold]
    filesystem_store_datadir = {tmp}/cold
    weight = 3
'''


@pytest.fixture
def stores(tmp_path):
    return registry(tmp_path, TWO_FILE_STORES.format(tmp=tmp_path))


def test_each_store_is_a_driver_with_its_own_options(stores, tmp_path):
    fast, cold, web = stores
    assert isinstance(fast, filesystem.FilesystemDriver)
    assert isinstance(cold, filesystem.FilesystemDriver)
    assert isinstance(web, http.HttpDriver)
    assert [d.store_id for d in stores] == ['fast', 'cold', 'web']
    assert fast.datadir == str(tmp_path / 'fast')
    assert cold.datadir == str(tmp_path / 'cold')
    assert fast.opts.store_description == 'Fast and dear'
    assert stores.multiple
    assert stores.default_driver() is cold
    assert stores.weight('cold') == 3 and stores.weight('fast') == 0
    assert stores.weight(None) == 0
    assert stores.writable_store_ids() == ['fast', 'cold']
    assert stores.store_type('web') == 'http'
    assert stores.details('fast') == {'data_dir': str(tmp_path / 'fast'),
                                      'chunk_size': 1024 * 1024,
                                      'thin_provisioning': False}


def test_locations_are_told_apart_by_store(stores):
    fast, cold, _web = stores
    image_id = str(uuid.uuid4())
    in_fast = stores.driver_for_upload('fast').add(image_id,
                                                   io.BytesIO(b'fast'))
    in_cold = stores.driver_for_upload().add(image_id, io.BytesIO(b'cold'))
    assert stores.store_id_for(in_fast.uri) == 'fast'
    assert stores.store_id_for(in_cold.uri) == 'cold'
    assert stores.store_id_for('https://example.com/x') == 'web'
    assert stores.store_id_for('file:///elsewhere/' + image_id) is None
    assert stores.store_id_for('swift://a/b/c') is None
    assert stores.driver_for_uri(in_cold.uri) is cold
    with stores.get(in_fast.uri) as data:
        assert b''.join(data) == b'fast'
    assert stores.driver_for_location(image_mod.Location(
        in_cold.uri, {'store': 'cold'})) is cold
    assert stores.driver_for_location(image_mod.Location(
        in_cold.uri, {'store': 'gone'})) is cold
    assert stores.owns(in_fast.uri) and not stores.owns('http://h/x')
    stores.delete(in_fast.uri)
    assert not os.path.exists(in_fast.uri[len('file://'):])
    assert os.path.exists(in_cold.uri[len('file://'):])


def test_purge_covers_every_store(stores):
    image_id = str(uuid.uuid4())
    for store_id in ('fast', 'cold'):
        stores.driver_for_upload(store_id).add(image_id, io.BytesIO(b'x'))
    assert len(stores.purge(image_id)) == 2


def test_upload_targets(stores):
    assert stores.driver_for_upload('fast').store_id == 'fast'
    with pytest.raises(exception.UnknownScheme):
        stores.driver_for_upload('file')
    with pytest.raises(exception.UnknownScheme):
        stores.driver_for_upload('os_glance_staging_store')
    with pytest.raises(exception.InvalidParameterValue, match='fast, cold'):
        stores.driver_for_upload('web')


def test_one_store_has_no_store_ids(tmp_path):
    single = registry(tmp_path, '''
        [glance_store]
        filesystem_store_datadir = %s/images
    ''' % tmp_path)
    assert not single.multiple
    assert single.store_id_for('file://%s/images/%s'
                               % (tmp_path, uuid.uuid4())) is None
    assert single.writable_store_ids() == []
    with pytest.raises(exception.UnknownScheme):
        single.driver_for_store('file')


@pytest.mark.parametrize('text, message', [
    ('''
     [DEFAULT]
     enabled_backends = fast:floppy
     [glance_store]
     default_backend = fast
     ''', "Unknown store 'floppy' in enabled_backends (store 'fast')"),
    ('''
     [DEFAULT]
     enabled_backends = fast:file
     [glance_store]
     default_backend = slow
     [fast]
     filesystem_store_datadir = {tmp}/fast
     ''', "default_backend 'slow' is not one of enabled_backends (fast)"),
    ('''
     [DEFAULT]
     enabled_backends = fast:file
     [fast]
     filesystem_store_datadir = {tmp}/fast
     ''', "default_backend None is not one of enabled_backends"),
    ('''
     [DEFAULT]
     enabled_backends = web:http
     [glance_store]
     default_backend = web
     ''', "The default store 'web' is read-only"),
    ('''
     [DEFAULT]
     enabled_backends = os_glance_staging_store:file
     [glance_store]
     default_backend = os_glance_staging_store
     ''', "ids starting 'os_glance_' are reserved"),
])
def test_bad_configurations_stop_the_start(tmp_path, text, message):
    with pytest.raises(exception.ConfigError) as raised:
        registry(tmp_path, text.format(tmp=tmp_path))
    assert message in str(raised.value)
    assert '\n' not in str(raised.value)
