"""A glance-api worker killed mid-upload: maintenance puts things right
while the service runs, and a delete removes the partial data at once.

The crash is real (SIGKILL to the worker while an upload streams); only the
passage of time is simulated, by ageing the image row and the partial file
past the stall limit.
"""

import os
import socket
import sqlite3
import time
from signal import SIGKILL

import requests

from glance.domain import maintenance
from tests.functional.server import child_pids

AGE = maintenance.OPTS[0].default + 60
# Maintenance rounds every second, so that the tests need not wait.
EVERY_SECOND = {'DEFAULT': {'maintenance_interval': 1}}
FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def eventually(predicate, timeout=15):
    give_up_at = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < give_up_at, 'condition never became true'
        time.sleep(0.05)


def images_dir(server):
    return os.path.join(server.data_dir, 'images')


def partial_files(server):
    return [name for name in os.listdir(images_dir(server))
            if name.endswith('.partial')]


def database(server):
    """The database holding ``server``'s images: its registry's, if any."""
    return os.path.join((server.registry or server).data_dir,
                        'glance.sqlite')


def stored_status(server, image_id):
    with sqlite3.connect(database(server)) as db:
        return db.execute('SELECT status FROM images WHERE id = ?',
                          (image_id,)).fetchone()[0]


def age(server, image_id):
    with sqlite3.connect(database(server)) as db:
        db.execute("UPDATE images SET updated_at = datetime(updated_at, "
                   "'-%d seconds') WHERE id = ?" % AGE, (image_id,))
    for name in partial_files(server):
        path = os.path.join(images_dir(server), name)
        past = os.stat(path).st_mtime - AGE
        os.utime(path, (past, past))


def start_upload(server, image_id, sent, token=None):
    """A socket sending an upload of 100 MB, of which ``sent`` bytes so far.
    """
    upload = socket.create_connection(('127.0.0.1', server.port))
    upload.sendall(('PUT /v2/images/%s/file HTTP/1.1\r\nHost: x\r\n'
                    'Content-Type: application/octet-stream\r\n'
                    '%sContent-Length: 100000000\r\n\r\n'
                    % (image_id, 'X-Auth-Token: %s\r\n' % token
                       if token else '')).encode())
    upload.sendall(b'x' * sent)
    return upload


def kill_worker_mid_upload(server, token=None):
    """An image whose upload was streaming when its worker got SIGKILL."""
    image = requests.post(server.url + '/v2/images', json=FORMATS, headers={
        'X-Auth-Token': token} if token else {}).json()
    upload = start_upload(server, image['id'], 4 * 1024 * 1024, token)
    eventually(lambda: partial_files(server) and
               stored_status(server, image['id']) == 'saving')
    for worker in child_pids(server.pid):
        os.kill(worker, SIGKILL)
    upload.close()
    return image


def test_maintenance_requeues_a_dead_upload_while_serving(make_api_server):
    server = make_api_server(workers=1, conf=EVERY_SECOND)
    image = kill_worker_mid_upload(server)
    assert stored_status(server, image['id']) == 'saving'
    assert partial_files(server)

    age(server, image['id'])
    eventually(lambda: stored_status(server, image['id']) == 'queued')
    assert os.listdir(images_dir(server)) == []

    data = os.urandom(1024 * 1024)
    response = requests.put(
        server.url + '/v2/images/%s/file' % image['id'], data=data,
        headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204
    assert requests.get(server.url + '/v2/images/%s/file'
                        % image['id']).content == data


def test_deleting_an_image_removes_its_partial_data(make_api_server):
    server = make_api_server(workers=1)
    image = kill_worker_mid_upload(server)

    response = requests.delete(server.url + '/v2/images/' + image['id'])

    assert response.status_code == 204
    assert os.listdir(images_dir(server)) == []
    assert stored_status(server, image['id']) == 'deleted'


def test_a_recent_upload_is_left_alone_by_maintenance(make_api_server):
    """Another server may still be writing: young uploads are not touched."""
    server = make_api_server(workers=1, conf=EVERY_SECOND)
    image = kill_worker_mid_upload(server)
    time.sleep(3)
    assert stored_status(server, image['id']) == 'saving'
    assert partial_files(server)
