"""Image import against real daemons: web-download from a real web server
(tests/file_server.py), redirects included, and the clients' import
commands unchanged."""

import hashlib
import os
import subprocess
import sys
import time
import urllib.parse

import pytest
import requests

from tests.file_server import serving

FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def loopback_allowed(port):
    """web-download filters letting the test web server on ``port`` in."""
    return {'import_filtering_opts': {'allowed_hosts': '127.0.0.1',
                                      'allowed_ports': str(port)}}


def wait_for_task(server, image_id, timeout=30):
    give_up_at = time.monotonic() + timeout
    while True:
        tasks = requests.get(server.url + '/v2/images/%s/tasks'
                             % image_id).json()['tasks']
        if tasks and tasks[0]['status'] in ('success', 'failure'):
            return tasks[0]
        assert time.monotonic() < give_up_at, tasks
        time.sleep(0.1)


def web_download(server, uri):
    image = requests.post(server.url + '/v2/images', json=FORMATS).json()
    response = requests.post(
        server.url + '/v2/images/%s/import' % image['id'],
        json={'method': {'name': 'web-download', 'uri': uri}})
    return image, response


def show(server, image_id):
    return requests.get(server.url + '/v2/images/' + image_id).json()


@pytest.fixture
def web(tmp_path):
    directory = tmp_path / 'web'
    directory.mkdir()
    data = os.urandom(3 * 1024 * 1024 + 7)
    with serving(directory, **{'disk.img': data}) as server:
        yield server, data


def test_web_download_imports_the_data(make_api_server, web, data_api):
    web_server, data = web
    server = make_api_server(conf=loopback_allowed(web_server.port),
                             data_api=data_api)
    image, response = web_download(server, web_server.url('disk.img'))
    assert response.status_code == 202, response.text
    task = wait_for_task(server, image['id'])
    assert task['status'] == 'success', task
    active = show(server, image['id'])
    assert active['status'] == 'active'
    assert active['checksum'] == hashlib.md5(data).hexdigest()
    assert requests.get(server.url + active['file']).content == data
    assert os.listdir(os.path.join(server.data_dir, 'staging')) == []


def test_web_download_follows_allowed_redirects(make_api_server, web):
    web_server, data = web
    server = make_api_server(conf=loopback_allowed(web_server.port))
    image, response = web_download(server,
                                   web_server.url('redirect/disk.img'))
    assert response.status_code == 202
    assert wait_for_task(server, image['id'])['status'] == 'success'
    assert web_server.requests == ['/redirect/disk.img', '/disk.img']


@pytest.mark.parametrize('target', [
    'http://169.254.169.254/latest/meta-data/',
    'http://localhost:%(port)d/disk.img',
    'http://127.0.0.1:1/disk.img',
    'file:///etc/passwd',
])
def test_a_redirect_to_a_forbidden_address_fails_the_task(
        make_api_server, web, target):
    web_server, _ = web
    server = make_api_server(conf=loopback_allowed(web_server.port))
    target = target % {'port': web_server.port}
    image, response = web_download(server, web_server.url(
        'redirect-to/' + urllib.parse.quote(target, safe='')))
    assert response.status_code == 202
    task = wait_for_task(server, image['id'])
    assert task['status'] == 'failure'
    assert 'not allowed' in task['message'] or 'cannot be read' in \
        task['message'], task['message']
    image = show(server, image['id'])
    assert image['status'] == 'queued'
    assert image['os_glance_failed_import'] == 'file'
    assert len(web_server.requests) == 1
    assert os.listdir(os.path.join(server.data_dir, 'staging')) == []
    assert os.listdir(os.path.join(server.data_dir, 'images')) == []


def test_loopback_is_refused_unless_allowed(make_api_server, web):
    web_server, _ = web
    server = make_api_server(conf={'import_filtering_opts': {
        'allowed_ports': str(web_server.port)}})
    image, response = web_download(server, web_server.url('disk.img'))
    assert response.status_code == 400
    assert 'not public' in response.text
    assert web_server.requests == []


def test_the_size_cap_holds_while_streaming(make_api_server, web):
    web_server, _ = web
    conf = loopback_allowed(web_server.port)
    conf['DEFAULT'] = {'image_size_cap': 1024 * 1024}
    server = make_api_server(conf=conf)
    image, _ = web_download(server, web_server.url('chunked/disk.img'))
    task = wait_for_task(server, image['id'])
    assert task['status'] == 'failure'
    assert show(server, image['id'])['status'] == 'queued'
    assert os.listdir(os.path.join(server.data_dir, 'staging')) == []


def run_glance(server, *args, data=None):
    """The glance CLI's output; ``data`` is its standard input, else it
    has none (the CLI takes any other standard input for image data)."""
    glance = os.path.join(os.path.dirname(sys.executable), 'glance')
    result = subprocess.run(
        [glance, '--os-image-url', server.url, '--os-auth-token', 'unused',
         '--os-image-api-version', '2'] + list(args),
        capture_output=True, input=data, timeout=120,
        preexec_fn=None if data is not None else lambda: os.close(0))
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, output
    return result.stdout.decode()


def field(output, name):
    """A field of the table the glance CLI prints."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split('|')]
        if len(cells) > 2 and cells[1] == name:
            return cells[2]
    raise AssertionError('%s not in\n%s' % (name, output))


def test_glanceclient_import_commands(make_api_server, web, tmp_path):
    web_server, data = web
    server = make_api_server(conf=loopback_allowed(web_server.port))
    path = tmp_path / 'disk.img'
    path.write_bytes(data)

    out = run_glance(server, 'image-create-via-import', '--name', 'direct',
                     '--disk-format', 'raw', '--container-format', 'bare',
                     '--import-method', 'glance-direct', data=data)
    direct = field(out, 'id')
    out = run_glance(server, 'image-create-via-import', '--name', 'web',
                     '--disk-format', 'raw', '--container-format', 'bare',
                     '--import-method', 'web-download', '--uri',
                     web_server.url('disk.img'))
    web = field(out, 'id')
    out = run_glance(server, 'image-create', '--name', 'staged',
                     '--disk-format', 'raw', '--container-format', 'bare')
    staged = field(out, 'id')
    run_glance(server, 'image-stage', '--file', str(path), staged)
    assert field(run_glance(server, 'image-show', staged),
                 'status') == 'uploading'
    run_glance(server, 'image-import', '--import-method', 'glance-direct',
               staged)

    for image_id in (direct, web, staged):
        assert wait_for_task(server, image_id)['status'] == 'success'
        assert requests.get(server.url + '/v2/images/%s/file'
                            % image_id).content == data
    listing = run_glance(server, 'task-list')
    task_ids = [line.split('|')[1].strip() for line in listing.splitlines()
                if line.count('|') > 3 and 'success' in line]
    assert len(task_ids) == 3
    shown = run_glance(server, 'task-show', task_ids[0])
    assert field(shown, 'status') == 'success'
    assert field(shown, 'type') == 'api_image_import'
    assert 'import-methods' in run_glance(server, 'import-info')


def test_openstacksdk_use_import(make_api_server, tmp_path):
    import openstack
    server = make_api_server()
    data = os.urandom(1024 * 1024 + 3)
    path = tmp_path / 'disk.img'
    path.write_bytes(data)
    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=server.url + '/v2')
    image = conn.image.create_image(
        name='sdk-import', filename=str(path), disk_format='raw',
        container_format='bare', use_import=True, wait=True, timeout=60)
    image = conn.image.wait_for_status(image, 'active', wait=60)
    assert image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()


def test_legacy_import_task(make_api_server, web):
    web_server, data = web
    server = make_api_server(conf=loopback_allowed(web_server.port))
    response = requests.post(server.url + '/v2/tasks', json={
        'type': 'import', 'input': {
            'import_from': web_server.url('disk.img'),
            'import_from_format': 'raw',
            'image_properties': {'name': 'legacy',
                                 'container_format': 'bare'}}})
    assert response.status_code == 201, response.text
    task = response.json()
    image_id = task['image_id']
    assert wait_for_task(server, image_id)['status'] == 'success'
    shown = requests.get(server.url + '/v2/tasks/' + task['id']).json()
    assert shown['result'] == {'image_id': image_id}
    image = show(server, image_id)
    assert (image['name'], image['status']) == ('legacy', 'active')


def test_an_import_reaches_the_node_holding_the_staged_data(
        make_api_server, tmp_path):
    """Two API nodes on one database and one image store, each with a
    staging directory of its own: an import asked of the node that does
    not hold the staged data is passed on to the one that does."""
    shared = tmp_path / 'shared-images'
    first = make_api_server(start=False)
    second = make_api_server(start=False)
    for server in (first, second):
        server.update_conf({
            'DEFAULT': {'worker_self_reference_url': server.url},
            'glance_store': {'filesystem_store_datadir': str(shared)},
            'database': {'connection': first._sqlite_connection}})
        server.start()
    data = os.urandom(1024 * 1024)
    image = requests.post(first.url + '/v2/images', json=FORMATS).json()
    response = requests.put(
        first.url + '/v2/images/%s/stage' % image['id'], data=data,
        headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204
    assert show(second, image['id'])['os_glance_stage_host'] == first.url
    assert os.listdir(os.path.join(second.data_dir, 'staging')) == []

    response = requests.post(
        second.url + '/v2/images/%s/import' % image['id'],
        json={'method': {'name': 'glance-direct'}})
    assert response.status_code == 202, response.text
    assert wait_for_task(second, image['id'])['status'] == 'success'
    assert requests.get(second.url + '/v2/images/%s/file'
                        % image['id']).content == data
    assert os.listdir(os.path.join(first.data_dir, 'staging')) == []
