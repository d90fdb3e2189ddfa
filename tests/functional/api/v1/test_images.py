"""The v1 images API served by a real glance-api process."""

import hashlib
import os

import pytest
import requests

from tests.file_server import serving

OCTET = {'Content-Type': 'application/octet-stream'}
UNKNOWN_ID = '0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'


def meta(**fields):
    """x-image-meta-* headers, with property_<key> for properties."""
    headers = {}
    for name, value in fields.items():
        if name.startswith('property_'):
            headers['x-image-meta-property-' + name[9:]] = str(value)
        else:
            headers['x-image-meta-' + name] = str(value)
    return headers


def post(server, data=None, headers=None, **fields):
    headers = dict(meta(**fields), **(headers or {}))
    if data is not None:
        headers.update(OCTET)
    return requests.post(server.url + '/v1/images', data=data,
                         headers=headers)


def create(server, data=None, headers=None, **fields):
    response = post(server, data, headers, **fields)
    assert response.status_code == 201, response.text
    return response.json()['image']


def image_url(server, image_id):
    return '%s/v1/images/%s' % (server.url, image_id)


def head(server, image_id):
    return requests.head(image_url(server, image_id))


def put(server, image_id, data=None, headers=None, **fields):
    headers = dict(meta(**fields), **(headers or {}))
    if data is not None:
        headers.update(OCTET)
    return requests.put(image_url(server, image_id), data=data,
                        headers=headers)


def detail(server, **params):
    response = requests.get(server.url + '/v1/images/detail', params=params)
    assert response.status_code == 200, response.text
    return response.json()['images']


def stored_files(server):
    root = os.path.join(server.data_dir, 'images')
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    """A web server on loopback with disk.img (2 MiB + 5 bytes)."""
    data = os.urandom(2 * 1024 * 1024 + 5)
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': data}) as server:
        server.data = data
        yield server


def test_create_with_data_then_read_it_back(api_server):
    data = os.urandom(1024 * 1024 + 3)
    response = post(api_server, data, name='cirros', disk_format='qcow2',
                    container_format='bare', min_ram=64,
                    property_os_distro='cirros')
    assert response.status_code == 201, response.text
    image = response.json()['image']
    md5 = hashlib.md5(data).hexdigest()
    assert response.headers['Location'].endswith('/v1/images/' + image['id'])
    assert response.headers['ETag'] == md5
    assert image['status'] == 'active' and image['size'] == len(data)
    assert image['checksum'] == md5 and image['is_public'] is False
    assert image['min_ram'] == 64 and image['deleted'] is False
    assert image['properties'] == {'os_distro': 'cirros'}
    assert 'location' not in image and 'locations' not in image
    shown = head(api_server, image['id'])
    assert shown.status_code == 200 and shown.content == b''
    assert shown.headers['x-image-meta-name'] == 'cirros'
    assert shown.headers['x-image-meta-disk_format'] == 'qcow2'
    assert shown.headers['x-image-meta-size'] == str(len(data))
    assert shown.headers['x-image-meta-is_public'] == 'False'
    assert shown.headers['x-image-meta-property-os_distro'] == 'cirros'
    assert shown.headers['ETag'] == md5
    assert shown.headers['Location'].endswith('/v1/images/' + image['id'])
    download = requests.get(image_url(api_server, image['id']))
    assert download.status_code == 200 and download.content == data
    assert download.headers['Content-Type'] == 'application/octet-stream'
    assert download.headers['Content-Length'] == str(len(data))
    assert download.headers['x-image-meta-checksum'] == md5
    listed = requests.get(api_server.url + '/v1/images').json()['images']
    assert listed == [{'id': image['id'], 'name': 'cirros',
                       'disk_format': 'qcow2', 'container_format': 'bare',
                       'checksum': md5, 'size': len(data)}]
    assert detail(api_server) == [image]


def test_chunked_upload_and_dashed_header_names(api_server):
    chunks = [os.urandom(512 * 1024) for _ in range(3)]
    image = create(api_server, iter(chunks), headers={
        'X-Image-Meta-Disk-Format': 'raw',
        'X-Image-Meta-Container-Format': 'bare'})
    data = b''.join(chunks)
    assert image['size'] == len(data) and image['disk_format'] == 'raw'
    assert requests.get(image_url(api_server, image['id'])).content == data


def test_reservation_then_data_by_put(api_server):
    image = create(api_server, name='later', disk_format='raw',
                   container_format='bare')
    assert image['status'] == 'queued' and image['size'] == 0
    assert image['checksum'] is None
    assert requests.get(image_url(api_server, image['id'])).status_code == 404
    assert head(api_server, image['id']).headers[
        'x-image-meta-status'] == 'queued'
    response = put(api_server, image['id'], b'payload', store='file',
                   property_note='with data')
    assert response.status_code == 200, response.text
    updated = response.json()['image']
    assert updated['status'] == 'active' and updated['size'] == 7
    assert updated['name'] == 'later'
    assert updated['properties'] == {'note': 'with data'}
    assert response.headers['ETag'] == hashlib.md5(b'payload').hexdigest()
    again = put(api_server, image['id'], b'again')
    assert again.status_code == 409
    assert requests.get(image_url(api_server,
                                  image['id'])).content == b'payload'


def test_copy_from_streams_the_source_into_the_store(api_server, web):
    source = web.url('disk.img')
    image = create(api_server, name='copied', disk_format='raw',
                   container_format='bare',
                   headers={'x-glance-api-copy-from': source})
    assert image['status'] == 'active' and image['size'] == len(web.data)
    assert image['checksum'] == hashlib.md5(web.data).hexdigest()
    assert stored_files(api_server) == [image['id']]
    assert requests.get(image_url(api_server,
                                  image['id'])).content == web.data
    queued = create(api_server, disk_format='raw', container_format='bare')
    response = put(api_server, queued['id'], headers={
        'x-glance-api-copy-from': web.url('redirect/disk.img')})
    assert response.status_code == 200, response.text
    assert response.json()['image']['size'] == len(web.data)


def test_location_is_served_from_there_without_a_copy(api_server, web):
    image = create(api_server, name='external', disk_format='raw',
                   container_format='bare',
                   location=web.url('disk.img'))
    assert image['status'] == 'active' and image['size'] == len(web.data)
    assert 'location' not in image
    assert stored_files(api_server) == []
    download = requests.get(image_url(api_server, image['id']))
    assert download.content == web.data
    assert web.requests[-1] == '/disk.img'
    assert requests.delete(image_url(api_server,
                                     image['id'])).status_code == 200
    assert requests.get(web.url('disk.img')).status_code == 200
    mismatch = post(api_server, location=web.url('disk.img'), size=3)
    assert mismatch.status_code == 409


@pytest.mark.parametrize('header', ['x-glance-api-copy-from',
                                    'x-image-meta-location'])
@pytest.mark.parametrize('source', ['file:///etc/passwd',
                                    'filesystem:///etc/passwd',
                                    'ftp://host/disk.img', 'disk.img'])
def test_external_sources_other_than_http_swift_s3_are_400(api_server,
                                                           header, source):
    response = post(api_server, headers={header: source})
    assert response.status_code == 400
    assert 'External sources are not supported' in response.text
    assert detail(api_server, is_public='none') == []


def test_swift_and_s3_sources_are_accepted_but_not_readable(api_server):
    image = create(api_server, location='swift://acct:key@auth/c/obj',
                   size=10)
    assert image['status'] == 'active' and image['size'] == 10
    download = requests.get(image_url(api_server, image['id']))
    assert download.status_code == 503
    assert 'no store serving swift:// locations' in download.text
    assert 'key@' not in download.text
    copy = post(api_server, headers={'x-glance-api-copy-from':
                                     's3://key:secret@host/bucket/obj'})
    assert copy.status_code == 503
    assert 'no store serving s3://' in copy.text


def test_checksum_mismatch_kills_the_image_and_keeps_no_data(api_server):
    response = post(api_server, b'some data', name='bad',
                    checksum='0' * 32)
    assert response.status_code == 400
    assert 'did not match. Setting image status to' in response.text
    assert stored_files(api_server) == []
    assert detail(api_server) == []
    killed = detail(api_server, status='killed')
    assert [image['name'] for image in killed] == ['bad']
    assert head(api_server, killed[0]['id']).headers[
        'x-image-meta-status'] == 'killed'
    reserved = create(api_server)
    response = put(api_server, reserved['id'], b'other data',
                   checksum=hashlib.md5(b'something else').hexdigest())
    assert response.status_code == 400
    assert head(api_server, reserved['id']).headers[
        'x-image-meta-status'] == 'killed'
    good = create(api_server, b'data', checksum=hashlib.md5(
        b'data').hexdigest().upper())
    assert good['status'] == 'active'


def test_size_cap_while_streaming(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'image_size_cap': 1000}})
    response = post(server, iter([b'x' * 600, b'y' * 600]), name='big')
    assert response.status_code == 413
    assert response.headers['Connection'] == 'close'
    assert stored_files(server) == []
    killed = detail(server, status='killed')
    assert [image['name'] for image in killed] == ['big']
    declared = post(server, b'z' * 1001)
    assert declared.status_code == 413
    assert create(server, b'z' * 1000)['size'] == 1000


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
    ({'store': 'http'}, {}, 'writable stores: file'),
    ({}, {'x-image-meta-location': 'http://h/x',
          'x-glance-api-copy-from': 'http://h/y'}, 'multiple image sources'),
])
def test_bad_metadata_is_400_and_creates_nothing(api_server, fields,
                                                 headers, message):
    response = post(api_server, headers=headers, **fields)
    assert response.status_code == 400, response.text
    assert message in response.text and 'Traceback' not in response.text
    assert detail(api_server, is_public='none') == []


def test_body_must_be_octet_stream(api_server):
    response = requests.post(api_server.url + '/v1/images', data=b'abc',
                             headers={'Content-Type': 'text/plain'})
    assert response.status_code == 400
    assert 'application/octet-stream' in response.text
    assert detail(api_server, is_public='none') == []


def test_amazon_formats_complete_each_other(api_server):
    image = create(api_server, disk_format='aki')
    assert image['container_format'] == 'aki'


def test_create_with_id_and_duplicate(api_server):
    image_id = 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'
    assert create(api_server, id=image_id)['id'] == image_id
    assert post(api_server, id=image_id).status_code == 409


def test_update_metadata_purges_properties_unless_told(api_server):
    image = create(api_server, name='a', property_one='1', property_two='2')
    response = put(api_server, image['id'], name='b', min_disk=3,
                   property_three='3')
    assert response.status_code == 200, response.text
    updated = response.json()['image']
    assert updated['name'] == 'b' and updated['min_disk'] == 3
    assert updated['properties'] == {'three': '3'}
    kept = put(api_server, image['id'], property_four='4', headers={
        'x-glance-registry-purge-props': 'false'}).json()['image']
    assert kept['properties'] == {'three': '3', 'four': '4'}
    assert kept['name'] == 'b'
    assert put(api_server, image['id'], headers={
        'x-glance-registry-purge-props': 'sometimes'}).status_code == 400


def test_update_of_read_only_fields(api_server):
    image = create(api_server, b'abc', disk_format='raw',
                   container_format='bare')
    same = put(api_server, image['id'], status='active', size=3,
               checksum=image['checksum'], id=image['id'],
               created_at=image['created_at'])
    assert same.status_code == 200, same.text
    for fields in ({'status': 'queued'}, {'size': 4},
                   {'checksum': '0' * 32}):
        assert put(api_server, image['id'], **fields).status_code == 403
    assert put(api_server, image['id'], disk_format='qcow2').status_code \
        == 403
    assert put(api_server, image['id'],
               location='http://h/x').status_code == 409


def test_is_public_and_protected(api_server):
    image = create(api_server, is_public='true', protected='True')
    assert image['is_public'] is True and image['protected'] is True
    url = image_url(api_server, image['id'])
    assert requests.delete(url).status_code == 403
    assert put(api_server, image['id'], protected='false',
               is_public='false').status_code == 200
    assert head(api_server, image['id']).headers[
        'x-image-meta-is_public'] == 'False'
    assert requests.delete(url).status_code == 200


def test_delete(api_server):
    image = create(api_server, b'x' * 1000)
    assert len(stored_files(api_server)) == 1
    url = image_url(api_server, image['id'])
    response = requests.delete(url)
    assert response.status_code == 200 and response.content == b''
    assert stored_files(api_server) == []
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        assert requests.request(method, url).status_code == 404


@pytest.mark.parametrize('image_id', [UNKNOWN_ID, 'not-an-id'])
def test_unknown_images_are_404(api_server, image_id):
    for method in ('HEAD', 'GET', 'PUT', 'DELETE'):
        response = requests.request(method, image_url(api_server, image_id))
        assert response.status_code == 404, (method, response.text)


@pytest.mark.parametrize('method, path, allow', [
    ('PUT', '/v1/images', 'GET, POST'),
    ('HEAD', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/%(id)s', 'DELETE, GET, HEAD, PUT'),
    ('POST', '/v1/images/%(id)s/members', 'GET, PUT'),
    ('GET', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('POST', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('DELETE', '/v1/shared-images/p', 'GET')])
def test_other_methods_are_405_with_allow(api_server, method, path, allow):
    image = create(api_server)
    response = requests.request(method, api_server.url + path % image)
    assert response.status_code == 405
    assert response.headers['Allow'] == allow


def test_list_filters(api_server):
    def make(name, **fields):
        return create(api_server, name=name, **fields)['id']

    a = make('a', disk_format='raw', container_format='bare', min_ram=512,
             property_os='linux')
    b = make('b', disk_format='qcow2', container_format='ovf', min_disk=2,
             protected='true', property_os='windows')
    c = create(api_server, b'12345', name='c')['id']
    public = make('p', is_public='true')

    def ids(**params):
        return sorted(image['id'] for image in detail(api_server, **params))

    assert ids(name='a') == [a]
    assert ids(status='active') == [c]
    assert ids(disk_format='qcow2') == [b]
    assert ids(container_format='bare') == [a]
    assert ids(min_ram='512') == [a]
    assert ids(min_disk='2') == [b]
    assert ids(size_min='5', size_max='5') == [c]
    assert ids(size_min='6') == []
    assert ids(protected='True') == [b]
    assert ids(**{'property-os': 'linux'}) == [a]
    assert ids(is_public='true') == [public]
    assert ids(is_public='false') == sorted([a, b, c])
    assert ids(is_public='none') == sorted([a, b, c, public])


def test_changes_since_lists_deleted_images(api_server):
    gone = create(api_server, name='gone')
    kept = create(api_server, name='kept')
    assert requests.delete(image_url(api_server,
                                     gone['id'])).status_code == 200
    assert [i['id'] for i in detail(api_server)] == [kept['id']]
    changed = detail(api_server, **{'changes-since': '2000-01-01T00:00:00Z'})
    by_id = {image['id']: image for image in changed}
    assert set(by_id) == {gone['id'], kept['id']}
    assert by_id[gone['id']]['deleted'] is True
    assert by_id[gone['id']]['status'] == 'deleted'
    assert by_id[gone['id']]['deleted_at'] is not None
    assert by_id[kept['id']]['deleted'] is False
    assert detail(api_server, **{'changes-since': '2999-01-01T00:00:00'}) \
        == []


def test_sort_and_paging(api_server):
    ids = [create(api_server, name='img-%d' % (i % 3))['id']
           for i in range(7)]

    def names(**params):
        return [i['name'] for i in detail(api_server, **params)]

    assert names(sort_key='name', sort_dir='asc') == sorted(names())
    default = [i['id'] for i in detail(api_server)]
    assert sorted(default) == sorted(ids)
    by_created = detail(api_server, sort_key='created_at', sort_dir='desc')
    assert [i['id'] for i in by_created] == default
    seen, marker = [], None
    while True:
        params = {'limit': 3, 'sort_key': 'name', 'sort_dir': 'asc'}
        if marker:
            params['marker'] = marker
        page = detail(api_server, **params)
        if not page:
            break
        assert len(page) <= 3
        seen += [image['id'] for image in page]
        marker = page[-1]['id']
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)


@pytest.mark.parametrize('params, message', [
    ({'size_min': 'big'}, 'size_min'), ({'min_ram': '-1'}, 'min_ram'),
    ({'protected': 'maybe'}, 'protected'), ({'is_public': 'x'}, 'is_public'),
    ({'changes-since': 'yesterday'}, 'changes-since'),
    ({'status': 'lost'}, 'status'), ({'limit': 'many'}, 'limit'),
    ({'marker': 'nope'}, 'marker'), ({'marker': UNKNOWN_ID}, 'marker'),
    ({'sort_key': 'owner'}, 'sort_key'), ({'sort_dir': 'up'}, 'sort_dir')])
def test_bad_list_parameters_are_400(api_server, params, message):
    for path in ('/v1/images', '/v1/images/detail'):
        response = requests.get(api_server.url + path, params=params)
        assert response.status_code == 400, response.text
        assert message in response.text


def test_versions_and_negotiation(api_server):
    versions = requests.get(api_server.url + '/').json()['versions']
    assert [v['id'] for v in versions][-2:] == ['v1.1', 'v1.0']
    create(api_server, name='negotiated')
    for path in ('/v1.0/images', '/v1.1/images'):
        assert requests.get(api_server.url + path).json()['images'][0][
            'name'] == 'negotiated'
    by_accept = requests.get(api_server.url + '/images', headers={
        'Accept': 'application/vnd.openstack.images-v1'})
    assert by_accept.json()['images'][0]['name'] == 'negotiated'


def test_v1_can_be_disabled(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'enable_v1_api': False}})
    response = requests.get(server.url + '/v1/images')
    assert response.status_code == 300
    assert 'v1.1' not in response.text
    assert requests.get(server.url + '/v2/images').status_code == 200
