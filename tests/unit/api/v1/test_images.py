"""``/v1/images`` and ``/v1/images/{id}``: the four ways to create an
image, metadata in x-image-meta-* headers, filters, and who may do what."""

import hashlib
import os

import pytest
import requests

from tests.file_server import serving
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import UNKNOWN_ID
from tests.unit.api.helpers import v1_create as create
from tests.unit.api.helpers import v1_detail as detail
from tests.unit.api.helpers import v1_post as post
from tests.unit.api.helpers import v1_put as put


def image_path(image_id):
    return '/v1/images/' + image_id


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    """A web server on loopback with disk.img (2 MiB + 5 bytes)."""
    data = os.urandom(2 * 1024 * 1024 + 5)
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': data}) as server:
        server.data = data
        yield server


def test_create_with_data_then_read_it_back(api):
    data = os.urandom(1024 * 1024 + 3)
    response = post(api, data, name='cirros', disk_format='raw',
                    container_format='bare', min_ram=64,
                    property_os_distro='cirros')
    assert response.status_code == 201, response.text
    image = response.json()['image']
    md5 = hashlib.md5(data).hexdigest()
    assert response.headers['Location'].endswith('/v1/images/' + image['id'])
    assert response.headers['ETag'] == '"%s"' % md5
    assert image['status'] == 'active' and image['size'] == len(data)
    assert image['checksum'] == md5 and image['is_public'] is False
    assert image['min_ram'] == 64 and image['deleted'] is False
    assert image['properties'] == {'os_distro': 'cirros'}
    assert 'location' not in image and 'locations' not in image
    shown = api.head(image_path(image['id']))
    assert shown.status_code == 200 and shown.content == b''
    assert shown.headers['x-image-meta-name'] == 'cirros'
    assert shown.headers['x-image-meta-disk_format'] == 'raw'
    assert shown.headers['x-image-meta-size'] == str(len(data))
    assert shown.headers['x-image-meta-is_public'] == 'False'
    assert shown.headers['x-image-meta-property-os_distro'] == 'cirros'
    assert shown.headers['ETag'] == '"%s"' % md5
    assert shown.headers['Location'].endswith('/v1/images/' + image['id'])
    download = api.get(image_path(image['id']))
    assert download.status_code == 200 and download.content == data
    assert download.headers['Content-Type'] == 'application/octet-stream'
    assert download.headers['Content-Length'] == str(len(data))
    assert download.headers['x-image-meta-checksum'] == md5
    listed = api.get('/v1/images').json()['images']
    assert listed == [{'id': image['id'], 'name': 'cirros',
                       'disk_format': 'raw', 'container_format': 'bare',
                       'checksum': md5, 'size': len(data)}]
    assert detail(api) == [image]


def test_chunked_upload_and_dashed_header_names(api):
    chunks = [os.urandom(512 * 1024) for _ in range(3)]
    image = create(api, iter(chunks), headers={
        'X-Image-Meta-Disk-Format': 'raw',
        'X-Image-Meta-Container-Format': 'bare'})
    data = b''.join(chunks)
    assert image['size'] == len(data) and image['disk_format'] == 'raw'
    assert api.get(image_path(image['id'])).content == data


def test_reservation_then_data_by_put(api):
    image = create(api, name='later', disk_format='raw',
                   container_format='bare')
    assert image['status'] == 'queued' and image['size'] == 0
    assert image['checksum'] is None
    assert api.get(image_path(image['id'])).status_code == 404
    assert api.head(image_path(image['id'])).headers[
        'x-image-meta-status'] == 'queued'
    response = put(api, image['id'], b'payload', store='file',
                   property_note='with data')
    assert response.status_code == 200, response.text
    updated = response.json()['image']
    assert updated['status'] == 'active' and updated['size'] == 7
    assert updated['name'] == 'later'
    assert updated['properties'] == {'note': 'with data'}
    assert response.headers['ETag'] == \
        '"%s"' % hashlib.md5(b'payload').hexdigest()
    assert put(api, image['id'], b'again').status_code == 409
    assert api.get(image_path(image['id'])).content == b'payload'


def test_copy_from_streams_the_source_into_the_store(api, web):
    source = web.url('disk.img')
    image = create(api, name='copied', disk_format='raw',
                   container_format='bare',
                   headers={'x-glance-api-copy-from': source})
    assert image['status'] == 'active' and image['size'] == len(web.data)
    assert image['checksum'] == hashlib.md5(web.data).hexdigest()
    assert api.stored_files() == [image['id']]
    assert api.get(image_path(image['id'])).content == web.data
    queued = create(api, disk_format='raw', container_format='bare')
    response = put(api, queued['id'], headers={
        'x-glance-api-copy-from': web.url('redirect/disk.img')})
    assert response.status_code == 200, response.text
    assert response.json()['image']['size'] == len(web.data)


def test_location_is_served_from_there_without_a_copy(api, web):
    image = create(api, name='external', disk_format='raw',
                   container_format='bare', location=web.url('disk.img'))
    assert image['status'] == 'active' and image['size'] == len(web.data)
    assert 'location' not in image
    assert api.stored_files() == []
    assert api.get(image_path(image['id'])).content == web.data
    assert web.requests[-1] == '/disk.img'
    assert api.delete(image_path(image['id'])).status_code == 200
    assert requests.get(web.url('disk.img')).status_code == 200
    assert post(api, location=web.url('disk.img'), size=3,
                disk_format='raw', container_format='bare').status_code == 409


@pytest.mark.parametrize('header', ['x-glance-api-copy-from',
                                    'x-image-meta-location'])
@pytest.mark.parametrize('source', ['file:///etc/passwd',
                                    'filesystem:///etc/passwd',
                                    'ftp://host/disk.img', 'disk.img'])
def test_external_sources_other_than_http_swift_s3_are_400(api, header,
                                                           source):
    response = post(api, headers={header: source})
    assert response.status_code == 400
    assert 'External sources are not supported' in response.text
    assert detail(api, is_public='none') == []


def test_sources_no_enabled_store_reads_are_400_and_leave_no_image(api):
    location = post(api, location='swift://acct:key@auth/c/obj', size=10,
                    disk_format='raw', container_format='bare')
    assert location.status_code == 400
    assert 'No enabled store reads' in location.text
    assert 'key@' not in location.text
    copy = post(api, disk_format='raw', container_format='bare',
                headers={'x-glance-api-copy-from':
                         's3://key:secret@host/bucket/obj'})
    assert copy.status_code == 400
    assert 'no store serving s3://' in copy.text
    assert 'secret@' not in copy.text
    assert [image['status'] for image in detail(
        api, **{'changes-since': '2000-01-01T00:00:00'})] == ['killed']


def test_an_unreachable_source_is_400_with_the_reason(api, web):
    response = post(api, disk_format='raw', container_format='bare',
                    location=web.url('missing.img'))
    assert response.status_code == 400 and 'cannot be read' in response.text
    copy = post(api, disk_format='raw', container_format='bare',
                headers={'x-glance-api-copy-from':
                         'http://127.0.0.1:9/disk.img'})
    assert copy.status_code == 400 and 'cannot be read' in copy.text


def test_data_without_both_formats_is_400(api):
    for fields in ({}, {'disk_format': 'raw'},
                   {'container_format': 'bare'}):
        response = post(api, b'data', **fields)
        assert response.status_code == 400
        assert 'disk_format, container_format' in response.text
    assert api.stored_files() == []


def test_checksum_mismatch_kills_the_image_and_keeps_no_data(api):
    response = post(api, b'some data', name='bad', checksum='0' * 32,
                    disk_format='raw', container_format='bare')
    assert response.status_code == 400
    assert 'did not match. Setting image status to' in response.text
    assert api.stored_files() == []
    assert detail(api) == []
    killed = detail(api, status='killed')
    assert [image['name'] for image in killed] == ['bad']
    assert api.head(image_path(killed[0]['id'])).headers[
        'x-image-meta-status'] == 'killed'
    reserved = create(api, disk_format='raw', container_format='bare')
    response = put(api, reserved['id'], b'other data',
                   checksum=hashlib.md5(b'something else').hexdigest())
    assert response.status_code == 400
    assert api.head(image_path(reserved['id'])).headers[
        'x-image-meta-status'] == 'killed'
    good = create(api, b'data', disk_format='raw', container_format='bare',
                  checksum=hashlib.md5(b'data').hexdigest().upper())
    assert good['status'] == 'active'


def test_size_cap_while_streaming(make_api):
    api = make_api(conf={'DEFAULT': {'image_size_cap': 1000}})
    response = post(api, iter([b'x' * 600, b'y' * 600]), name='big',
                    disk_format='raw', container_format='bare')
    assert response.status_code == 413
    assert response.headers['Connection'] == 'close'
    assert api.stored_files() == []
    killed = detail(api, status='killed')
    assert [image['name'] for image in killed] == ['big']
    assert post(api, b'z' * 1001, disk_format='raw', container_format='bare').status_code == 413
    assert create(api, b'z' * 1000, disk_format='raw', container_format='bare')['size'] == 1000


@pytest.mark.parametrize('fields, headers, message', [
    ({'colour': 'blue'}, {}, 'x-image-meta-colour'),
    ({'min_ram': 'lots'}, {}, 'min_ram'),
    ({'size': '-1'}, {}, 'size'),
    ({'is_public': 'perhaps'}, {}, 'is_public'),
    ({'checksum': 'abc'}, {}, 'checksum'),
    ({'disk_format': 'floppy'}, {}, 'disk_format'),
    ({'container_format': 'zip'}, {}, 'container_format'),
    ({'disk_format': 'aki', 'container_format': 'bare'}, {}, 'must match'),
    ({'id': 'not-a-uuid'}, {}, 'UUID'),
    ({'name': 'n' * 256}, {}, 'name'),
    ({'min_ram': 2 ** 31}, {}, 'min_ram'),
    ({'min_ram': 2 ** 70}, {}, 'min_ram'),
    ({'min_ram': '-1'}, {}, 'min_ram'),
    ({}, {'x-image-meta-min-disk': str(2 ** 31)}, 'min_disk'),
    ({'min_disk': '-5'}, {}, 'min_disk'),
    ({'size': 2 ** 63}, {}, 'size'),
    ({'store': 'http'}, {}, 'writable stores: file'),
    ({}, {'x-image-meta-location': 'http://h/x',
          'x-glance-api-copy-from': 'http://h/y'}, 'multiple image sources'),
])
def test_bad_metadata_is_400_and_creates_nothing(api, fields, headers,
                                                 message):
    response = post(api, headers=headers, **fields)
    assert response.status_code == 400, response.text
    assert message in response.text and 'Traceback' not in response.text
    assert detail(api, is_public='none') == []


def test_min_ram_and_min_disk_take_what_their_column_holds(api):
    image = create(api, min_ram=2 ** 31 - 1, min_disk=2 ** 31 - 1)
    assert image['min_ram'] == image['min_disk'] == 2 ** 31 - 1
    assert put(api, image['id'], min_ram=2 ** 31).status_code == 400
    assert detail(api, min_ram=2 ** 31 - 1) == [image]


def test_body_must_be_octet_stream(api):
    response = api.post('/v1/images', data=b'abc',
                        headers={'Content-Type': 'text/plain'})
    assert response.status_code == 400
    assert 'application/octet-stream' in response.text
    assert detail(api, is_public='none') == []


def test_amazon_formats_complete_each_other(api):
    assert create(api, disk_format='aki')['container_format'] == 'aki'


def test_create_with_id_and_duplicate(api):
    image_id = 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'
    assert create(api, id=image_id)['id'] == image_id
    assert post(api, id=image_id).status_code == 409


def test_update_metadata_purges_properties_unless_told(api):
    image = create(api, name='a', property_one='1', property_two='2')
    response = put(api, image['id'], name='b', min_disk=3,
                   property_three='3')
    assert response.status_code == 200, response.text
    updated = response.json()['image']
    assert updated['name'] == 'b' and updated['min_disk'] == 3
    assert updated['properties'] == {'three': '3'}
    kept = put(api, image['id'], property_four='4', headers={
        'x-glance-registry-purge-props': 'false'}).json()['image']
    assert kept['properties'] == {'three': '3', 'four': '4'}
    assert kept['name'] == 'b'
    assert put(api, image['id'], headers={
        'x-glance-registry-purge-props': 'sometimes'}).status_code == 400


def test_update_of_read_only_fields(api):
    image = create(api, b'abc', disk_format='raw', container_format='bare')
    same = put(api, image['id'], status='active', size=3,
               checksum=image['checksum'], id=image['id'],
               created_at=image['created_at'])
    assert same.status_code == 200, same.text
    for fields in ({'status': 'queued'}, {'size': 4},
                   {'checksum': '0' * 32}):
        assert put(api, image['id'], **fields).status_code == 403
    assert put(api, image['id'], disk_format='qcow2').status_code == 403
    assert put(api, image['id'], location='http://h/x').status_code == 409


def test_is_public_and_protected(api):
    image = create(api, is_public='true', protected='True')
    assert image['is_public'] is True and image['protected'] is True
    path = image_path(image['id'])
    assert api.delete(path).status_code == 403
    assert put(api, image['id'], protected='false',
               is_public='false').status_code == 200
    assert api.head(path).headers['x-image-meta-is_public'] == 'False'
    assert api.delete(path).status_code == 200


def test_delete(api):
    image = create(api, b'x' * 1000, disk_format='raw', container_format='bare')
    assert len(api.stored_files()) == 1
    path = image_path(image['id'])
    response = api.delete(path)
    assert response.status_code == 200 and response.content == b''
    assert api.stored_files() == []
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        assert api.request(method, path).status_code == 404


@pytest.mark.parametrize('image_id', [UNKNOWN_ID, 'not-an-id'])
def test_unknown_images_are_404(api, image_id):
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        response = api.request(method, image_path(image_id))
        assert response.status_code == 404, (method, response.text)


def test_list_filters(api):
    def make(name, **fields):
        return create(api, name=name, **fields)['id']

    a = make('a', disk_format='raw', container_format='bare', min_ram=512,
             property_os='linux')
    b = make('b', disk_format='qcow2', container_format='ovf', min_disk=2,
             protected='true', property_os='windows')
    c = create(api, b'12345', name='c', disk_format='ami')['id']
    public = make('p', is_public='true')

    def ids(**params):
        return sorted(image['id'] for image in detail(api, **params))

    assert ids(name='a') == [a]
    assert ids(status='active') == [c]
    assert ids(disk_format='qcow2') == [b]
    assert ids(container_format='bare') == [a]
    assert ids(container_format='ami') == [c]
    assert ids(min_ram='512') == [a]
    assert ids(min_disk='2') == [b]
    assert ids(size_min='5', size_max='5') == [c]
    assert ids(size_min='6') == []
    assert ids(protected='True') == [b]
    assert ids(**{'property-os': 'linux'}) == [a]
    assert ids(is_public='true') == [public]
    assert ids(is_public='false') == sorted([a, b, c])
    assert ids(is_public='none') == sorted([a, b, c, public])


def test_changes_since_lists_deleted_images(api):
    gone = create(api, name='gone')
    kept = create(api, name='kept')
    assert api.delete(image_path(gone['id'])).status_code == 200
    assert [i['id'] for i in detail(api)] == [kept['id']]
    changed = detail(api, **{'changes-since': '2000-01-01T00:00:00Z'})
    by_id = {image['id']: image for image in changed}
    assert set(by_id) == {gone['id'], kept['id']}
    assert by_id[gone['id']]['deleted'] is True
    assert by_id[gone['id']]['status'] == 'deleted'
    assert by_id[gone['id']]['deleted_at'] is not None
    assert by_id[kept['id']]['deleted'] is False
    assert detail(api, **{'changes-since': '2999-01-01T00:00:00'}) == []


def test_sort_and_paging(api):
    ids = [create(api, name='img-%d' % (i % 3))['id'] for i in range(7)]

    def names(**params):
        return [i['name'] for i in detail(api, **params)]

    assert names(sort_key='name', sort_dir='asc') == sorted(names())
    default = [i['id'] for i in detail(api)]
    assert sorted(default) == sorted(ids)
    by_created = detail(api, sort_key='created_at', sort_dir='desc')
    assert [i['id'] for i in by_created] == default
    seen, marker = [], None
    while True:
        params = {'limit': 3, 'sort_key': 'name', 'sort_dir': 'asc'}
        if marker:
            params['marker'] = marker
        page = detail(api, **params)
        if not page:
            break
        assert len(page) <= 3
        seen += [image['id'] for image in page]
        marker = page[-1]['id']
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)


@pytest.mark.parametrize('params, message', [
    ({'size_min': 'big'}, 'size_min'), ({'min_ram': '-1'}, 'min_ram'),
    ({'size_min': 2 ** 63}, 'size_min'), ({'size_max': 2 ** 70}, 'size_max'),
    ({'min_ram': 2 ** 31}, 'min_ram'), ({'min_disk': 2 ** 70}, 'min_disk'),
    ({'protected': 'maybe'}, 'protected'), ({'is_public': 'x'}, 'is_public'),
    ({'changes-since': 'yesterday'}, 'changes-since'),
    ({'status': 'lost'}, 'status'), ({'limit': 'many'}, 'limit'),
    ({'marker': 'nope'}, 'marker'), ({'marker': UNKNOWN_ID}, 'marker'),
    ({'sort_key': 'owner'}, 'sort_key'), ({'sort_dir': 'up'}, 'sort_dir')])
def test_bad_list_parameters_are_400(api, params, message):
    for path in ('/v1/images', '/v1/images/detail'):
        response = api.get(path, params=params)
        assert response.status_code == 400, response.text
        assert message in response.text


# -- between projects (trusted-auth flavor) ----------------------------------

@pytest.fixture
def projects(make_api):
    """A client per project name (and 'ops', an admin) of a trusted-auth
    glance-api."""
    api = make_api(flavor='trusted-auth')
    clients = {name: as_project(api, name)
               for name in ('alpha', 'beta', 'gamma')}
    clients['ops'] = as_project(api, 'ops', roles='admin')
    return clients


def listed(client, **params):
    return sorted(image['name'] for image in detail(client, **params))


def test_images_of_a_project_stay_its_own(projects):
    alpha, beta = projects['alpha'], projects['beta']
    mine = create(alpha, b'secret', name='mine', disk_format='raw', container_format='bare')
    assert mine['owner'] == 'alpha' and mine['is_public'] is False
    path = image_path(mine['id'])
    assert alpha.head(path).status_code == 200
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        assert beta.request(method, path).status_code == 404
    assert beta.get(path + '/members').status_code == 404
    assert listed(beta) == []
    assert listed(beta, is_public='none') == []
    assert listed(alpha) == ['mine']
    assert projects['ops'].get(path).content == b'secret'
    private = alpha.post('/v2/images', json={
        'name': 'v2-private', 'visibility': 'private'}).json()
    assert beta.head(image_path(private['id'])).status_code == 404
    assert listed(alpha) == ['mine', 'v2-private']


def test_admin_lists_as_a_user_unless_asking_for_all(projects):
    ops = projects['ops']
    create(projects['alpha'], name='alphas')
    create(ops, name='ops-public', is_public='true')
    create(ops, name='ops-own')
    assert listed(ops) == ['ops-own', 'ops-public']
    assert listed(ops, is_public='none') == ['alphas', 'ops-own',
                                             'ops-public']
    assert listed(ops, is_public='false') == ['alphas', 'ops-own']
    assert listed(projects['alpha'], is_public='true') == ['ops-public']


def test_public_images_are_seen_but_not_changed_by_others(projects):
    alpha, beta = projects['alpha'], projects['beta']
    assert post(alpha, is_public='true').status_code == 403
    public = create(projects['ops'], name='golden', is_public='true')
    path = image_path(public['id'])
    assert beta.head(path).status_code == 200
    assert listed(beta) == ['golden']
    assert put(beta, public['id'], name='mine now').status_code == 403
    assert beta.delete(path).status_code == 403
    assert post(alpha, owner='beta').status_code == 403
