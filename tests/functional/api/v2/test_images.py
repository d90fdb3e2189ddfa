"""The v2 images API served by a real glance-api process."""

import hashlib
import json
import os
import socket
import threading
import time

import pytest
import requests

PATCH = 'application/openstack-images-v2.1-json-patch'


def create(server, **body):
    response = requests.post(server.url + '/v2/images', json=body)
    assert response.status_code == 201, response.text
    return response.json()


def upload(server, image_id, data, **kwargs):
    return requests.put(
        '%s/v2/images/%s/file' % (server.url, image_id), data=data,
        headers={'Content-Type': 'application/octet-stream'}, **kwargs)


def show(server, image_id):
    return requests.get('%s/v2/images/%s' % (server.url, image_id))


def stored_files(server):
    root = os.path.join(server.data_dir, 'images')
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_create_show_and_fields(api_server):
    response = requests.post(api_server.url + '/v2/images', json={
        'name': 'cirros', 'disk_format': 'qcow2', 'container_format': 'bare',
        'min_ram': 64, 'os_distro': 'cirros', 'tags': ['a', 'b']})
    assert response.status_code == 201
    image = response.json()
    assert response.headers['Location'].endswith('/v2/images/' + image['id'])
    assert 'glance-direct' in response.headers[
        'OpenStack-image-import-methods']
    assert response.headers['x-openstack-request-id'].startswith('req-')
    assert image['status'] == 'queued' and image['visibility'] == 'shared'
    assert image['os_distro'] == 'cirros' and image['min_ram'] == 64
    assert image['tags'] == ['a', 'b'] and image['protected'] is False
    for field in ('size', 'checksum', 'os_hash_algo', 'os_hash_value',
                  'virtual_size'):
        assert image[field] is None
    assert image['self'] == '/v2/images/' + image['id']
    assert image['file'] == '/v2/images/%s/file' % image['id']
    assert image['schema'] == '/v2/schemas/image'
    assert image['created_at'].endswith('Z')
    assert show(api_server, image['id']).json() == image


@pytest.mark.parametrize('body,status', [
    ({'size': 5}, 403), ({'status': 'active'}, 403),
    ({'checksum': 'x'}, 403), ({'disk_format': 'floppy'}, 400),
    ({'container_format': 'zip'}, 400), ({'min_ram': 'lots'}, 400),
    ({'custom': 5}, 400), ({'id': 'not-a-uuid'}, 400),
    ({'visibility': 'everyone'}, 400)])
def test_create_refuses_bad_input(api_server, body, status):
    response = requests.post(api_server.url + '/v2/images', json=body)
    assert response.status_code == status, response.text
    assert 'Traceback' not in response.text


def test_malformed_json_is_400(api_server):
    response = requests.post(api_server.url + '/v2/images', data=b'{nope',
                             headers={'Content-Type': 'application/json'})
    assert response.status_code == 400


def test_create_with_id_and_duplicate(api_server):
    image_id = 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'
    assert create(api_server, id=image_id)['id'] == image_id
    response = requests.post(api_server.url + '/v2/images',
                             json={'id': image_id})
    assert response.status_code == 409


@pytest.mark.parametrize('method,path,allow', [
    ('PUT', '/v2/images', 'GET, POST'),
    ('POST', '/v2/images/%(id)s', 'DELETE, GET, PATCH'),
    ('POST', '/v2/images/%(id)s/file', 'GET, PUT'),
    ('GET', '/v2/images/%(id)s/tags/x', 'DELETE, PUT'),
    ('GET', '/v2/images/%(id)s/actions/deactivate', 'POST'),
    ('DELETE', '/v2/schemas/image', 'GET')])
def test_other_methods_are_405_with_allow(api_server, method, path, allow):
    image = create(api_server)
    response = requests.request(method,
                                api_server.url + path % image)
    assert response.status_code == 405
    assert response.headers['Allow'] == allow


def test_unknown_image_is_404(api_server):
    for image_id in ('0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7', '../etc'):
        assert show(api_server, image_id).status_code == 404


def test_versions_document(api_server):
    for path in ('/', '/versions'):
        response = requests.get(api_server.url + path)
        assert response.status_code == 300
        assert response.json()['versions'][0]['id'] == 'v2.16'
        assert response.headers['x-openstack-request-id']


def test_schemas(api_server):
    for name in ('image', 'images', 'member', 'members'):
        response = requests.get(api_server.url + '/v2/schemas/' + name)
        assert response.status_code == 200
        assert response.json()['name'] == name
    image = requests.get(api_server.url + '/v2/schemas/image').json()
    assert image['additionalProperties'] == {'type': 'string'}
    assert image['properties']['size']['readOnly'] is True
    assert requests.get(
        api_server.url + '/v2/schemas/nothing').status_code == 404


def test_patch(api_server):
    image = create(api_server, name='a', extra='1')
    url = '%s/v2/images/%s' % (api_server.url, image['id'])

    def patch(*ops, media=PATCH):
        return requests.patch(url, data=json.dumps(list(ops)),
                              headers={'Content-Type': media})

    response = patch({'op': 'replace', 'path': '/name', 'value': 'b'},
                     {'op': 'add', 'path': '/os_version', 'value': '9'},
                     {'op': 'remove', 'path': '/extra'},
                     {'op': 'replace', 'path': '/tags', 'value': ['t']})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body['name'] == 'b' and body['os_version'] == '9'
    assert 'extra' not in body and body['tags'] == ['t']
    v20 = patch({'replace': '/min_disk', 'value': 3},
                media='application/openstack-images-v2.0-json-patch')
    assert v20.json()['min_disk'] == 3
    assert patch({'op': 'replace', 'path': '/size',
                  'value': 1}).status_code == 403
    assert patch({'op': 'remove', 'path': '/name'}).status_code == 403
    assert patch({'op': 'remove', 'path': '/missing'}).status_code == 409
    assert patch({'op': 'replace', 'path': '/missing',
                  'value': 'x'}).status_code == 409
    assert patch({'op': 'replace', 'path': '/disk_format',
                  'value': 'floppy'}).status_code == 400
    assert patch({'op': 'replace', 'path': '/name', 'value': 'c'},
                 media='application/json').status_code == 415
    assert show(api_server, image['id']).json()['name'] == 'b'


def test_upload_download_roundtrip(api_server):
    data = os.urandom(3 * 1024 * 1024 + 17)
    image = create(api_server, name='data', disk_format='raw',
                   container_format='bare')
    response = upload(api_server, image['id'], data)
    assert response.status_code == 204, response.text
    active = show(api_server, image['id']).json()
    assert active['status'] == 'active'
    assert active['size'] == len(data)
    assert active['checksum'] == hashlib.md5(data).hexdigest()
    assert active['os_hash_algo'] == 'sha512'
    assert active['os_hash_value'] == hashlib.sha512(data).hexdigest()
    file_url = '%s/v2/images/%s/file' % (api_server.url, image['id'])
    download = requests.get(file_url)
    assert download.status_code == 200
    assert download.content == data
    assert download.headers['Content-MD5'] == active['checksum']
    assert download.headers['Content-Length'] == str(len(data))
    assert download.headers['Content-Type'] == 'application/octet-stream'
    partial = requests.get(file_url, headers={'Range': 'bytes=100-199'})
    assert partial.status_code == 206
    assert partial.content == data[100:200]
    assert partial.headers['Content-Range'] == 'bytes 100-199/%d' % len(data)
    tail = requests.get(file_url, headers={'Range': 'bytes=-10'})
    assert tail.status_code == 206 and tail.content == data[-10:]
    unsatisfiable = requests.get(
        file_url, headers={'Range': 'bytes=%d-' % (len(data) + 5)})
    assert unsatisfiable.status_code == 416
    assert upload(api_server, image['id'], b'again').status_code == 409


def test_downloads_return_exact_bytes_and_are_logged(api_server):
    # Over 1 MiB, so ranges cross the chunks of an iterated download too.
    data = os.urandom(5 * 1024 * 1024 + 3)
    image = create(api_server, disk_format='raw', container_format='bare')
    assert upload(api_server, image['id'], data).status_code == 204
    file_url = '%s/v2/images/%s/file' % (api_server.url, image['id'])
    expected = [(None, 200, data)]
    for header, start, stop in [('bytes=0-0', 0, 1),
                                ('bytes=1048575-3145728', 1048575, 3145729),
                                ('bytes=5000000-', 5000000, len(data)),
                                ('bytes=-7', len(data) - 7, len(data))]:
        expected.append((header, 206, data[start:stop]))
    with requests.Session() as session:
        for header, status, content in expected:
            response = session.get(file_url,
                                   headers={'Range': header} if header else {})
            assert response.status_code == status, header
            assert response.content == content, header
            assert response.headers['Content-Length'] == str(len(content))

    def logged_lines():
        with open(api_server.log_path) as f:
            return [line for line in f
                    if '"GET /v2/images/%s/file"' % image['id'] in line]

    # A line is written once its response has been sent, maybe after the
    # client has read it.
    give_up_at = time.monotonic() + 10
    while len(logged := logged_lines()) < len(expected) and \
            time.monotonic() < give_up_at:
        time.sleep(0.05)
    assert len(logged) == len(expected)
    for line, (_, status, content) in zip(logged, expected):
        assert 'status: %d len: %d ' % (status, len(content)) in line


def test_chunked_upload(api_server):
    chunks = [os.urandom(1024 * 1024) for _ in range(3)] + [b'tail']
    image = create(api_server)
    assert upload(api_server, image['id'], iter(chunks)).status_code == 204
    data = b''.join(chunks)
    active = show(api_server, image['id']).json()
    assert active['size'] == len(data)
    assert active['checksum'] == hashlib.md5(data).hexdigest()


def test_download_without_data_is_204(api_server):
    image = create(api_server)
    response = requests.get('%s/v2/images/%s/file'
                            % (api_server.url, image['id']))
    assert response.status_code == 204


def test_upload_needs_octet_stream(api_server):
    image = create(api_server)
    response = requests.put(
        '%s/v2/images/%s/file' % (api_server.url, image['id']),
        data=b'abc', headers={'Content-Type': 'text/plain'})
    assert response.status_code == 415


def test_delete_removes_data_and_respects_protected(api_server):
    image = create(api_server, protected=True)
    assert upload(api_server, image['id'], b'x' * 1000).status_code == 204
    assert len(stored_files(api_server)) == 1
    url = '%s/v2/images/%s' % (api_server.url, image['id'])
    assert requests.delete(url).status_code == 403
    requests.patch(url, data=json.dumps(
        [{'op': 'replace', 'path': '/protected', 'value': False}]),
        headers={'Content-Type': PATCH})
    assert requests.delete(url).status_code == 204
    assert show(api_server, image['id']).status_code == 404
    assert requests.delete(url).status_code == 404
    assert stored_files(api_server) == []


def test_tags(api_server):
    image = create(api_server)
    url = '%s/v2/images/%s/tags/' % (api_server.url, image['id'])
    assert requests.put(url + 'blue').status_code == 204
    assert requests.put(url + 'blue').status_code == 204
    assert requests.put(url + 'red').status_code == 204
    assert show(api_server, image['id']).json()['tags'] == ['blue', 'red']
    assert requests.delete(url + 'blue').status_code == 204
    assert requests.delete(url + 'blue').status_code == 404
    assert show(api_server, image['id']).json()['tags'] == ['red']


def test_deactivate_and_reactivate(api_server):
    image = create(api_server)
    actions = '%s/v2/images/%s/actions/' % (api_server.url, image['id'])
    assert requests.post(actions + 'deactivate').status_code == 403
    upload(api_server, image['id'], b'data')
    assert requests.post(actions + 'deactivate').status_code == 204
    assert show(api_server, image['id']).json()['status'] == 'deactivated'
    assert requests.post(actions + 'deactivate').status_code == 204
    assert requests.post(actions + 'reactivate').status_code == 204
    assert show(api_server, image['id']).json()['status'] == 'active'


def test_list_filters_sort_and_paging(api_server):
    ids = []
    for i in range(7):
        ids.append(create(api_server, name='img-%d' % (i % 3),
                          disk_format='raw' if i % 2 else 'qcow2',
                          container_format='bare', os_distro='d%d' % (i % 2),
                          tags=['even'] if i % 2 == 0 else [])['id'])
    upload(api_server, ids[0], b'12345')

    def names(**params):
        body = requests.get(api_server.url + '/v2/images',
                            params=params).json()
        return [image['id'] for image in body['images']]

    assert set(names(name='img-1')) == {ids[1], ids[4]}
    assert set(names(name='in:img-1,img-2')) == {ids[1], ids[2], ids[4],
                                                ids[5]}
    assert names(status='active') == [ids[0]]
    assert set(names(tag='even')) == {ids[0], ids[2], ids[4], ids[6]}
    assert set(names(os_distro='d1')) == {ids[1], ids[3], ids[5]}
    assert set(names(disk_format='raw')) == {ids[1], ids[3], ids[5]}
    assert names(size_min='5', size_max='5') == [ids[0]]
    assert names(size_min='6') == []
    assert names(sort='name:asc,id:desc')[:3] == sorted(
        [ids[0], ids[3], ids[6]], reverse=True)
    assert requests.get(api_server.url + '/v2/images',
                        params={'sort_key': 'bogus'}).status_code == 400
    seen, url = [], '/v2/images?limit=3'
    while url:
        body = requests.get(api_server.url + url).json()
        assert body['schema'] == '/v2/schemas/images'
        assert body['first'] == '/v2/images?limit=3'
        seen += [image['id'] for image in body['images']]
        url = body.get('next')
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert requests.get(api_server.url + '/v2/images', params={
        'marker': '0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'}).status_code == 400


def test_size_cap_while_streaming(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'image_size_cap': 1000}})
    image = create(server)
    response = upload(server, image['id'], iter([b'x' * 600, b'y' * 600]))
    assert response.status_code == 413
    assert show(server, image['id']).json()['status'] == 'queued'
    assert stored_files(server) == []
    assert upload(server, image['id'], b'z' * 1000).status_code == 204


def test_client_disconnect_leaves_image_queued_and_no_data(api_server):
    image = create(api_server)
    sock = socket.create_connection(('127.0.0.1', api_server.port))
    sock.sendall(('PUT /v2/images/%s/file HTTP/1.1\r\nHost: x\r\n'
                  'Content-Type: application/octet-stream\r\n'
                  'Content-Length: 10000000\r\n\r\n' % image['id']).encode())
    sock.sendall(b'x' * 1000000)
    sock.close()
    # Until the server has handled the upload, the image may still be
    # queued because the upload has not begun.
    handled = '"PUT /v2/images/%s/file" status: 400' % image['id']
    for _ in range(200):
        if handled in api_server.read_log():
            break
        time.sleep(0.05)
    assert handled in api_server.read_log()
    assert show(api_server, image['id']).json()['status'] == 'queued'
    assert stored_files(api_server) == []


def test_concurrent_uploads_exactly_one_wins(api_server):
    image = create(api_server)
    results = []
    barrier = threading.Barrier(4)

    def slow_body(tag):
        barrier.wait()
        for _ in range(8):
            yield tag * 128 * 1024

    def worker(tag):
        try:
            results.append(upload(api_server, image['id'],
                                  slow_body(tag)).status_code)
        except requests.ConnectionError:
            # A loser may be cut off while still sending its body.
            results.append(409)

    threads = [threading.Thread(target=worker, args=(bytes([65 + i]),))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [204, 409, 409, 409]
    active = show(api_server, image['id']).json()
    data = requests.get(api_server.url + active['file']).content
    assert len(data) == 1024 * 1024 and len(set(data)) == 1
    assert hashlib.md5(data).hexdigest() == active['checksum']
    assert len(stored_files(api_server)) == 1
