"""The project's own client class (glance.client) against a real glance-api."""

import hashlib
import os
import time

import pytest

from glance import client

MiB = 1024 * 1024
MISSING = '6bd7b0ea-3b7b-4a0c-9d2a-0b7c3f1e0f55'


def running_totals(sizes):
    totals, done = [], 0
    for size in sizes:
        done += size
        totals.append(done)
    return totals


@pytest.fixture
def glance(api_server):
    with client.V2Client.from_url(api_server.url, timeout=30) as v2:
        yield v2


@pytest.fixture
def downloads(tmp_path):
    """A directory of the test's own (the servers live beside it)."""
    path = tmp_path / 'downloads'
    path.mkdir()
    return path


@pytest.fixture
def image_file(tmp_path):
    data = os.urandom(5 * MiB + 17)
    path = tmp_path / 'disk.img'
    path.write_bytes(data)
    return path, data


def new_image(glance, **fields):
    fields.setdefault('disk_format', 'raw')
    fields.setdefault('container_format', 'bare')
    return glance.create_image(**fields)


def test_upload_from_file_and_download_to_file(glance, image_file,
                                               downloads):
    path, data = image_file
    image = new_image(glance, name='from-file')
    assert image['status'] == 'queued'
    sent = []
    with open(path, 'rb') as f:
        glance.upload_image(image['id'], f,
                            progress=lambda *step: sent.append(step))
    total = len(data)
    assert sent == [(done, total) for done in
                    running_totals([MiB] * 5 + [17])]
    shown = glance.get_image(image['id'])
    assert shown['status'] == 'active' and shown['size'] == total
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    assert shown['os_hash_value'] == hashlib.sha512(data).hexdigest()

    received = []
    target = downloads / 'copy.img'
    assert glance.download_image(
        image['id'], target,
        progress=lambda *step: received.append(step)) == total
    assert target.read_bytes() == data
    assert received[-1] == (total, total)
    assert [done for done, _ in received] == sorted(
        {done for done, _ in received})
    assert all(announced == total for _, announced in received)
    assert os.listdir(downloads) == ['copy.img']


def test_upload_from_iterator_is_chunked(glance):
    chunks = [os.urandom(256 * 1024 + i) for i in range(9)]
    data = b''.join(chunks)
    image = new_image(glance, name='from-iterator')
    sent = []
    glance.upload_image(image['id'], iter(chunks),
                        progress=lambda *step: sent.append(step))
    assert sent == [(done, None) for done in
                    running_totals(len(c) for c in chunks)]
    shown = glance.get_image(image['id'])
    assert shown['size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    with glance.image_data(image['id']) as stream:
        assert stream.size == len(data)
        assert stream.checksum == shown['checksum']
        assert b''.join(stream) == data


def test_download_detects_corrupted_data(glance, api_server, downloads):
    data = os.urandom(MiB)
    image = new_image(glance, name='rotting')
    glance.upload_image(image['id'], data)
    images_dir = os.path.join(api_server.data_dir, 'images')
    [stored] = [os.path.join(images_dir, name)
                for name in os.listdir(images_dir)]
    with open(stored, 'r+b') as f:
        f.seek(1000)
        f.write(bytes([data[1000] ^ 0xff]))
    with pytest.raises(client.DataIntegrityError, match='Checksum'):
        glance.download_image(image['id'], downloads / 'copy.img')
    assert os.listdir(downloads) == []
    unchecked = b''.join(glance.image_data(image['id'], verify=False))
    assert len(unchecked) == MiB and unchecked != data


def test_image_without_data(glance, downloads):
    image = new_image(glance, name='empty')
    stream = glance.image_data(image['id'])
    assert not stream.has_data and list(stream) == []
    with pytest.raises(client.NoImageData):
        glance.download_image(image['id'], downloads / 'x')
    assert os.listdir(downloads) == []


def test_list_pages_filters_and_sorts(glance):
    ids = {}
    for number in range(5):
        image = new_image(glance, name='img-%d' % number,
                          tags=['odd'] if number % 2 else [])
        ids[image['name']] = image['id']
    listed = list(glance.list_images(page_size=2, sort='name:asc'))
    assert [i['name'] for i in listed] == sorted(ids)
    newest_first = list(glance.list_images(page_size=2,
                                           sort='name:desc'))
    assert [i['name'] for i in newest_first] == sorted(ids, reverse=True)
    assert len(list(glance.list_images(page_size=2, limit=3))) == 3
    assert {i['id'] for i in glance.list_images({'tag': 'odd'})} == \
        {ids['img-1'], ids['img-3']}
    assert [i['id'] for i in glance.list_images({'name': 'img-4'})] == \
        [ids['img-4']]
    assert list(glance.list_images({'name': 'img-4', 'tag': 'odd'})) == []


def test_update_tags_and_delete(glance):
    image = new_image(glance, name='before', os_distro='cirros', tags=['a'])
    updated = glance.update_image(image['id'], name='after', min_ram=512,
                                  architecture='x86_64',
                                  remove=['os_distro'])
    assert updated['name'] == 'after' and updated['min_ram'] == 512
    assert updated['architecture'] == 'x86_64'
    assert 'os_distro' not in updated
    assert glance.get_image(image['id']) == updated
    glance.add_tag(image['id'], 'gold image')
    glance.delete_tag(image['id'], 'a')
    assert glance.get_image(image['id'])['tags'] == ['gold image']
    glance.delete_image(image['id'])
    with pytest.raises(client.NotFound):
        glance.get_image(image['id'])


def test_deactivate_and_reactivate(glance):
    image = new_image(glance, name='blockable')
    glance.upload_image(image['id'], b'data')
    glance.deactivate_image(image['id'])
    assert glance.get_image(image['id'])['status'] == 'deactivated'
    glance.reactivate_image(image['id'])
    assert b''.join(glance.image_data(image['id'])) == b'data'


def test_errors_carry_status_message_and_request_id(glance):
    with pytest.raises(client.NotFound) as raised:
        glance.get_image(MISSING)
    error = raised.value
    assert error.status == 404
    assert error.message == 'No image found with ID %s' % MISSING
    assert error.request_id.startswith('req-')
    assert str(error) == 'HTTP 404: No image found with ID %s (request %s)' \
        % (MISSING, error.request_id)

    with pytest.raises(client.Forbidden) as raised:
        glance.create_image(status='active')
    assert (raised.value.status, raised.value.message) == \
        (403, "Attribute 'status' is read-only.")

    with pytest.raises(client.BadRequest) as raised:
        list(glance.list_images(page_size='many'))
    assert raised.value.status == 400
    assert "parameter 'limit'" in raised.value.message

    image = new_image(glance, name='once')
    glance.upload_image(image['id'], b'first')
    with pytest.raises(client.Conflict) as raised:
        glance.upload_image(image['id'], iter([b'second']))
    assert raised.value.status == 409
    assert 'queued' in raised.value.message

    with pytest.raises(client.NotFound):
        glance.upload_image(MISSING, iter([b'x' * MiB] * 32))
    # Every error left the connection usable.
    assert glance.get_image(image['id'])['size'] == 5


def test_upload_over_the_size_cap(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'image_size_cap': MiB}})
    glance = client.V2Client.from_url(server.url)
    image = new_image(glance, name='too-big')
    with pytest.raises(client.RequestEntityTooLarge) as raised:
        glance.upload_image(image['id'], iter([b'x' * MiB] * 3))
    assert raised.value.status == 413
    assert 'exceeds the limit of %d bytes' % MiB in raised.value.message
    assert glance.get_image(image['id'])['status'] == 'queued'
    glance.upload_image(image['id'], b'small enough')
    assert glance.get_image(image['id'])['status'] == 'active'


def test_identity_headers_and_sharing(make_api_server):
    server = make_api_server(flavor='trusted-auth')

    def as_project(project, roles=('member', 'reader')):
        return client.V2Client.from_url(
            server.url, project_id=project, user_id=project + '-user',
            roles=roles)

    with pytest.raises(client.NotAuthenticated) as raised:
        list(client.V2Client.from_url(server.url).list_images())
    assert raised.value.status == 401

    alice, bob = as_project('alice'), as_project('bob')
    image = new_image(alice, name='alice-only', visibility='shared')
    assert image['owner'] == 'alice'
    with pytest.raises(client.NotFound):
        bob.get_image(image['id'])
    assert list(bob.list_images()) == []
    ops = as_project('ops', ['admin', 'member', 'reader'])
    assert [i['id'] for i in ops.list_images()] == [image['id']]

    member = alice.add_member(image['id'], 'bob')
    assert (member['member_id'], member['status']) == ('bob', 'pending')
    assert bob.update_member(image['id'], 'bob', 'accepted')['status'] == \
        'accepted'
    assert [m['member_id'] for m in alice.list_members(image['id'])] == \
        ['bob']
    assert alice.get_member(image['id'], 'bob')['status'] == 'accepted'
    assert [i['id'] for i in bob.list_images()] == [image['id']]
    alice.delete_member(image['id'], 'bob')
    with pytest.raises(client.NotFound):
        bob.get_image(image['id'])


def test_connections_closed_by_the_server_are_replaced(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'client_socket_timeout': 1}})
    glance = client.V2Client.from_url(server.url)
    image = new_image(glance, name='patient')
    time.sleep(1.5)
    # An iterator cannot be sent twice: this works only because the client
    # saw the idle connection was closed before using it.
    glance.upload_image(image['id'], iter([b'after a pause']))
    time.sleep(1.5)
    assert b''.join(glance.image_data(image['id'])) == b'after a pause'


def test_server_without_keepalive(make_api_server):
    server = make_api_server(conf={'DEFAULT': {'http_keepalive': False}})
    glance = client.V2Client.from_url(server.url)
    image = new_image(glance, name='one-per-connection')
    glance.upload_image(image['id'], iter([b'abc', b'def']))
    assert b''.join(glance.image_data(image['id'])) == b'abcdef'
    assert glance.get_image(image['id'])['size'] == 6


def test_abandoned_download_leaves_the_client_usable(glance):
    image = new_image(glance, name='big')
    glance.upload_image(image['id'], iter([os.urandom(MiB)] * 8))
    with glance.image_data(image['id']) as stream:
        next(iter(stream))
    assert glance.get_image(image['id'])['size'] == 8 * MiB
    stream = glance.image_data(image['id'])
    assert sum(len(chunk) for chunk in stream) == 8 * MiB


@pytest.fixture
def glance_v1(api_server):
    with client.V1Client.from_url(api_server.url, timeout=30) as v1:
        yield v1


def test_v1_add_with_data_head_download_update_delete(glance_v1, image_file,
                                                      downloads):
    path, data = image_file
    with open(path, 'rb') as f:
        image = glance_v1.add_image(
            {'name': 'v1-client', 'disk_format': 'raw',
             'container_format': 'bare', 'is_public': True,
             'properties': {'distro': 'cirros'}}, f)
    assert image['status'] == 'active' and image['size'] == len(data)
    assert image['checksum'] == hashlib.md5(data).hexdigest()
    meta = glance_v1.get_image_meta(image['id'])
    assert meta['name'] == 'v1-client'
    assert meta['properties'] == {'distro': 'cirros'}
    target = downloads / 'v1.img'
    assert glance_v1.download_image(image['id'], str(target)) == len(data)
    assert target.read_bytes() == data

    updated = glance_v1.update_image(image['id'], {
        'properties': {'arch': 'x86_64'}}, purge_props=False)
    assert updated['properties'] == {'distro': 'cirros', 'arch': 'x86_64'}
    updated = glance_v1.update_image(image['id'], {
        'name': 'renamed', 'properties': {'arch': 'arm64'}})
    assert updated['name'] == 'renamed'
    assert updated['properties'] == {'arch': 'arm64'}
    listed = glance_v1.get_images_detailed({'name': 'renamed'})
    assert [i['id'] for i in listed] == [image['id']]

    glance_v1.delete_image(image['id'])
    with pytest.raises(client.NotFound) as raised:
        glance_v1.get_image_meta(image['id'])
    assert raised.value.status == 404


def test_v1_reserve_then_upload_chunked_and_checksum_mismatch(glance_v1):
    reserved = glance_v1.add_image({'name': 'later', 'disk_format': 'raw',
                                    'container_format': 'bare'})
    assert reserved['status'] == 'queued'
    data = [b'a' * 1000, b'b' * 2000]
    uploaded = glance_v1.update_image(reserved['id'], image_data=iter(data))
    assert uploaded['status'] == 'active' and uploaded['size'] == 3000

    bad = glance_v1.add_image({'name': 'bad', 'disk_format': 'raw',
                               'container_format': 'bare'})
    with pytest.raises(client.BadRequest):
        glance_v1.update_image(bad['id'], {'checksum': '0' * 32},
                               image_data=b'some bytes')
    assert glance_v1.get_image_meta(bad['id'])['status'] == 'killed'


def test_v1_members(glance_v1):
    image = glance_v1.add_image({'name': 'shared', 'disk_format': 'raw',
                                 'container_format': 'bare'})
    glance_v1.add_member(image['id'], 'project-b', can_share=True)
    glance_v1.add_member(image['id'], 'project-c')
    members = {m['member_id']: m['can_share']
               for m in glance_v1.get_image_members(image['id'])}
    assert members == {'project-b': True, 'project-c': False}
    assert [m['image_id'] for m in glance_v1.get_member_images(
        'project-b')] == [image['id']]
    glance_v1.replace_members(image['id'],
                              {'member_id': 'project-d', 'can_share': False})
    assert [m['member_id'] for m in glance_v1.get_image_members(
        image['id'])] == ['project-d']
    glance_v1.delete_member(image['id'], 'project-d')
    assert glance_v1.get_image_members(image['id']) == []
    with pytest.raises(client.NotFound):
        glance_v1.delete_member(image['id'], 'project-d')
