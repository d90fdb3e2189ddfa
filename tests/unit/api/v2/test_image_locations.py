"""Image locations: the ``locations`` of the image view, JSON-patch of
``/locations`` (show_multiple_locations) and Image API 2.17's
``/v2/images/{id}/locations``, through the trusted-auth pipeline, with
http locations on a real local web server."""

import hashlib
import os
import time

import pytest

from tests.file_server import HOST
from tests.file_server import serving
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload
from tests.unit.api.v2.test_stores import several_stores

DATA = os.urandom(300 * 1024 + 7)
OTHER = os.urandom(1000)
SHA512 = hashlib.sha512(DATA).hexdigest()
FORMATS = {'disk_format': 'raw', 'container_format': 'bare'}


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': DATA, 'other.img': OTHER,
                    'empty.img': b''}) as server:
        yield server


@pytest.fixture
def make_clients(make_api):
    """``make_clients(data_api='sql', **DEFAULT options)``: clients of a
    trusted-auth glance-api: the owner (project alpha, member), a reader
    of project beta, an admin, and a service user of project alpha."""
    def make(data_api='sql', **options):
        api = make_api(flavor='trusted-auth', data_api=data_api,
                       conf={'DEFAULT': options})
        return {'owner': as_project(api, 'alpha'),
                'other': as_project(api, 'beta'),
                'admin': as_project(api, 'ops', roles='admin,member,reader'),
                'service': as_project(api, 'alpha', roles='service'),
                'api': api}
    return make


@pytest.fixture
def clients(make_clients, data_api):
    return make_clients(data_api, show_multiple_locations=True)


def location(url, **validation_data):
    value = {'url': url, 'metadata': {}}
    if validation_data:
        value['validation_data'] = validation_data
    return value


def add(client, image_id, value, path='/locations/-'):
    return patch(client, image_id,
                 {'op': 'add', 'path': path, 'value': value})


def wait_for(client, image_id, done, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        image = show(client, image_id).json()
        if done(image) or time.monotonic() > deadline:
            return image
        time.sleep(0.05)


def wait_for_task(client, image_id, seconds=10):
    """The image's one task, once it has ended."""
    deadline = time.monotonic() + seconds
    while True:
        task = client.get('/v2/images/%s/tasks' % image_id).json()[
            'tasks'][0]
        if task['status'] in ('success', 'failure') or \
                time.monotonic() > deadline:
            return task
        time.sleep(0.05)


# -- the image view -----------------------------------------------------------

def test_locations_hidden_unless_show_multiple_locations(make_clients, web):
    owner = make_clients()['owner']
    image = create(owner, **FORMATS)
    assert 'locations' not in image
    response = add(owner, image['id'], location(web.url('disk.img')))
    assert response.status_code == 403
    assert 'locations are invisible' in response.text
    assert show(owner, image['id']).json()['status'] == 'queued'


def test_locations_shown_to_those_get_image_location_allows(clients, web):
    owner, other = clients['owner'], clients['other']
    image = create(owner, visibility='community', **FORMATS)
    assert image['locations'] == []
    url = web.url('disk.img')
    response = add(owner, image['id'], {'url': url,
                                        'metadata': {'note': 'a'}})
    assert response.status_code == 200, response.text
    assert response.json()['locations'] == [
        {'url': url, 'metadata': {'note': 'a'}}]
    assert show(other, image['id']).json()['locations'] == []
    assert owner.get('/v2/images').json()['images'][0]['locations'] == [
        {'url': url, 'metadata': {'note': 'a'}}]


def test_direct_url_follows_get_image_location(make_clients, web):
    made = make_clients(show_image_direct_url=True,
                        show_multiple_locations=True)
    owner, other = made['owner'], made['other']
    image = create(owner, visibility='community', **FORMATS)
    add(owner, image['id'], location(web.url('disk.img')))
    assert show(owner, image['id']).json()['direct_url'] == \
        web.url('disk.img')
    assert 'direct_url' not in show(other, image['id']).json()


# -- JSON-patch of /locations ----------------------------------------------

def test_add_activates_a_queued_image_with_the_stores_size(clients, web):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    response = add(owner, image['id'], location(web.url('disk.img')))
    assert response.status_code == 200, response.text
    active = response.json()
    assert active['status'] == 'active' and active['size'] == len(DATA)
    assert active['checksum'] is None and active['os_hash_value'] is None
    assert owner.get(active['file']).content == DATA


def test_add_with_validation_data_records_it(clients, web):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    md5 = hashlib.md5(DATA).hexdigest()
    response = add(owner, image['id'], location(
        web.url('disk.img'), checksum=md5, os_hash_algo='sha512',
        os_hash_value=SHA512))
    assert response.status_code == 200, response.text
    assert response.json()['checksum'] == md5
    assert response.json()['os_hash_value'] == SHA512


@pytest.mark.parametrize('validation, message', [
    ({'os_hash_algo': 'sha256',
      'os_hash_value': hashlib.sha256(DATA).hexdigest()},
     'os_hash_algo must be sha512'),
    ({'os_hash_algo': 'sha512', 'os_hash_value': 'zz' * 64},
     'not a valid hexadecimal value'),
    ({'os_hash_algo': 'sha512', 'os_hash_value': 'ab'},
     'not the correct size'),
])
def test_bad_validation_data_is_a_conflict(clients, web, validation,
                                           message):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    response = add(owner, image['id'], location(web.url('disk.img'),
                                                **validation))
    assert response.status_code == 409
    assert message in response.text
    assert show(owner, image['id']).json()['status'] == 'queued'


def test_add_at_an_index_and_remove_by_index(clients, web):
    owner, admin = clients['owner'], clients['admin']
    image = create(owner, **FORMATS)
    first, second = web.url('disk.img'), web.url('redirect/disk.img')
    add(owner, image['id'], location(first))
    response = add(owner, image['id'], location(second), '/locations/0')
    assert [loc['url'] for loc in response.json()['locations']] == [
        second, first]
    response = patch(owner, image['id'],
                     {'op': 'remove', 'path': '/locations/0'})
    assert response.status_code == 403
    for path, status in (('/locations/2', 400), ('/locations/x', 400),
                         ('/locations/0', 200)):
        response = patch(admin, image['id'], {'op': 'remove', 'path': path})
        assert response.status_code == status, response.text
    assert [loc['url'] for loc in response.json()['locations']] == [first]
    response = patch(admin, image['id'],
                     {'op': 'remove', 'path': '/locations/-'})
    assert response.status_code == 403
    assert 'Cannot remove last location' in response.text
    assert add(owner, image['id'], location(second),
               '/locations/5').status_code == 400


@pytest.mark.parametrize('url, message', [
    ('file:///etc/passwd', 'only be added by an administrator'),
    ('swift+config://ref/container/obj', 'only be added by an admin'),
    ('gopher://example.com/disk', 'no enabled store reads'),
    ('EMPTY', 'no data at'),
    ('MISSING', 'Invalid location'),
])
def test_refused_locations_are_400(clients, web, url, message):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    url = {'EMPTY': web.url('empty.img'),
           'MISSING': web.url('missing.img')}.get(url, url)
    response = add(owner, image['id'], location(url))
    assert response.status_code == 400, response.text
    assert message in response.text
    assert show(owner, image['id']).json()['status'] == 'queued'


def test_duplicates_are_refused(clients, web):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    url = web.url('disk.img')
    assert add(owner, image['id'], location(url)).status_code == 200
    response = add(owner, image['id'], location(url))
    assert response.status_code == 400
    assert 'already exists' in response.text
    response = patch(owner, create(owner, **FORMATS)['id'], {
        'op': 'replace', 'path': '/locations',
        'value': [location(url), location(url)]})
    assert response.status_code == 400


def test_image_location_quota(make_clients, web):
    owner = make_clients(show_multiple_locations=True,
                         image_location_quota=1)['owner']
    image = create(owner, **FORMATS)
    add(owner, image['id'], location(web.url('disk.img')))
    response = add(owner, image['id'], location(web.url('other.img')))
    assert response.status_code == 413
    assert len(show(owner, image['id']).json()['locations']) == 1


def test_replace(clients, web):
    owner = clients['owner']
    image = create(owner, **FORMATS)
    url = web.url('disk.img')
    response = patch(owner, image['id'], {
        'op': 'replace', 'path': '/locations', 'value': [location(url)]})
    assert response.status_code == 200, response.text
    assert response.json()['status'] == 'active'
    # The same URLs: only the metadata changes.
    response = patch(owner, image['id'], {
        'op': 'replace', 'path': '/locations',
        'value': [{'url': url, 'metadata': {'k': 'v'}}]})
    assert response.json()['locations'] == [{'url': url,
                                             'metadata': {'k': 'v'}}]
    response = patch(owner, image['id'], {
        'op': 'replace', 'path': '/locations',
        'value': [location(web.url('other.img'))]})
    assert response.status_code == 400
    assert 'Original locations is not empty' in response.text


def test_removing_a_location_removes_data_this_service_stored(clients, web):
    owner, admin = clients['owner'], clients['admin']
    image = create(owner, **FORMATS)
    assert upload(owner, image['id'], b'stored here').status_code == 204
    assert clients['api'].stored_files() == [image['id']]
    add(owner, image['id'], location(web.url('other.img')))
    response = patch(admin, image['id'],
                     {'op': 'remove', 'path': '/locations/0'})
    assert response.status_code == 200, response.text
    assert clients['api'].stored_files() == []
    assert owner.get(image['file']).content == OTHER


def test_not_on_images_in_other_statuses(clients, web):
    owner, admin = clients['owner'], clients['admin']
    image = create(owner, **FORMATS)
    add(owner, image['id'], location(web.url('disk.img')))
    admin.post('/v2/images/%s/actions/deactivate' % image['id'])
    response = add(owner, image['id'], location(web.url('other.img')))
    assert response.status_code == 400
    assert 'image status is deactivated' in response.text


# -- Image API 2.17 -----------------------------------------------------------

def post(client, image_id, url, **validation_data):
    body = {'url': url}
    if validation_data:
        body['validation_data'] = validation_data
    return client.post('/v2/images/%s/locations' % image_id, json=body)


def test_add_location_then_hashes_in_the_background(make_clients, web,
                                                    data_api):
    made = make_clients(data_api)
    service, owner = made['service'], made['owner']
    image = create(owner, **FORMATS)
    response = post(service, image['id'], web.url('disk.img'))
    assert response.status_code == 202, response.text
    done = wait_for(owner, image['id'], lambda i: i['os_hash_value'])
    assert done['status'] == 'active' and done['size'] == len(DATA)
    assert done['checksum'] == hashlib.md5(DATA).hexdigest()
    assert done['os_hash_algo'] == 'sha512'
    assert done['os_hash_value'] == SHA512
    listed = service.get('/v2/images/%s/locations' % image['id'])
    assert listed.status_code == 200
    assert listed.json() == [{'url': web.url('disk.img'), 'metadata': {}}]
    task = wait_for_task(owner, image['id'])
    assert (task['type'], task['status']) == ('location_import', 'success')
    assert 'os_glance_import_task' not in show(owner, image['id']).json()
    assert post(service, image['id'],
                web.url('other.img')).status_code == 409


def test_validation_data_checked_before_the_location_counts(make_clients,
                                                            web):
    made = make_clients()
    service, owner = made['service'], made['owner']
    image = create(owner, **FORMATS)
    response = post(service, image['id'], web.url('disk.img'),
                    os_hash_algo='sha256',
                    os_hash_value=hashlib.sha256(DATA).hexdigest())
    assert response.status_code == 202, response.text
    done = wait_for(owner, image['id'], lambda i: i['status'] == 'active')
    assert done['os_hash_algo'] == 'sha256'
    assert done['os_hash_value'] == hashlib.sha256(DATA).hexdigest()

    image = create(owner, **FORMATS)
    response = post(service, image['id'], web.url('other.img'),
                    os_hash_algo='sha512', os_hash_value=SHA512)
    assert response.status_code == 202
    back = wait_for(owner, image['id'], lambda i: i['status'] == 'queued')
    assert back['status'] == 'queued' and back['os_hash_value'] is None
    assert 'os_glance_import_task' not in back
    assert service.get('/v2/images/%s/locations' % image['id']).json() == []
    task = wait_for_task(owner, image['id'])
    assert task['status'] == 'failure'
    assert 'not matched with actual os_hash_value' in task['message']


def test_without_do_secure_hash_validation_data_is_taken(make_clients, web):
    made = make_clients(do_secure_hash=False)
    image = create(made['owner'], **FORMATS)
    response = post(made['service'], image['id'], web.url('disk.img'),
                    os_hash_algo='sha512', os_hash_value='ab' * 64)
    assert response.status_code == 202
    shown = show(made['owner'], image['id']).json()
    assert shown['status'] == 'active' and shown['os_hash_value'] == \
        'ab' * 64 and shown['checksum'] is None
    assert 'os_glance_import_task' not in shown


@pytest.mark.parametrize('body, status', [
    ({}, 400),
    ({'url': 'URL', 'extra': 1}, 400),
    ({'url': 'URL', 'validation_data': {'os_hash_value': 'ab' * 64}}, 400),
    ({'url': 'URL', 'validation_data': {'os_hash_algo': 'sha123',
                                        'os_hash_value': 'ab'}}, 400),
    ({'url': 'URL', 'validation_data': {'os_hash_algo': 'sha512',
                                        'os_hash_value': 'ab' * 32}}, 400),
    ({'url': 'file:///etc/passwd'}, 400),
    ({'url': 'http://127.0.0.1:1/nothing'}, 400),
])
def test_add_location_refusals(make_clients, web, body, status):
    made = make_clients()
    image = create(made['owner'], **FORMATS)
    if body.get('url') == 'URL':
        body['url'] = web.url('disk.img')
    response = made['service'].post(
        '/v2/images/%s/locations' % image['id'], json=body)
    assert response.status_code == status, response.text
    assert show(made['owner'], image['id']).json()['status'] == 'queued'


def test_add_location_policies(make_clients, web):
    made = make_clients()
    owner, other = made['owner'], made['other']
    image = create(owner, **FORMATS)
    url = web.url('disk.img')
    assert post(other, image['id'], url).status_code == 404
    reader = as_project(made['api'], 'alpha', roles='reader')
    assert post(reader, image['id'], url).status_code == 403
    response = post(owner, image['id'], 'swift://a:b@h/c/o')
    assert response.status_code == 403
    assert 'Only services may add swift:// locations' in response.text
    unformatted = create(owner)
    assert post(made['service'], unformatted['id'], url).status_code == 400
    assert post(owner, image['id'], url).status_code == 202
    assert wait_for_task(owner, image['id'])['status'] == 'success'


def test_fetch_locations_is_for_services_only(make_clients):
    made = make_clients()
    image = create(made['owner'], **FORMATS)
    path = '/v2/images/%s/locations' % image['id']
    assert made['service'].get(path).json() == []
    assert made['owner'].get(path).status_code == 403
    assert made['admin'].get(path).status_code == 403
    missing = '/v2/images/0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7/locations'
    assert made['service'].get(missing).status_code == 404


def test_every_location_counts_towards_the_storage_quota(make_clients, web):
    owner = make_clients(show_multiple_locations=True,
                         user_storage_quota=str(len(DATA) + 10))['owner']
    image = create(owner, **FORMATS)
    assert add(owner, image['id'],
               location(web.url('disk.img'))).status_code == 200
    response = add(owner, image['id'], location(web.url('redirect/disk.img')))
    assert response.status_code == 413
    assert len(show(owner, image['id']).json()['locations']) == 1


def test_with_several_stores_locations_name_their_store(make_api, tmp_path,
                                                        web):
    """As Glance's multi-store: metadata.store is the id of the store
    reading the location, for both ways of adding one."""
    conf = several_stores(tmp_path, DEFAULT={'show_multiple_locations': True},
                          web={'http_allowed_internal_hosts': [HOST]})
    api = make_api(flavor='trusted-auth', conf=conf)
    owner = as_project(api, 'alpha')
    image = create(owner, **FORMATS)
    response = add(owner, image['id'], location(web.url('disk.img')))
    assert response.json()['locations'] == [
        {'url': web.url('disk.img'), 'metadata': {'store': 'web'}}]
    assert response.json()['stores'] == 'web'
    image = create(owner, **FORMATS)
    service = as_project(api, 'alpha', roles='service')
    assert post(service, image['id'],
                web.url('other.img')).status_code == 202
    assert service.get('/v2/images/%s/locations' % image['id']).json() == [
        {'url': web.url('other.img'), 'metadata': {'store': 'web'}}]
    wait_for_task(owner, image['id'])
