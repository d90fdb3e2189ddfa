"""Interoperable image import: stage, import (glance-direct, web-download,
copy-image), /v2/info/import, and the tasks of an image."""

import gzip
import hashlib
import os
import shutil
import subprocess
import threading
import time

import pytest

from glance.db import repository
from glance.domain import data as data_mod
from tests.file_server import HOST
from tests.file_server import serving
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import UNKNOWN_ID
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload

FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


def stage(api, image_id, data):
    return api.put('/v2/images/%s/stage' % image_id, data=data,
                   headers=OCTET)


def start_import(api, image_id, method='glance-direct', **body):
    body['method'] = dict({'name': method}, **body.pop('extra', {}))
    return api.post('/v2/images/%s/import' % image_id, json=body)


def wait_for(api, image_id, statuses=('active', 'queued'), timeout=30):
    give_up_at = time.monotonic() + timeout
    while True:
        image = show(api, image_id).json()
        if image['status'] in statuses:
            return image
        assert time.monotonic() < give_up_at, image
        time.sleep(0.05)


def image_tasks(api, image_id):
    response = api.get('/v2/images/%s/tasks' % image_id)
    assert response.status_code == 200, response.text
    return response.json()['tasks']


def wait_for_task(api, image_id, timeout=30):
    """The image's newest task, once all its tasks ended."""
    give_up_at = time.monotonic() + timeout
    while True:
        tasks = image_tasks(api, image_id)
        if tasks and all(task['status'] in ('success', 'failure')
                         for task in tasks):
            return tasks[0]
        assert time.monotonic() < give_up_at, tasks
        time.sleep(0.05)


def test_info_import_lists_the_enabled_methods(make_api):
    api = make_api(conf={'DEFAULT': {
        'enabled_import_methods': ['glance-direct', 'web-download']}})
    response = api.get('/v2/info/import')
    assert response.status_code == 200
    assert response.json() == {'import-methods': {
        'description': 'Import methods available.', 'type': 'array',
        'value': ['glance-direct', 'web-download']}}


def test_glance_direct_stages_then_imports(api):
    data = os.urandom(2 * 1024 * 1024 + 5)
    image = create(api, name='direct', **FORMATS)
    response = stage(api, image['id'], data)
    assert response.status_code == 204, response.text
    assert show(api, image['id']).json()['status'] == 'uploading'
    assert api.get(image['file']).status_code == 204

    response = start_import(api, image['id'])
    assert response.status_code == 202, response.text

    task = wait_for_task(api, image['id'])
    active = show(api, image['id']).json()
    assert active['status'] == 'active'
    assert active['size'] == len(data)
    assert active['checksum'] == hashlib.md5(data).hexdigest()
    assert active['os_glance_importing_to_stores'] == ''
    assert active['os_glance_failed_import'] == ''
    assert api.get(image['file']).content == data
    assert task['status'] == 'success', task
    assert task['type'] == 'api_image_import'
    assert task['image_id'] == image['id']
    assert task['result'] == {'image_id': image['id']}
    assert task['input']['import_req'] == {
        'method': {'name': 'glance-direct'}}
    assert 'expires_at' in task
    assert os.listdir(os.path.join(os.path.dirname(api.datadir),
                                   'staging')) == []


def test_glance_direct_before_staging_is_409(api):
    image = create(api, **FORMATS)
    response = start_import(api, image['id'])
    assert response.status_code == 409
    assert 'staged' in response.text


def test_stage_needs_a_queued_image(api):
    image = create(api, **FORMATS)
    assert upload(api, image['id'], b'data').status_code == 204
    assert stage(api, image['id'], b'more').status_code == 409


def test_stage_wants_octet_stream(api):
    image = create(api, **FORMATS)
    response = api.put('/v2/images/%s/stage' % image['id'], data=b'x',
                       headers={'Content-Type': 'text/plain'})
    assert response.status_code == 415


def test_stage_above_the_size_cap_is_413_and_requeues(make_api):
    api = make_api(conf={'DEFAULT': {'image_size_cap': 1024}})
    image = create(api, **FORMATS)
    response = stage(api, image['id'], iter([b'x' * 1000, b'y' * 1000]))
    assert response.status_code == 413
    assert show(api, image['id']).json()['status'] == 'queued'
    assert os.listdir(os.path.join(os.path.dirname(api.datadir),
                                   'staging')) == []


def test_stage_and_import_unknown_images_are_404(api):
    assert stage(api, UNKNOWN_ID, b'x').status_code == 404
    assert stage(api, 'not-a-uuid', b'x').status_code == 404
    assert start_import(api, UNKNOWN_ID).status_code == 404


def test_a_disabled_method_is_refused(make_api):
    api = make_api(conf={'DEFAULT': {
        'enabled_import_methods': ['web-download']}})
    image = create(api, **FORMATS)
    assert stage(api, image['id'], b'x').status_code == 404
    response = start_import(api, image['id'])
    assert response.status_code == 400
    assert 'glance-direct' in response.text


@pytest.mark.parametrize('body', [
    {}, {'method': 'glance-direct'}, {'method': {'name': 3}},
    {'method': {'name': 'web-download', 'uri': 5}},
    {'method': {'name': 'glance-direct'}, 'all_stores': 'yes'},
    {'method': {'name': 'glance-direct'}, 'stores': ['file'],
     'all_stores': True},
    {'method': {'name': 'no-such-method'}},
])
def test_malformed_import_requests_are_400(api, body):
    image = create(api, **FORMATS)
    response = api.post('/v2/images/%s/import' % image['id'], json=body)
    assert response.status_code == 400, response.text


def test_import_into_an_unknown_store_is_400(api):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], b'x').status_code == 204
    response = start_import(api, image['id'], stores=['nowhere'])
    assert response.status_code == 400
    assert show(api, image['id']).json()['status'] == 'uploading'


def test_import_needs_formats(api):
    image = create(api)
    assert stage(api, image['id'], b'x').status_code == 204
    assert start_import(api, image['id']).status_code == 409


def test_only_the_owner_stages_and_imports(make_api):
    api = make_api(flavor='trusted-auth')
    alice, bob = as_project(api, 'alice'), as_project(api, 'bob')
    image = create(alice, visibility='community', **FORMATS)
    assert stage(bob, image['id'], b'x').status_code == 403
    assert stage(alice, image['id'], b'x').status_code == 204
    assert start_import(bob, image['id']).status_code == 403
    private = create(alice, **FORMATS)
    assert stage(bob, private['id'], b'x').status_code == 404
    assert api.get('/v2/images/%s/tasks' % private['id']).status_code \
        in (401, 404)


def test_copy_image_with_one_store_is_409(api):
    image = create(api, **FORMATS)
    assert upload(api, image['id'], b'data').status_code == 204
    response = start_import(api, image['id'], 'copy-image', all_stores=True)
    assert response.status_code == 409
    assert 'already present' in response.text


def test_copy_image_needs_an_active_image(api):
    image = create(api, **FORMATS)
    assert start_import(api, image['id'], 'copy-image').status_code == 409


def test_glance_download_without_a_second_region_is_400(make_api):
    api = make_api(conf={'DEFAULT': {'enabled_import_methods': [
        'glance-direct', 'glance-download']}})
    image = create(api, **FORMATS)
    assert start_import(api, image['id'], 'glance-download').status_code \
        == 400


def test_web_download_to_a_refused_address_is_400(api):
    image = create(api, **FORMATS)
    response = start_import(api, image['id'], 'web-download', extra={
        'uri': 'http://127.0.0.1/disk.img'})
    assert response.status_code == 400
    assert 'not allowed' in response.text
    assert show(api, image['id']).json()['status'] == 'queued'
    assert image_tasks(api, image['id']) == []


def test_web_download_of_a_staged_image_is_409(api):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], b'x').status_code == 204
    response = start_import(api, image['id'], 'web-download', extra={
        'uri': 'http://example.com/disk.img'})
    assert response.status_code == 409


def test_deleting_a_staged_image_removes_the_staged_data(api):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], b'x' * 100).status_code == 204
    staging = os.path.join(os.path.dirname(api.datadir), 'staging')
    assert os.listdir(staging) == [image['id']]
    assert api.delete('/v2/images/' + image['id']).status_code == 204
    assert os.listdir(staging) == []


def test_plugins_run_on_the_staged_data(make_api):
    api = make_api(conf={
        'image_import_opts': {'image_import_plugins': [
            'no_op', 'image_decompression', 'inject_image_metadata']},
        'inject_metadata_properties': {'inject': {'injected': 'yes'},
                                       'ignore_user_roles': []}})
    data = os.urandom(300000)
    image = create(api, **FORMATS)
    assert stage(api, image['id'], gzip.compress(data)).status_code == 204
    assert start_import(api, image['id']).status_code == 202
    active = wait_for(api, image['id'])
    assert active['status'] == 'active', wait_for_task(api, image['id'])
    assert active['injected'] == 'yes'
    assert api.get(image['file']).content == data


needs_qemu_img = pytest.mark.skipif(
    shutil.which('qemu-img') is None,
    reason='qemu-img (Debian: qemu-utils) is not installed')


def qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, capture_output=True)


@pytest.fixture
def converting_api(make_api):
    return make_api(conf={'image_import_opts': {
        'image_import_plugins': ['image_conversion']}})


@needs_qemu_img
def test_conversion_plugin_imports_a_qcow2_as_raw(converting_api, tmp_path):
    api = converting_api
    raw = os.urandom(1024 * 1024)
    (tmp_path / 'disk.raw').write_bytes(raw)
    qemu_img('convert', '-f', 'raw', '-O', 'qcow2',
             str(tmp_path / 'disk.raw'), str(tmp_path / 'disk.qcow2'))
    image = create(api, disk_format='qcow2', container_format='bare')
    assert stage(api, image['id'],
                 (tmp_path / 'disk.qcow2').read_bytes()).status_code == 204
    assert start_import(api, image['id']).status_code == 202
    assert wait_for_task(api, image['id'])['status'] == 'success'
    active = show(api, image['id']).json()
    assert (active['status'], active['disk_format']) == ('active', 'raw')
    assert api.get(image['file']).content == raw


@needs_qemu_img
def test_conversion_plugin_refuses_a_backing_file(converting_api, tmp_path):
    api = converting_api
    qemu_img('create', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/hostname',
             str(tmp_path / 'evil.qcow2'), '1M')
    image = create(api, disk_format='qcow2', container_format='bare')
    assert stage(api, image['id'],
                 (tmp_path / 'evil.qcow2').read_bytes()).status_code == 204
    assert start_import(api, image['id']).status_code == 202
    task = wait_for_task(api, image['id'])
    assert task['status'] == 'failure'
    assert 'backing file' in task['message']
    refused = show(api, image['id']).json()
    assert refused['status'] == 'queued'
    assert refused['os_glance_failed_import'] == 'file'
    assert api.stored_files() == []
    assert os.listdir(os.path.join(os.path.dirname(api.datadir),
                                   'staging')) == []


# -- the import lock, os_glance_import_task ---------------------------------

WEB_DATA = os.urandom(200 * 1024 + 3)
METHODS = ('glance-direct', 'web-download')


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': WEB_DATA}) as server:
        yield server


@pytest.fixture
def web_api(make_api, web, data_api):
    """glance-api whose web-download may fetch from ``web``."""
    return make_api(data_api=data_api, conf={'import_filtering_opts': {
        'allowed_hosts': [HOST], 'allowed_ports': [web.port]}})


def begin(api, web, method, image_id):
    """Ask for an import of WEB_DATA by ``method``; the response."""
    if method == 'glance-direct':
        assert stage(api, image_id, WEB_DATA).status_code == 204
        return start_import(api, image_id)
    return start_import(api, image_id, method,
                        extra={'uri': web.url('disk.img')})


@pytest.mark.parametrize('method', METHODS)
def test_an_import_holds_the_lock_until_it_succeeds(web_api, web, method,
                                                    monkeypatch):
    gate = threading.Event()
    import_staged = data_mod.ImageData.import_staged

    def held(*args, **kwargs):
        assert gate.wait(30)
        return import_staged(*args, **kwargs)

    monkeypatch.setattr(data_mod.ImageData, 'import_staged', held)
    image = create(web_api, **FORMATS)
    assert begin(web_api, web, method, image['id']).status_code == 202
    running = show(web_api, image['id']).json()
    [task] = image_tasks(web_api, image['id'])
    assert running['os_glance_import_task'] == task['id']
    again = start_import(web_api, image['id'], method,
                         extra={'uri': web.url('disk.img')})
    assert again.status_code == 409, again.text
    gate.set()

    assert wait_for_task(web_api, image['id'])['status'] == 'success'
    active = show(web_api, image['id']).json()
    assert active['status'] == 'active'
    assert 'os_glance_import_task' not in active
    assert web_api.get(image['file']).content == WEB_DATA


@pytest.mark.parametrize('method', METHODS)
def test_a_failed_import_drops_the_lock(web_api, web, method):
    # Not the qcow2 it claims to be: refused while it is stored.
    image = create(web_api, disk_format='qcow2', container_format='bare')
    assert begin(web_api, web, method, image['id']).status_code == 202
    task = wait_for_task(web_api, image['id'])
    assert task['status'] == 'failure', task
    queued = wait_for(web_api, image['id'], statuses=('queued',))
    assert 'os_glance_import_task' not in queued
    # Nothing holds the image: it may be imported again at once.
    assert begin(web_api, web, method, image['id']).status_code == 202
    assert wait_for_task(web_api, image['id'])['status'] == 'failure'


@pytest.mark.parametrize('method', METHODS)
def test_of_two_concurrent_imports_one_takes_the_lock(web_api, web, method,
                                                      monkeypatch):
    image = create(web_api, **FORMATS)
    if method == 'glance-direct':
        assert stage(web_api, image['id'], WEB_DATA).status_code == 204
    body = {} if method == 'glance-direct' else {
        'extra': {'uri': web.url('disk.img')}}
    second = []
    add_task = repository.SqlImageRepository.add_task

    def add_task_and_race(repo, task):
        # The second import runs while the first one, having read the
        # image unlocked, records its task.
        if not second:
            second.append(None)
            second[0] = start_import(web_api, image['id'], method, **body)
        return add_task(repo, task)

    monkeypatch.setattr(repository.SqlImageRepository, 'add_task',
                        add_task_and_race)
    first = start_import(web_api, image['id'], method, **body)
    monkeypatch.undo()
    assert (second[0].status_code, first.status_code) == (202, 409), \
        second[0].text
    assert 'prior operation is still in progress' in first.text
    wait_for_task(web_api, image['id'])
    assert show(web_api, image['id']).json()['status'] == 'active'
    tasks = image_tasks(web_api, image['id'])
    assert sorted(task['status'] for task in tasks) == [
        'failure', 'success']
