"""Several stores at once (enabled_backends), through the v2 API in
process: /v2/info/stores, X-Image-Meta-Store uploads, the stores attribute,
DELETE /v2/stores/{store_id}/{image_id}, downloads falling back to the next
location, deletion from every store, copy-image and imports into several
stores."""

import hashlib
import logging
import os

import pytest

from glance.db import repository
from glance.domain import data as data_mod
from glance import store as store_mod
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import UNKNOWN_ID
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload
from tests.unit.api.v2.test_image_import import FORMATS
from tests.unit.api.v2.test_image_import import stage
from tests.unit.api.v2.test_image_import import start_import
from tests.unit.api.v2.test_image_import import wait_for
from tests.unit.api.v2.test_image_import import wait_for_task

DATA = os.urandom(3 * 1024 * 1024 + 7)


def several_stores(tmp_path, **extra):
    """The configuration of two filesystem stores, "fast" (the default)
    and "cold", and a read-only http store "web"."""
    conf = {
        'DEFAULT': {'enabled_backends': {
            'fast': 'file', 'cold': 'file', 'web': 'http'}},
        'glance_store': {'default_backend': 'fast'},
        'fast': {'filesystem_store_datadir': str(tmp_path / 'fast'),
                 'store_description': 'Fast and dear'},
        'cold': {'filesystem_store_datadir': str(tmp_path / 'cold'),
                 'weight': 5},
    }
    for group, values in extra.items():
        conf.setdefault(group, {}).update(values)
    return conf


@pytest.fixture
def api(make_api, tmp_path):
    return make_api(conf=several_stores(tmp_path))


@pytest.fixture
def single(make_api):
    return make_api()


def files(tmp_path, store_id):
    directory = tmp_path / store_id
    return sorted(name for name in os.listdir(directory)
                  if not name.startswith('.'))


def upload_to(api, image_id, store_id, data=DATA):
    return api.put('/v2/images/%s/file' % image_id, data=data,
                   headers=dict(OCTET, **{'X-Image-Meta-Store': store_id}))


def image_in(api, *store_ids):
    """An active image whose data is in ``store_ids`` (copied from the
    first)."""
    image = create(api, **FORMATS)
    assert upload_to(api, image['id'], store_ids[0]).status_code == 204
    if store_ids[1:]:
        response = start_import(api, image['id'], 'copy-image',
                                stores=list(store_ids[1:]))
        assert response.status_code == 202, response.text
        assert wait_for_task(api, image['id'])['status'] == 'success'
    return show(api, image['id']).json()


def test_info_stores_lists_the_stores(api):
    response = api.get('/v2/info/stores')
    assert response.status_code == 200
    assert response.json() == {'stores': [
        {'id': 'fast', 'description': 'Fast and dear', 'default': 'true'},
        {'id': 'cold'},
        {'id': 'web', 'read-only': 'true'}]}


def test_info_stores_detail_adds_type_and_properties(api, tmp_path):
    stores = api.get('/v2/info/stores/detail').json()['stores']
    assert stores[1] == {
        'id': 'cold', 'type': 'file', 'weight': 5,
        'properties': {'data_dir': str(tmp_path / 'cold'),
                       'chunk_size': 1024 * 1024,
                       'thin_provisioning': False}}
    assert stores[2]['type'] == 'http' and stores[2]['properties'] == {}


def test_info_stores_detail_is_for_admins(make_api, tmp_path):
    api = make_api(flavor='trusted-auth', conf=several_stores(tmp_path))
    member = as_project(api, 'tenant')
    assert member.get('/v2/info/stores').status_code == 200
    response = member.get('/v2/info/stores/detail')
    assert response.status_code == 403
    assert 'stores info detail' in response.text
    admin = as_project(api, 'ops', roles='admin,member,reader')
    assert admin.get('/v2/info/stores/detail').status_code == 200


def test_with_one_store_there_are_no_stores_to_list(single):
    for path in ('/v2/info/stores', '/v2/info/stores/detail'):
        response = single.get(path)
        assert response.status_code == 404
        assert 'Multi backend is not supported' in response.text
    image = create(single, **FORMATS)
    assert upload(single, image['id'], DATA).status_code == 204
    assert single.delete('/v2/stores/fast/' + image['id']).status_code == 404


def test_create_names_the_stores(api):
    response = api.post('/v2/images', json=FORMATS)
    assert response.headers['OpenStack-image-store-ids'] == 'fast,cold,web'


def test_create_with_one_store_names_none(single):
    response = single.post('/v2/images', json=FORMATS)
    assert 'OpenStack-image-store-ids' not in response.headers


def test_upload_goes_to_the_store_the_header_names(api, tmp_path):
    image = create(api, **FORMATS)
    assert upload_to(api, image['id'], 'cold').status_code == 204
    shown = show(api, image['id']).json()
    assert shown['stores'] == 'cold'
    assert files(tmp_path, 'cold') == [image['id']]
    assert files(tmp_path, 'fast') == []
    assert api.get(image['file']).content == DATA


def test_upload_without_the_header_goes_to_the_default_store(api, tmp_path):
    image = create(api, **FORMATS)
    assert upload(api, image['id'], DATA).status_code == 204
    assert show(api, image['id']).json()['stores'] == 'fast'
    assert files(tmp_path, 'fast') == [image['id']]


@pytest.mark.parametrize('store_id, message', [
    ('nowhere', 'Unknown scheme nowhere'), ('web', 'writable stores: fast, cold'),
    ('os_glance_staging_store', 'Unknown scheme')])
def test_upload_to_no_writable_store_is_400(api, tmp_path, store_id,
                                            message):
    image = create(api, **FORMATS)
    response = upload_to(api, image['id'], store_id)
    assert response.status_code == 400
    assert message in response.text
    assert show(api, image['id']).json()['status'] == 'queued'
    assert files(tmp_path, 'fast') == files(tmp_path, 'cold') == []


def test_one_store_ignores_the_header_and_shows_no_stores(single):
    image = create(single, **FORMATS)
    assert upload_to(single, image['id'], 'nowhere').status_code == 204
    assert 'stores' not in show(single, image['id']).json()


def test_copy_image_copies_into_another_store(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    assert image['stores'] == 'fast,cold'
    assert image['os_glance_importing_to_stores'] == ''
    assert image['os_glance_failed_import'] == ''
    assert files(tmp_path, 'cold') == [image['id']]
    with open(tmp_path / 'cold' / image['id'], 'rb') as copied:
        assert hashlib.md5(copied.read()).hexdigest() == image['checksum']


def test_copy_image_refuses_a_store_holding_the_image(api):
    image = image_in(api, 'fast')
    response = start_import(api, image['id'], 'copy-image', stores=['fast'])
    assert response.status_code == 400
    assert "Image is already present at store 'fast'" in response.text
    response = start_import(api, image['id'], 'copy-image',
                            stores=['nowhere'])
    assert response.status_code == 409


def test_copy_image_to_all_stores_skips_those_holding_it(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    response = start_import(api, image['id'], 'copy-image', all_stores=True)
    assert response.status_code == 202
    assert show(api, image['id']).json()['stores'] == 'fast,cold'
    response = start_import(api, image['id'], 'copy-image', all_stores=True,
                            stores=['cold'])
    assert response.status_code == 400


def test_import_into_all_stores(api, tmp_path):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], DATA).status_code == 204
    response = start_import(api, image['id'], all_stores=True)
    assert response.status_code == 202, response.text
    shown = wait_for(api, image['id'])
    assert shown['status'] == 'active'
    assert shown['stores'] == 'fast,cold'
    assert shown['os_glance_importing_to_stores'] == ''
    assert shown['os_glance_failed_import'] == ''
    assert files(tmp_path, 'fast') == files(tmp_path, 'cold') == [image['id']]


def test_import_into_a_store_that_fails_when_all_must_succeed(
        api, tmp_path):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], DATA).status_code == 204
    # The cold store's directory replaced by a file: it takes no data.
    os.rmdir(tmp_path / 'cold')
    (tmp_path / 'cold').write_bytes(b'')
    try:
        response = start_import(api, image['id'], stores=['fast', 'cold'])
        assert response.status_code == 202
        assert wait_for_task(api, image['id'])['status'] == 'failure'
        shown = wait_for(api, image['id'])
        assert shown['status'] == 'queued'
        assert shown['os_glance_failed_import'] == 'fast,cold'
        assert files(tmp_path, 'fast') == []
        assert stage(api, image['id'], DATA).status_code == 204
        response = start_import(api, image['id'], stores=['fast', 'cold'],
                                all_stores_must_succeed=False)
        assert response.status_code == 202
        shown = wait_for(api, image['id'])
        while shown['os_glance_importing_to_stores']:
            shown = show(api, image['id']).json()
        assert shown['status'] == 'active' and shown['stores'] == 'fast'
        assert shown['os_glance_failed_import'] == 'cold'
    finally:
        os.unlink(tmp_path / 'cold')
        os.mkdir(tmp_path / 'cold')


def test_import_request_shapes(api):
    image = create(api, **FORMATS)
    assert stage(api, image['id'], DATA).status_code == 204
    response = api.post('/v2/images/%s/import' % image['id'], json={
        'method': {'name': 'glance-direct'}, 'stores': ['fast']},
        headers={'X-Image-Meta-Store': 'cold'})
    assert response.status_code == 400
    assert 'both specified' in response.text
    response = start_import(api, image['id'], stores=['nowhere'])
    assert response.status_code == 409
    response = api.post('/v2/images/%s/import' % image['id'], json={
        'method': {'name': 'glance-direct'}},
        headers={'X-Image-Meta-Store': 'nowhere'})
    assert response.status_code == 409
    assert 'Unknown scheme nowhere' in response.text
    assert show(api, image['id']).json()['status'] == 'uploading'


def test_all_stores_must_succeed_needs_several_stores(single):
    other = create(single, **FORMATS)
    response = start_import(single, other['id'], 'web-download',
                            all_stores_must_succeed=False,
                            extra={'uri': 'http://example.com/x'})
    assert response.status_code == 400
    assert 'All_stores_must_succeed can only be set' in response.text


def test_delete_from_store_removes_one_copy(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    response = api.delete('/v2/stores/cold/' + image['id'])
    assert response.status_code == 204, response.text
    assert show(api, image['id']).json()['stores'] == 'fast'
    assert files(tmp_path, 'cold') == []
    assert api.get(image['file']).content == DATA

    response = api.delete('/v2/stores/cold/' + image['id'])
    assert response.status_code == 403
    assert 'only store containing it' in response.text
    response = api.delete('/v2/stores/fast/' + image['id'])
    assert response.status_code == 403
    assert 'only store containing it' in response.text
    assert files(tmp_path, 'fast') == [image['id']]


@pytest.mark.parametrize('store_id, image_id, status, message', [
    ('nowhere', None, 409, 'store nowhere is not available'),
    ('cold', UNKNOWN_ID, 404, 'No image found'),
    ('web', None, 404, 'is not stored in store web')])
def test_delete_from_store_errors(api, store_id, image_id, status, message):
    image = image_in(api, 'fast', 'cold')
    response = api.delete('/v2/stores/%s/%s' % (
        store_id, image_id or image['id']))
    assert response.status_code == status
    assert message in response.text


def test_delete_from_store_needs_an_active_image(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    assert api.post('/v2/images/%s/actions/deactivate'
                    % image['id']).status_code == 204
    response = api.delete('/v2/stores/cold/' + image['id'])
    assert response.status_code == 409
    assert files(tmp_path, 'cold') == [image['id']]


def test_delete_from_store_is_for_admins(make_api, tmp_path):
    api = make_api(flavor='trusted-auth', conf=several_stores(tmp_path))
    admin = as_project(api, 'tenant', roles='admin,member,reader')
    image = image_in(admin, 'fast', 'cold')
    member = as_project(api, 'tenant')
    assert member.delete('/v2/stores/cold/' + image['id']).status_code == 403
    assert files(tmp_path, 'cold') == [image['id']]


def test_download_falls_back_to_the_next_location(api, tmp_path, caplog):
    image = image_in(api, 'fast', 'cold')
    # cold weighs more: read first.  Its data gone, fast's is read.
    os.unlink(tmp_path / 'cold' / image['id'])
    with caplog.at_level(logging.WARNING, logger='glance.domain.data'):
        response = api.get(image['file'])
    assert response.status_code == 200
    assert response.content == DATA
    assert any('cold' in record.getMessage() and
               'trying its next location' in record.getMessage()
               for record in caplog.records)


def test_download_fails_when_no_location_answers(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    os.unlink(tmp_path / 'cold' / image['id'])
    os.unlink(tmp_path / 'fast' / image['id'])
    assert api.get(image['file']).status_code == 404


def test_deleting_an_image_removes_its_data_from_every_store(api, tmp_path):
    image = image_in(api, 'fast', 'cold')
    assert api.delete('/v2/images/' + image['id']).status_code == 204
    assert files(tmp_path, 'fast') == files(tmp_path, 'cold') == []


def test_glance_registry_keeps_the_store_of_each_location(make_api,
                                                          tmp_path):
    api = make_api(conf=several_stores(tmp_path), data_api='registry')
    image = image_in(api, 'cold', 'fast')
    assert image['stores'] == 'cold,fast'
    assert api.delete('/v2/stores/cold/' + image['id']).status_code == 204
    assert show(api, image['id']).json()['stores'] == 'fast'
    assert files(tmp_path, 'cold') == []


def three_stores(tmp_path, **extra):
    """several_stores and a third filesystem store, "third"."""
    conf = several_stores(tmp_path, **extra)
    conf['DEFAULT']['enabled_backends'] = dict(
        conf['DEFAULT']['enabled_backends'], third='file')
    conf['third'] = {'filesystem_store_datadir': str(tmp_path / 'third')}
    return conf


def test_a_copy_keeps_a_removal_from_a_store_made_while_it_ran(
        make_api, tmp_path, monkeypatch):
    api = make_api(conf=three_stores(tmp_path))
    image = image_in(api, 'fast', 'cold')
    removals = []
    record = data_mod.ImageData.location

    def location(data, uri, driver=None):
        # Once the copy has written its data and before it records it.
        if driver is not None and not removals:
            removals.append(None)
            removals[0] = api.delete('/v2/stores/cold/' + image['id'])
        return record(data, uri, driver)

    monkeypatch.setattr(data_mod.ImageData, 'location', location)
    response = start_import(api, image['id'], 'copy-image', stores=['third'])
    assert response.status_code == 202, response.text
    assert wait_for_task(api, image['id'])['status'] == 'success'
    assert removals[0].status_code == 204
    # The cold location, whose data is gone, does not come back.
    assert show(api, image['id']).json()['stores'] == 'fast,third'
    assert files(tmp_path, 'cold') == []
    assert api.get(image['file']).content == DATA


def test_concurrent_removals_from_stores_leave_the_image_its_data(
        api, tmp_path, monkeypatch):
    image = image_in(api, 'fast', 'cold')
    second = []
    check = store_mod.StoreRegistry.check_deletable

    def check_deletable(stores, uri, store_id=None):
        if not second:
            second.append(None)
            second[0] = api.delete('/v2/stores/fast/' + image['id'])
        return check(stores, uri, store_id)

    monkeypatch.setattr(store_mod.StoreRegistry, 'check_deletable',
                        check_deletable)
    first = api.delete('/v2/stores/cold/' + image['id'])
    # Each saw two locations; one of them may go, not both.
    assert sorted([first.status_code, second[0].status_code]) == [204, 409]
    shown = show(api, image['id']).json()
    assert shown['stores'] in ('fast', 'cold')
    assert files(tmp_path, shown['stores']) == [image['id']]
    assert api.get(image['file']).content == DATA


def test_of_two_concurrent_copies_exactly_one_starts(api, monkeypatch):
    image = image_in(api, 'fast')
    second = []
    add_task = repository.SqlImageRepository.add_task

    def add_task_and_race(repo, task):
        if not second:
            second.append(None)
            second[0] = start_import(api, image['id'], 'copy-image',
                                     stores=['cold'])
        return add_task(repo, task)

    monkeypatch.setattr(repository.SqlImageRepository, 'add_task',
                        add_task_and_race)
    first = start_import(api, image['id'], 'copy-image', stores=['cold'])
    statuses = sorted([first.status_code, second[0].status_code])
    assert statuses == [202, 409], first.text + second[0].text
    assert 'prior operation is still in progress' in (
        first.text + second[0].text)
    monkeypatch.undo()
    assert wait_for_task(api, image['id'])['status'] == 'success'
    shown = show(api, image['id']).json()
    assert shown['stores'] == 'fast,cold'
    # The lock went with the task: another copy may start.
    assert 'os_glance_import_task' not in shown
    assert api.delete('/v2/stores/cold/' + image['id']).status_code == 204
    response = start_import(api, image['id'], 'copy-image', stores=['cold'])
    assert response.status_code == 202, response.text


def test_a_failed_copy_removes_the_copies_it_made(make_api, tmp_path):
    api = make_api(conf=three_stores(tmp_path))
    image = image_in(api, 'fast')
    # The cold store's directory replaced by a file: it takes no data.
    os.rmdir(tmp_path / 'cold')
    (tmp_path / 'cold').write_bytes(b'')
    response = start_import(api, image['id'], 'copy-image',
                            stores=['third', 'cold'])
    assert response.status_code == 202, response.text
    assert wait_for_task(api, image['id'])['status'] == 'failure'
    shown = show(api, image['id']).json()
    assert shown['status'] == 'active' and shown['stores'] == 'fast'
    assert shown['os_glance_failed_import'] == 'cold'
    assert files(tmp_path, 'third') == []
    assert api.get(image['file']).content == DATA


def test_copy_image_counts_each_copy_in_user_storage_quota(make_api,
                                                           tmp_path):
    api = make_api(conf=several_stores(
        tmp_path, DEFAULT={'user_storage_quota': str(len(DATA) * 3 // 2)}))
    image = image_in(api, 'fast')
    response = start_import(api, image['id'], 'copy-image', stores=['cold'])
    assert response.status_code == 413, response.text
    assert show(api, image['id']).json()['stores'] == 'fast'
    assert files(tmp_path, 'cold') == []


def test_info_stores_detail_with_several_directories(make_api, tmp_path):
    api = make_api(conf=several_stores(tmp_path, cold={
        'filesystem_store_datadir': '',
        'filesystem_store_datadirs': [str(tmp_path / 'cold-a') + ':100',
                                      str(tmp_path / 'cold-b') + ':200']}))
    stores = api.get('/v2/info/stores/detail').json()['stores']
    assert stores[1]['properties']['data_dir'] == str(tmp_path / 'cold-b')
