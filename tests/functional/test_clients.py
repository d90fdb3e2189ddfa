"""python-glanceclient (CLI and Python API) and openstacksdk, unchanged."""

import hashlib
import os
import subprocess
import sys

import pytest


@pytest.fixture
def image_file(tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 123)
    path = tmp_path / 'disk.img'
    path.write_bytes(data)
    return path, data


def test_glanceclient_python_api(api_server, image_file, tmp_path):
    from glanceclient import client
    path, data = image_file
    glance = client.Client('2', endpoint=api_server.url, token='unused')
    image = glance.images.create(name='gc-image', disk_format='raw',
                                 container_format='bare', os_distro='test')
    with open(path, 'rb') as f:
        glance.images.upload(image.id, f)
    shown = glance.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert shown.checksum == hashlib.md5(data).hexdigest()
    assert b''.join(glance.images.data(image.id)) == data
    glance.images.update(image.id, name='renamed', extra='x',
                         remove_props=['os_distro'])
    glance.image_tags.update(image.id, 'gold')
    shown = glance.images.get(image.id)
    assert shown.name == 'renamed' and shown.extra == 'x'
    assert 'os_distro' not in shown and shown.tags == ['gold']
    listed = list(glance.images.list(filters={'name': 'renamed',
                                              'tag': ['gold']}))
    assert [i.id for i in listed] == [image.id]
    assert len(list(glance.images.list(page_size=1))) >= 1
    glance.images.deactivate(image.id)
    assert glance.images.get(image.id).status == 'deactivated'
    glance.images.reactivate(image.id)
    glance.images.delete(image.id)
    assert [i.id for i in glance.images.list()] == []


def run_glance_cli(api_server, *args):
    glance = os.path.join(os.path.dirname(sys.executable), 'glance')
    result = subprocess.run(
        [glance, '--os-image-url', api_server.url, '--os-auth-token',
         'unused', '--os-image-api-version', '2'] + list(args),
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_glanceclient_cli(api_server, image_file, tmp_path):
    path, data = image_file
    out = run_glance_cli(api_server, 'image-create', '--name', 'cli-image',
                         '--disk-format', 'raw', '--container-format', 'bare',
                         '--property', 'os_type=linux', '--file', str(path))
    assert 'cli-image' in out and 'active' in out
    listing = run_glance_cli(api_server, 'image-list', '--property-filter',
                             'os_type=linux')
    image_id = [line.split('|')[1].strip() for line in listing.splitlines()
                if 'cli-image' in line][0]
    target = tmp_path / 'out.img'
    run_glance_cli(api_server, 'image-download', '--file', str(target),
                   image_id)
    assert target.read_bytes() == data
    run_glance_cli(api_server, 'image-update', '--name', 'cli-renamed',
                   image_id)
    run_glance_cli(api_server, 'image-tag-update', image_id, 'blue')
    shown = run_glance_cli(api_server, 'image-show', image_id)
    assert 'cli-renamed' in shown and 'blue' in shown
    run_glance_cli(api_server, 'image-deactivate', image_id)
    assert 'deactivated' in run_glance_cli(api_server, 'image-show', image_id)
    run_glance_cli(api_server, 'image-reactivate', image_id)
    run_glance_cli(api_server, 'image-delete', image_id)
    assert 'cli-renamed' not in run_glance_cli(api_server, 'image-list')


def test_openstacksdk(api_server, image_file, tmp_path):
    import openstack
    path, data = image_file
    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=api_server.url + '/v2')
    image = conn.image.create_image(name='sdk-image', filename=str(path),
                                    disk_format='raw',
                                    container_format='bare', wait=True)
    image = conn.image.get_image(image.id)
    assert image.status == 'active' and image.size == len(data)
    assert image.checksum == hashlib.md5(data).hexdigest()
    target = tmp_path / 'sdk.img'
    conn.image.download_image(image, output=str(target))
    assert target.read_bytes() == data
    conn.image.update_image(image, name='sdk-renamed', min_ram=128)
    conn.image.add_tag(image, 'sdk')
    found = list(conn.image.images(name='sdk-renamed', tag=['sdk']))
    assert [i.id for i in found] == [image.id] and found[0].min_ram == 128
    conn.image.deactivate_image(image)
    assert conn.image.get_image(image).status == 'deactivated'
    conn.image.reactivate_image(image)
    conn.image.delete_image(image)
    assert list(conn.image.images()) == []


def test_glanceclient_and_openstacksdk_share_images(api_server):
    from glanceclient import client
    import openstack
    glance = client.Client('2', endpoint=api_server.url, token='unused')
    image = glance.images.create(name='to-share')
    member = glance.image_members.create(image.id, 'project-b')
    assert (member.member_id, member.status) == ('project-b', 'pending')
    conn = openstack.connection.Connection(
        image_endpoint_override=api_server.url, auth_type='none')
    conn.image.add_member(image.id, member_id='project-c')
    assert sorted(m.member_id for m in conn.image.members(image.id)) == [
        'project-b', 'project-c']
    glance.image_members.delete(image.id, 'project-b')
    assert [m['member_id'] for m in glance.image_members.list(image.id)] == [
        'project-c']
