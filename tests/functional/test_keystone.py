"""glance-api's keystone flavor against a real Keystone
(tests/keystone_server.py): tokens, 401s, service tokens, anonymous
access, the clients finding glance in the catalog, and a representative
part of the tenant matrix (tests/functional/test_tenant_matrix.py has all
of it) in both data_api modes, glance-registry validating the same
tokens."""

import io
import os
import subprocess

import pytest
import requests

from tests.functional.server import ApiServer
from tests.functional.server import BIN_DIR
from tests.functional.server import DATA_APIS
from tests.functional.server import environ
from tests.functional import test_crash_recovery as crash
from tests.functional.test_registry import eventually
from tests.keystone_server import PASSWORD
from tests.keystone_server import REGION
from tests.wsgi_client import Verbs


def keystone_api_server(keystone, directory, data_api='sql', conf=None,
                        registry_conf=None, flavor='keystone', workers=0):
    """A started glance-api of a keystone flavor validating tokens with
    ``keystone`` (its registry too, configured with ``registry_conf`` as
    well), registered in the catalog."""
    authtoken = {'keystone_authtoken': keystone.authtoken_options()}
    server = ApiServer(directory, flavor=flavor, data_api=data_api,
                       workers=workers, conf=dict(authtoken, **(conf or {})))
    if server.registry is not None:
        server.registry.update_conf(dict(authtoken, **(registry_conf or {})))
    server.start()
    keystone.register_image_endpoint(server.url)
    return server


@pytest.fixture(scope='module', params=sorted(DATA_APIS))
def glance(request, keystone, tmp_path_factory):
    server = keystone_api_server(
        keystone, tmp_path_factory.mktemp('glance-keystone'), request.param)
    yield server
    server.stop()


class Caller(Verbs):
    """HTTP calls to glance with the token of one Keystone user, over one
    kept-alive connection: ``caller(method, path, ...)``, or
    ``caller.get(path, ...)`` and the like, as requests answers them."""

    def __init__(self, glance, token):
        self.url = glance.url
        self.headers = {'X-Auth-Token': token} if token else {}
        self.session = requests.Session()

    def request(self, method, path, **kwargs):
        headers = dict(self.headers, **kwargs.pop('headers', None) or {})
        return self.session.request(method, self.url + path,
                                    headers=headers, timeout=30, **kwargs)

    __call__ = request


@pytest.fixture(scope='module')
def callers(glance, keystone):
    users = ('admin', 'alpha-member', 'alpha-reader', 'beta-member',
             'beta-reader')
    return {user: Caller(glance, keystone.token(user)) for user in users}


def test_no_token_or_a_bad_one_gets_401_naming_keystone(glance, keystone):
    for headers in ({}, {'X-Auth-Token': 'not-a-token'}):
        response = requests.get(glance.url + '/v2/images', headers=headers,
                                timeout=30)
        assert response.status_code == 401
        assert keystone.url in response.headers['WWW-Authenticate']
        assert 'Traceback' not in response.text
    # Versions need no token: clients discover them before they have one.
    assert requests.get(glance.url + '/', timeout=30).status_code == 300


def test_a_system_scoped_token_is_refused_on_project_resources(
        glance, keystone):
    system_admin = Caller(glance, keystone.token('admin', system=True))
    assert system_admin('GET', '/v2/images').status_code == 403


def test_personas_with_real_tokens(glance, keystone, callers):
    alpha, alpha_reader = callers['alpha-member'], callers['alpha-reader']
    beta, beta_reader = callers['beta-member'], callers['beta-reader']
    admin = callers['admin']
    created = alpha('POST', '/v2/images', json={
        'name': 'matrix', 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'shared'})
    assert created.status_code == 201, created.text
    image = created.json()
    assert image['owner'] == keystone.ids['alpha']
    path = '/v2/images/' + image['id']
    assert alpha('PUT', path + '/file', data=b'bits', headers={
        'Content-Type': 'application/octet-stream'}).status_code == 204

    # The owner's reader reads, but neither writes nor downloads.
    assert alpha_reader('GET', path).status_code == 200
    assert alpha_reader('PATCH', path, json=[], headers={
        'Content-Type': 'application/openstack-images-v2.1-json-patch'}
    ).status_code == 403
    assert alpha_reader('GET', path + '/file').status_code == 403
    assert alpha_reader('POST', '/v2/images', json={}).status_code == 403

    # Another project sees nothing of it until it is shared.
    assert beta('GET', path).status_code == 404
    assert image['id'] not in _listed(beta)
    members = path + '/members'
    assert alpha('POST', members, json={
        'member': keystone.ids['beta']}).status_code == 200
    assert beta('GET', path).status_code == 200
    assert image['id'] not in _listed(beta)
    member = members + '/' + keystone.ids['beta']
    assert beta_reader('PUT', member, json={
        'status': 'accepted'}).status_code == 403
    # An administrator answers on the member's behalf.
    assert admin('PUT', member, json={'status': 'accepted'}).json()[
        'status'] == 'accepted'
    assert image['id'] in _listed(beta)
    assert image['id'] in _listed(beta_reader)
    download = beta('GET', path + '/file')
    assert (download.status_code, download.content) == (200, b'bits')
    assert beta('DELETE', path).status_code == 403

    # A member of the owning project deactivates; only admins then read.
    assert alpha_reader('POST', path + '/actions/deactivate'
                        ).status_code == 403
    assert alpha('POST', path + '/actions/deactivate').status_code == 204
    assert beta('GET', path + '/file').status_code == 403
    assert admin('GET', path + '/file').status_code == 200
    assert alpha('DELETE', path).status_code == 204


def _listed(caller, **params):
    response = caller('GET', '/v2/images', params=params)
    assert response.status_code == 200, response.text
    return {image['id'] for image in response.json()['images']}


def test_service_tokens(glance, keystone, callers):
    """A service token goes along with a user's (Nova, Cinder calling for
    a user); the user's token decides, as in Glance: without one the
    request is refused, whatever the service token."""
    service = keystone.token('glance')
    user = callers['alpha-member'].headers['X-Auth-Token']
    for token in (service, 'not-a-token'):
        response = requests.get(glance.url + '/v2/images', timeout=30,
                                headers={'X-Auth-Token': user,
                                         'X-Service-Token': token})
        assert response.status_code == 200
    response = requests.get(glance.url + '/v2/images', timeout=30,
                            headers={'X-Service-Token': service})
    assert response.status_code == 401


@pytest.mark.parametrize('glance', ['registry'], indirect=True)
def test_the_registry_wants_a_token(glance):
    response = requests.get(glance.registry.url + '/images/detail',
                            timeout=30)
    assert response.status_code == 401
    assert 'WWW-Authenticate' in response.headers


def test_anonymous_access_and_a_policy_file(keystone, tmp_path):
    """With allow_anonymous_access, a request without a token is an
    anonymous caller, who reads only what policy gives callers without
    roles: nothing by default, what the policy file says otherwise; the
    file is reloaded when it changes."""
    policy = tmp_path / 'policy.yaml'
    policy.write_text('"get_images": ""\n"get_image": "\'public\':'
                      '%(visibility)s"\n')
    server = keystone_api_server(keystone, tmp_path / 'glance', conf={
        'DEFAULT': {'allow_anonymous_access': True},
        'oslo_policy': {'policy_file': str(policy)}})
    try:
        admin = Caller(server, keystone.token('admin'))
        public = admin('POST', '/v2/images', json={
            'name': 'pub', 'visibility': 'public'}).json()
        private = admin('POST', '/v2/images', json={'name': 'priv'}).json()
        anonymous = Caller(server, None)
        assert _listed(anonymous) == {public['id']}
        assert anonymous('GET', '/v2/images/' + public['id']
                         ).status_code == 200
        assert anonymous('GET', '/v2/images/' + private['id']
                         ).status_code == 404
        assert anonymous('POST', '/v2/images', json={}).status_code == 403
        # As in Glance, a token Keystone refuses makes an anonymous caller.
        assert _listed(Caller(server, 'not-a-token')) == {public['id']}
        # A changed policy file is in force within seconds, no restart.
        policy.write_text('"get_images": "role:admin"\n')
        eventually(lambda: anonymous('GET', '/v2/images').status_code == 403)
    finally:
        server.stop()


def test_glanceclient_and_openstacksdk_find_glance_in_the_catalog(
        glance, keystone):
    import glanceclient
    import openstack
    session = keystone.session('alpha-member')
    client = glanceclient.Client('2', session=session)
    image = client.images.create(name='via-glanceclient', disk_format='raw',
                                 container_format='bare')
    client.images.upload(image['id'], io.BytesIO(b'client bits'))
    assert b''.join(client.images.data(image['id'])) == b'client bits'
    assert image['id'] in {i['id'] for i in client.images.list()}

    connection = openstack.connect(
        auth_url=keystone.url, username='beta-member', password=PASSWORD,
        project_name='beta', user_domain_id='default',
        project_domain_id='default', region_name=REGION)
    sdk_image = connection.image.create_image(
        name='via-sdk', disk_format='raw', container_format='bare',
        data=b'sdk bits')
    assert sdk_image.owner == keystone.ids['beta']
    ids = {i.id for i in connection.image.images()}
    assert sdk_image.id in ids and image['id'] not in ids
    connection.image.delete_image(sdk_image)
    client.images.delete(image['id'])


@pytest.mark.parametrize('glance', ['sql'], indirect=True)
def test_openstack_image_commands(glance, keystone, tmp_path):
    """Once: each command takes seconds to start."""
    env = dict(environ(), OS_AUTH_URL=keystone.url,
               OS_USERNAME='alpha-member', OS_PASSWORD=PASSWORD,
               OS_PROJECT_NAME='alpha', OS_USER_DOMAIN_ID='default',
               OS_PROJECT_DOMAIN_ID='default', OS_REGION_NAME=REGION,
               OS_IDENTITY_API_VERSION='3')
    source = tmp_path / 'disk.img'
    source.write_bytes(b'cli bits')

    def openstack(*args):
        result = subprocess.run(
            [os.path.join(BIN_DIR, 'openstack')] + list(args),
            capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    image_id = openstack('image', 'create', '--disk-format', 'raw',
                         '--container-format', 'bare', '--file',
                         str(source), '-f', 'value', '-c', 'id',
                         'via-cli').strip()
    assert image_id in openstack('image', 'list', '-f', 'value', '-c', 'ID')
    saved = tmp_path / 'saved.img'
    openstack('image', 'save', '--file', str(saved), image_id)
    assert saved.read_bytes() == b'cli bits'
    openstack('image', 'delete', image_id)


def test_maintenance_reaches_a_keystone_registry_as_the_service(
        keystone, tmp_path):
    """In registry mode, maintenance has no caller to take a token from:
    it authenticates as glance-api's service user (auth_strategy =
    keystone, admin_user ...), and a stalled upload is recovered."""
    server = keystone_api_server(
        keystone, tmp_path / 'glance', data_api='registry', workers=1,
        conf={'DEFAULT': {
            'maintenance_interval': 1, 'auth_strategy': 'keystone',
            'admin_user': 'glance', 'admin_password': PASSWORD,
            'admin_tenant_name': 'service', 'auth_url': keystone.url}})
    try:
        image = crash.kill_worker_mid_upload(
            server, keystone.token('alpha-member'))
        crash.age(server, image['id'])
        eventually(lambda: crash.stored_status(server, image['id']) ==
                   'queued')
        assert crash.partial_files(server) == []
        assert 'not done' not in server.read_log()
    finally:
        server.stop()
