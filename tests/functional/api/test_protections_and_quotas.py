"""Property protections and quotas on real daemons, in both data_api
modes: a bad protection file or quota stops glance-api, a reload re-reads
the file, concurrent uploads of
several workers keep user_storage_quota, protected properties stay hidden.
"""

import concurrent.futures
import signal

import requests

from tests.functional import server as server_mod
from tests.functional.test_registry import eventually

PROTECTIONS = """
[^x_secret_]
create = admin
read = admin
update = admin
delete = admin

[.*]
create = admin,member
read = @
update = admin,member
delete = admin,member
"""


def identity(project, roles='member'):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'user-' + project,
            'X-Project-Id': project, 'X-Roles': roles}


def test_a_bad_protection_file_stops_glance_api(tmp_path):
    rules = tmp_path / 'protections.conf'
    rules.write_text('[.*]\ncreate = @\nread = @\nupdate = @\n')
    api = server_mod.ApiServer(tmp_path / 'api', conf={'DEFAULT': {
        'property_protection_file': str(rules)}})
    result = api.run_foreground(timeout=60)
    assert result.returncode == 1
    assert 'Invalid property protection file %s' % rules in result.stderr
    assert 'who may delete' in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_bad_storage_quota_stops_glance_api(tmp_path):
    api = server_mod.ApiServer(tmp_path, conf={'DEFAULT': {
        'user_storage_quota': '10 GB'}})
    result = api.run_foreground(timeout=60)
    assert result.returncode == 1
    assert "Invalid user_storage_quota '10 GB'" in result.stderr
    assert 'Traceback' not in result.stderr


def test_protections_and_storage_quota(make_api_server, tmp_path, data_api):
    rules = tmp_path / 'protections.conf'
    rules.write_text(PROTECTIONS)
    server = make_api_server(flavor='trusted-auth', workers=2,
                             data_api=data_api, conf={'DEFAULT': {
                                 'property_protection_file': str(rules),
                                 'user_storage_quota': '25B'}})
    alice, ops = identity('alice'), identity('ops', 'admin')
    url = server.url + '/v2/images'

    image = requests.post(url, headers=ops, json={
        'owner': 'alice', 'x_secret_a': 's', 'x_open': 'o'}).json()
    shown = requests.get(url + '/' + image['id'], headers=alice).json()
    assert 'x_secret_a' not in shown and shown['x_open'] == 'o'
    v1 = requests.head(server.url + '/v1/images/' + image['id'],
                       headers=alice).headers
    assert 'x-image-meta-property-x_secret_a' not in v1
    assert requests.post(url, headers=alice,
                         json={'x_secret_b': 'b'}).status_code == 403

    ids = [requests.post(url, headers=alice, json={
        'disk_format': 'raw', 'container_format': 'bare'}).json()['id']
        for _ in range(6)]

    def upload(image_id):
        return requests.put(
            '%s/%s/file' % (url, image_id), data=b'0123456789',
            headers=dict(alice, **{'Content-Type':
                                   'application/octet-stream'})).status_code

    with concurrent.futures.ThreadPoolExecutor(len(ids)) as pool:
        answers = sorted(pool.map(upload, ids))
    assert answers == [204, 204, 413, 413, 413, 413]
    statuses = sorted(requests.get(url + '/' + image_id,
                                   headers=alice).json()['status']
                      for image_id in ids)
    assert statuses == ['active'] * 2 + ['queued'] * 4


def test_a_reload_reads_the_protection_file_again(make_api_server,
                                                 tmp_path):
    rules = tmp_path / 'protections.conf'
    rules.write_text(PROTECTIONS)
    server = make_api_server(flavor='trusted-auth', conf={'DEFAULT': {
        'property_protection_file': str(rules)}})
    url = server.url + '/v2/images'

    def create_secret():
        return requests.post(url, headers=identity('alice'),
                             json={'x_secret_b': 'b'}).status_code

    assert create_secret() == 403
    rules.write_text(PROTECTIONS.replace('create = admin\n',
                                         'create = admin,member\n', 1))
    server.signal(signal.SIGHUP)
    eventually(lambda: create_secret() == 201)
    # A file broken meanwhile leaves the rules read last in force.
    rules.write_text('[.*]\ncreate = !\n')
    server.signal(signal.SIGHUP)
    eventually(lambda: 'Reload failed' in server.read_log())
    assert 'Invalid property protection file' in server.read_log()
    assert create_secret() == 201
