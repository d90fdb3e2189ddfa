"""glance-api killed (SIGKILL) in the middle of an import, then started
again: maintenance ends the task with a reason, the image returns to
queued (never stuck in importing), the staging area is cleaned, and the
image imports again.

The crash is real; only the passage of time is simulated, by ageing the
rows and the partial staged file past the stall limit.
"""

import os
import sqlite3
from signal import SIGKILL

import requests

from glance.domain import maintenance
from tests.file_server import serving
from tests.functional.test_crash_recovery import eventually

AGE = maintenance.OPTS[0].default + 60
FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def query(server, sql, *args):
    with sqlite3.connect(os.path.join(server.data_dir,
                                      'glance.sqlite')) as db:
        return db.execute(sql, args).fetchall()


def staging_files(server):
    return os.listdir(os.path.join(server.data_dir, 'staging'))


def age_everything(server):
    for table in ('images', 'tasks'):
        query(server, "UPDATE %s SET updated_at = datetime(updated_at, "
                      "'-%d seconds')" % (table, AGE))
    directory = os.path.join(server.data_dir, 'staging')
    for name in staging_files(server):
        path = os.path.join(directory, name)
        past = os.stat(path).st_mtime - AGE
        os.utime(path, (past, past))


def test_a_killed_import_ends_and_the_image_is_not_stuck(make_api_server,
                                                          tmp_path):
    web = tmp_path / 'web'
    web.mkdir()
    data = os.urandom(4 * 1024 * 1024)
    with serving(web, **{'disk.img': data}) as web_server:
        server = make_api_server(workers=1, conf={'import_filtering_opts': {
            'allowed_hosts': '127.0.0.1',
            'allowed_ports': str(web_server.port)}})
        image = requests.post(server.url + '/v2/images',
                              json=FORMATS).json()
        response = requests.post(
            server.url + '/v2/images/%s/import' % image['id'],
            json={'method': {'name': 'web-download',
                             'uri': web_server.url('slow/disk.img')}})
        assert response.status_code == 202
        eventually(lambda: staging_files(server) and query(
            server, 'SELECT status FROM tasks') == [('processing',)])

        server.stop(SIGKILL)
        assert query(server, 'SELECT status FROM images') == [
            ('importing',)]
        assert query(server, 'SELECT status FROM tasks') == [
            ('processing',)]

        age_everything(server)
        server.update_conf({'DEFAULT': {'maintenance_interval': 1}})
        server.start()
        eventually(lambda: query(server, 'SELECT status FROM tasks') == [
            ('failure',)] and query(server, 'SELECT status FROM images') == [
            ('queued',)])
        task = requests.get(server.url + '/v2/images/%s/tasks'
                            % image['id']).json()['tasks'][0]
        assert 'glance-api process running it ended' in task['message']
        shown = requests.get(server.url + '/v2/images/' + image['id']).json()
        assert shown['status'] == 'queued'
        assert shown['os_glance_failed_import'] == 'file'
        eventually(lambda: staging_files(server) == [])

        response = requests.post(
            server.url + '/v2/images/%s/import' % image['id'],
            json={'method': {'name': 'web-download',
                             'uri': web_server.url('disk.img')}})
        assert response.status_code == 202
        eventually(lambda: requests.get(
            server.url + '/v2/images/' + image['id']).json()['status']
            == 'active')
        assert requests.get(server.url + '/v2/images/%s/file'
                            % image['id']).content == data


def test_maintenance_leaves_a_live_import_alone(make_api_server, tmp_path):
    """A task that beats is not taken for dead, however long it runs."""
    web = tmp_path / 'web'
    web.mkdir()
    data = os.urandom(2 * 1024 * 1024)
    with serving(web, **{'disk.img': data}) as web_server:
        server = make_api_server(workers=1, conf={
            'DEFAULT': {'maintenance_interval': 1},
            'import_filtering_opts': {'allowed_hosts': '127.0.0.1',
                                      'allowed_ports': str(web_server.port)}})
        image = requests.post(server.url + '/v2/images',
                              json=FORMATS).json()
        requests.post(server.url + '/v2/images/%s/import' % image['id'],
                      json={'method': {'name': 'web-download',
                                       'uri': web_server.url(
                                           'slow/disk.img')}})
        eventually(lambda: query(server, 'SELECT status FROM tasks') == [
            ('success',)], timeout=60)
        assert requests.get(server.url + '/v2/images/' + image['id']).json(
        )['status'] == 'active'
