"""Image locations driven by python-glanceclient (location-add,
location-update, location-delete, and 2.17's add-location) and openstacksdk
against a real glance-api (trusted-auth flavor), with http locations on a
real local web server; the service persona with a real Keystone token."""

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.file_server import serving
from tests.functional.test_keystone import keystone_api_server

DATA = os.urandom(512 * 1024 + 9)
OTHER = os.urandom(4096)
OWNER = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u-alpha',
         'X-Project-Id': 'alpha', 'X-Roles': 'member,reader'}
ADMIN = dict(OWNER, **{'X-Roles': 'admin,member,reader'})
SERVICE = dict(OWNER, **{'X-User-Id': 'nova', 'X-Roles': 'service,reader'})


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'),
                 **{'disk.img': DATA, 'other.img': OTHER}) as server:
        yield server


@pytest.fixture
def server(make_api_server, tmp_path):
    # image_cache_dir: Glance lists 2.17, which clients look for, only
    # beside the cache API's versions.
    return make_api_server(flavor='trusted-auth', conf={'DEFAULT': {
        'show_multiple_locations': True,
        'image_cache_dir': str(tmp_path / 'cache')}})


def glance(server, headers):
    """glanceclient's Python API with trusted-auth identity headers, set on
    its requests session (its identity_headers option would percent-encode
    the comma of X-Roles)."""
    from glanceclient import client
    made = client.Client('2', endpoint=server.url, token='unused')
    made.http_client.session.headers.update(headers)
    return made


def cli(server, headers, *args):
    """The glance command, its HTTP client given the identity headers as
    ``glance`` does."""
    command = [os.path.join(os.path.dirname(sys.executable), 'glance'),
               '--os-image-url', server.url, '--os-auth-token', 'unused',
               '--os-image-api-version', '2'] + list(args)
    script = (
        'import sys, json\n'
        'from glanceclient.common import http\n'
        'init = http.HTTPClient.__init__\n'
        'def patched(self, *a, **k):\n'
        '    init(self, *a, **k)\n'
        '    self.session.headers.update(json.loads(%r))\n'
        'http.HTTPClient.__init__ = patched\n'
        'from glanceclient import shell\n'
        'sys.argv = %r\n'
        'shell.main()\n' % (json.dumps(headers), command))
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_for(read, done, seconds=15):
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_glanceclient_location_commands(server, web):
    owner, admin = glance(server, OWNER), glance(server, ADMIN)
    image = owner.images.create(name='loc', disk_format='raw',
                                container_format='bare')
    first, second = web.url('disk.img'), web.url('other.img')
    cli(server, OWNER, 'location-add', '--url', first, image.id)
    shown = owner.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(DATA)
    assert [loc['url'] for loc in shown.locations] == [first]
    owner.images.add_location(image.id, second, {'mirror': 'b'})
    cli(server, OWNER, 'location-update', '--url', first, '--metadata',
        '{"mirror": "a"}', image.id)
    shown = owner.images.get(image.id)
    assert shown.locations == [{'url': first, 'metadata': {'mirror': 'a'}},
                               {'url': second, 'metadata': {'mirror': 'b'}}]
    assert b''.join(owner.images.data(image.id)) == DATA
    cli(server, ADMIN, 'location-delete', '--url', first, image.id)
    assert [loc['url'] for loc in admin.images.get(image.id).locations] == [
        second]
    assert b''.join(owner.images.data(image.id)) == OTHER


def test_glanceclient_and_openstacksdk_add_location(server, web):
    import openstack
    owner, service = glance(server, OWNER), glance(server, SERVICE)
    image = owner.images.create(name='snap', disk_format='raw',
                                container_format='bare')
    out = cli(server, SERVICE, 'add-location', '--url', web.url('disk.img'),
              image.id)
    assert image.id in out
    shown = wait_for(lambda: owner.images.get(image.id),
                     lambda i: i.os_hash_value)
    assert shown.status == 'active'
    assert shown.checksum == hashlib.md5(DATA).hexdigest()
    assert shown.os_hash_value == hashlib.sha512(DATA).hexdigest()
    assert list(service.images.get_image_locations(image.id)) == [
        {'url': web.url('disk.img'), 'metadata': {}}]

    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=server.url + '/v2')
    # The image proxy is a keystoneauth Adapter: its headers go with each
    # request, as a service's would with its token.
    conn.image.additional_headers = dict(SERVICE)
    image = owner.images.create(name='sdk', disk_format='raw',
                                container_format='bare')
    wanted = hashlib.sha256(OTHER).hexdigest()
    conn.image.add_image_location(
        image.id, web.url('other.img'),
        validation_data={'os_hash_algo': 'sha256', 'os_hash_value': wanted})
    shown = wait_for(lambda: owner.images.get(image.id),
                     lambda i: i.status == 'active')
    assert shown.os_hash_algo == 'sha256' and shown.os_hash_value == wanted
    assert [loc.url for loc in conn.image.image_locations(image.id)] == [
        web.url('other.img')]


def test_the_service_persona_with_keystone_tokens(keystone, web, tmp_path):
    """A Keystone user holding only the service role on the owning project
    adds and lists locations; the project's member may not list them."""
    server = keystone_api_server(keystone, tmp_path / 'glance')
    try:
        def call(user, method, path, **kwargs):
            return requests.request(
                method, server.url + path, timeout=30,
                headers={'X-Auth-Token': keystone.token(user)}, **kwargs)
        image = call('alpha-member', 'POST', '/v2/images', json={
            'disk_format': 'raw', 'container_format': 'bare'}).json()
        path = '/v2/images/%s/locations' % image['id']
        response = call('alpha-service', 'POST', path,
                        json={'url': web.url('disk.img')})
        assert response.status_code == 202, response.text
        assert call('alpha-member', 'GET', path).status_code == 403
        assert call('beta-member', 'GET', path).status_code == 404
        listed = call('alpha-service', 'GET', path)
        assert listed.json() == [{'url': web.url('disk.img'),
                                  'metadata': {}}]
        shown = wait_for(
            lambda: call('alpha-member', 'GET', '/v2/images/' + image['id'])
            .json(), lambda i: i['os_hash_value'])
        assert shown['os_hash_value'] == hashlib.sha512(DATA).hexdigest()
    finally:
        server.stop()
