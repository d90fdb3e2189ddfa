"""A store driver from another distribution, found through the
``glance.store.drivers`` entry point group by a real glance-api."""

import hashlib
import os
import shutil

import requests

from tests.functional import server as server_mod

DRIVER = os.path.join(os.path.dirname(__file__), 'third_party',
                      'glance_notes_store.py')
FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def install_distribution(site):
    """The driver as a distribution of its own in ``site``: its module and
    a dist-info naming it in the entry point group, as pip would leave
    them."""
    site.mkdir()
    shutil.copy(DRIVER, site)
    dist_info = site / 'glance_notes_store-1.0.dist-info'
    dist_info.mkdir()
    (dist_info / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: glance-notes-store\nVersion: 1.0\n')
    (dist_info / 'entry_points.txt').write_text(
        '[glance.store.drivers]\n'
        'notes = glance_notes_store:NotesDriver\n')


def test_a_third_party_driver_stores_and_serves_images(make_api_server,
                                                      tmp_path):
    site = tmp_path / 'site'
    install_distribution(site)
    notes = tmp_path / 'notes'
    server = make_api_server(start=False, conf={'glance_store': {
        'stores': 'notes, file', 'default_store': 'notes',
        'notes_store_dir': str(notes)}})
    env = server_mod.environ()
    env['PYTHONPATH'] = os.pathsep.join([str(site), env['PYTHONPATH']])
    server.environ = lambda: env
    server.start()

    data = os.urandom(3 * 1024 * 1024 + 17)
    image = requests.post(server.url + '/v2/images', json=FORMATS).json()
    response = requests.put(
        server.url + '/v2/images/%s/file' % image['id'], data=data,
        headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204, response.text
    assert (notes / image['id']).read_bytes() == data
    assert os.listdir(notes) == [image['id']]

    shown = requests.get(server.url + '/v2/images/' + image['id']).json()
    assert shown['status'] == 'active'
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    download = requests.get(server.url + '/v2/images/%s/file' % image['id'])
    assert download.content == data
    ranged = requests.get(server.url + '/v2/images/%s/file' % image['id'],
                          headers={'Range': 'bytes=10-19'})
    assert ranged.status_code == 206 and ranged.content == data[10:20]

    assert requests.delete(
        server.url + '/v2/images/' + image['id']).status_code == 204
    assert os.listdir(notes) == []


def test_a_driver_named_but_not_installed_stops_the_start(make_api_server):
    server = make_api_server(start=False, conf={'glance_store': {
        'stores': 'notes, file', 'default_store': 'file'}})
    result = server.run_foreground()
    assert result.returncode != 0
    assert "Unknown store 'notes'" in result.stderr + server.read_log()
