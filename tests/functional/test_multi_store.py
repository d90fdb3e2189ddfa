"""Several stores at once in a real glance-api (two filesystem stores, and
a real Swift), driven by python-glanceclient and openstacksdk, unchanged."""

import hashlib
import io
import os
import time

import pytest

from tests.functional import stores
from tests.functional.test_clients import image_file  # noqa: F401
from tests.functional.test_clients import run_glance_cli


@pytest.fixture
def server(make_api_server, tmp_path):
    return make_api_server(conf={
        'DEFAULT': {'enabled_backends': 'fast:file, cold:file'},
        'glance_store': {'default_backend': 'fast'},
        'fast': {'filesystem_store_datadir': str(tmp_path / 'fast'),
                 'store_description': 'Fast and dear'},
        'cold': {'filesystem_store_datadir': str(tmp_path / 'cold')},
    })


def in_store(tmp_path, store_id):
    return sorted(name for name in os.listdir(tmp_path / store_id)
                  if not name.startswith('.'))


def cli_json(server, *args):
    """A glance command's table output as {Property: Value}."""
    table = {}
    for line in run_glance_cli(server, *args).splitlines():
        cells = [cell.strip() for cell in line.split('|')[1:-1]]
        if len(cells) == 2 and cells[0] not in ('Property', ''):
            table[cells[0]] = cells[1]
    return table


def wait_until(check, timeout=60):
    give_up_at = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < give_up_at
        time.sleep(0.2)


def test_glanceclient_cli(server, image_file, tmp_path):
    """The commands with store options, checked through the Python API
    (each command run costs a second or two)."""
    glance = stores.glanceclient_of(server)
    path, data = image_file
    info = run_glance_cli(server, 'stores-info', '--detail')
    assert 'Fast and dear' in info and 'data_dir' in info

    image = cli_json(server, 'image-create', '--name', 'in-cold',
                     '--disk-format', 'raw', '--container-format', 'bare',
                     '--store', 'cold', '--file', str(path))
    assert image['status'] == 'active' and image['stores'] == 'cold'
    assert in_store(tmp_path, 'cold') == [image['id']]

    other = stores.create_raw(glance, 'later')
    run_glance_cli(server, 'image-upload', '--store', 'fast', '--file',
                   str(path), other['id'])
    assert glance.images.get(other['id'])['stores'] == 'fast'

    run_glance_cli(server, 'image-import', '--import-method', 'copy-image',
                   '--stores', 'fast', image['id'])
    wait_until(lambda: glance.images.get(image['id'])['stores'] ==
               'cold,fast')
    with open(tmp_path / 'fast' / image['id'], 'rb') as copied:
        assert hashlib.md5(copied.read()).hexdigest() == image['checksum']

    run_glance_cli(server, 'stores-delete', '--store', 'cold', image['id'])
    assert glance.images.get(image['id'])['stores'] == 'fast'
    assert in_store(tmp_path, 'cold') == []
    assert b''.join(glance.images.data(image['id'])) == data

    run_glance_cli(server, 'image-delete', image['id'], other['id'])
    assert in_store(tmp_path, 'fast') == in_store(tmp_path, 'cold') == []


def test_openstacksdk(server, image_file, tmp_path):
    import openstack
    path, data = image_file
    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=server.url + '/v2')
    by_id = {store.id: store for store in conn.image.stores()}
    assert set(by_id) == {'fast', 'cold'}
    assert by_id['fast'].is_default
    assert by_id['fast'].description == 'Fast and dear'

    image = conn.image.create_image(
        name='sdk-cold', data=data, disk_format='raw',
        container_format='bare', use_import=True, stores=['cold'],
        wait=True)
    wait_until(lambda: conn.image.get_image(image.id).status == 'active')
    image = conn.image.get_image(image.id)
    assert image.properties['stores'] == 'cold'
    assert image.checksum == hashlib.md5(data).hexdigest()

    conn.image.import_image(image, method='copy-image', stores=['fast'])
    wait_until(lambda: conn.image.get_image(image.id).properties[
        'stores'] == 'cold,fast')
    assert in_store(tmp_path, 'fast') == [image.id]
    conn.image.delete_image(image)
    assert in_store(tmp_path, 'fast') == in_store(tmp_path, 'cold') == []


def test_swift_among_several_stores(make_api_server, swift_server, tmp_path):
    """A copy in a real Swift, read once the filesystem copy is gone, and
    removed with the image."""
    swift = stores.SwiftBackend(swift_server, tmp_path)
    server = make_api_server(conf={
        'DEFAULT': {'enabled_backends': 'fast:file, obj:swift'},
        'glance_store': {'default_backend': 'fast'},
        'fast': {'filesystem_store_datadir': str(tmp_path / 'fast')},
        'obj': swift.conf(swift.proxy_port)})
    glance = stores.glanceclient_of(server)
    data = os.urandom(5 * 1024 * 1024 + 3)
    image = glance.images.create(disk_format='raw', container_format='bare')
    glance.images.upload(image['id'], io.BytesIO(data))
    glance.images.image_import(image['id'], method='copy-image',
                               stores=['obj'])
    wait_until(lambda: glance.images.get(image['id'])['stores'] ==
               'fast,obj')
    assert swift.contents()
    glance.images.delete_from_store('fast', image['id'])
    assert in_store(tmp_path, 'fast') == []
    assert b''.join(glance.images.data(image['id'])) == data
    glance.images.delete(image['id'])
    assert swift.contents() == []
