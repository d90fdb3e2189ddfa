"""glance-registry as a process: its REST API, its pipelines, the client's
connections, retries and timeouts against it, glance-control and
glance-manage with its configuration, and glance-api when it is down."""

import logging
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from glance.common import exception
from glance.common import pidfile
from glance.db import migration
from glance.registry import client as client_mod
from tests.functional import server as harness
from tests.functional.test_server import kill_group
from tests.functional.test_server import run_control

REPO_REGISTRY_CONF = os.path.join(harness.REPO, 'etc', 'glance-registry.conf')
JSON = {'Accept': 'application/json'}


def eventually(predicate, timeout=30):
    give_up_at = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < give_up_at, 'gave up waiting'
        time.sleep(0.05)
    return value


@pytest.fixture
def make_registry(tmp_path):
    """``make_registry(flavor=None, conf=None, start=True)``: a
    glance-registry process, stopped at the end of the test."""
    registries = []

    def make(flavor=None, conf=None, start=True):
        registry = harness.RegistryServer(
            tmp_path / ('registry-%d' % len(registries)), flavor=flavor,
            conf=conf)
        registries.append(registry)
        return registry.start() if start else registry

    yield make
    for registry in registries:
        registry.stop()


@pytest.fixture
def registry(make_registry):
    return make_registry()


def post_image(registry, **image):
    response = requests.post(registry.url + '/images', json={'image': image},
                             headers=JSON)
    assert response.status_code == 200, response.text
    return response.json()['image']


def access_lines(registry, request_line):
    return [line for line in registry.read_log().splitlines()
            if 'glance.access' in line and '"%s"' % request_line in line]


def listening_addresses(port):
    """The local addresses of the sockets listening on ``port``."""
    addresses = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(':')
                if state == '0A' and int(hex_port, 16) == port:
                    addresses.append(address)
    return addresses


def test_it_listens_on_the_loopback_address_by_default(make_registry):
    registry = make_registry(conf={'DEFAULT': {'bind_host': None}})
    assert 'bind_host' not in open(registry.conf_path).read()
    # 127.0.0.1 as /proc/net/tcp writes it (little-endian hex).
    assert listening_addresses(registry.port) == ['0100007F']
    assert 'listening on 127.0.0.1:%d' % registry.port in registry.read_log()


def test_images_routes_and_status_codes(registry):
    url = registry.url
    first = post_image(registry, name='b', status='queued', owner='p1',
                       properties={'os': 'linux'}, tags=['t'])
    post_image(registry, name='a', visibility='public', min_ram=64)
    path = '%s/images/%s' % (url, first['id'])
    assert requests.get(path).json()['image'] == first

    brief = requests.get(url + '/images?sort_key=name&sort_dir=asc').json()
    assert [i['name'] for i in brief['images']] == ['a', 'b']
    assert set(brief['images'][0]) == {'id', 'name', 'size', 'disk_format',
                                       'container_format', 'checksum'}
    page = requests.get(url + '/images/detail', params=[
        ('sort_key', 'name'), ('sort_dir', 'asc'), ('limit', 1)]).json()
    assert [i['name'] for i in page['images']] == ['a']
    rest = requests.get(url + '/images/detail', params=[
        ('sort_key', 'name'), ('sort_dir', 'asc'),
        ('marker', page['images'][0]['id'])]).json()
    assert [i['name'] for i in rest['images']] == ['b']
    filtered = requests.get(url + '/images/detail', params=[
        ('property-os', 'linux'), ('tag', 't'), ('status', 'queued'),
        ('status', 'active')]).json()
    assert [i['id'] for i in filtered['images']] == [first['id']]

    updated = requests.put(path, json={
        'changes': {'attributes': {'name': 'c'}},
        'require_status': 'queued'})
    assert updated.status_code == 200
    assert requests.get(path).json()['image']['name'] == 'c'
    stale = requests.put(path + '/status', json={
        'from': 'saving', 'to': 'active', 'values': {}}, headers=JSON)
    assert stale.status_code == 409
    assert stale.json()['error']['type'] == 'Conflict'
    assert requests.delete(path).json()['image']['status'] == \
        'pending_delete'
    missing = requests.get(path, headers=JSON)
    assert missing.status_code == 404
    assert missing.json()['error']['type'] == 'ImageNotFound'


def test_members_routes_and_status_codes(registry):
    image = post_image(registry, visibility='shared')
    members = '%s/images/%s/members' % (registry.url, image['id'])
    added = requests.put(members + '/p1', json={'member': {
        'can_share': True}})
    assert added.status_code == 200
    assert added.json()['member']['can_share'] is True
    assert requests.put(members, json={'memberships': [
        {'member_id': 'p1'}, {'member_id': 'p2'}]}).status_code == 204
    listed = requests.get(members).json()['members']
    assert [(m['member_id'], m['can_share']) for m in listed] == [
        ('p1', True), ('p2', False)]
    shared = requests.get(registry.url + '/shared-images/p2').json()
    assert [m['image_id'] for m in shared['shared_images']] == [image['id']]
    assert requests.delete(members + '/p2').status_code == 204
    gone = requests.delete(members + '/p2', headers=JSON)
    assert gone.status_code == 404
    assert gone.json()['error']['type'] == 'MemberNotFound'


@pytest.mark.parametrize('method, path, status', [
    ('POST', '/images/detail', 405), ('PATCH', '/images/%(id)s', 405),
    ('GET', '/nothing', 404), ('PUT', '/images/%(id)s', 400),
    ('GET', '/images/detail?sort_key=nonsense', 400),
    ('GET', '/images/detail?changes-since=2020', 400)])
def test_bad_requests_get_clear_statuses(registry, method, path, status):
    image = post_image(registry)
    response = requests.request(method, registry.url + path % image,
                                data=b'{nope', headers=JSON)
    assert response.status_code == status, response.text
    assert 'Traceback' not in response.text


def identity(project, roles='member'):
    return {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u-' + project,
            'X-Project-Id': project, 'X-Roles': roles}


def test_the_trusted_auth_pipeline_lists_as_the_caller(make_registry):
    registry = make_registry(flavor='trusted-auth')
    assert requests.get(registry.url + '/images').status_code == 401
    admin = identity('ops', 'admin')
    for name, visibility in (('mine', 'private'), ('theirs', 'private')):
        requests.post(registry.url + '/images', headers=admin, json={
            'image': {'name': name, 'visibility': visibility,
                      'owner': 'alice' if name == 'mine' else 'bob'}})
    # A non-admin caller is the viewer, whatever viewer it names.
    as_alice = requests.get(
        registry.url + '/images/detail?viewer_is_admin=true',
        headers=identity('alice')).json()['images']
    assert [image['name'] for image in as_alice] == ['mine']
    as_admin = requests.get(registry.url + '/images/detail',
                            headers=admin).json()['images']
    assert sorted(image['name'] for image in as_admin) == ['mine', 'theirs']


def test_the_keystone_pipeline_wants_a_token(make_registry):
    keystone = 'http://127.0.0.1:5000/v3'
    registry = make_registry(flavor='keystone', conf={
        'keystone_authtoken': {'www_authenticate_uri': keystone}})
    response = requests.get(registry.url + '/images', headers=JSON)
    assert response.status_code == 401
    assert keystone in response.headers['WWW-Authenticate']


def client_for(registry, **kwargs):
    return client_mod.RegistryClient('127.0.0.1', registry.port, **kwargs)


def test_the_client_reuses_its_connection(registry):
    client = client_for(registry)
    image = post_image(registry)
    for _ in range(5):
        client.request('GET', '/images/' + image['id'])
    assert client._connections().num_connections == 1


def test_idempotent_calls_survive_a_registry_restart(registry):
    client = client_for(registry, retries=6)
    image = post_image(registry)
    path = '/images/' + image['id']
    assert client.request('GET', path)['image']['id'] == image['id']
    registry.stop(signal.SIGKILL)
    restart = threading.Thread(target=registry.start)
    restart.start()
    try:
        # Refused while the registry is down, answered once it is back.
        assert client.request('GET', path)['image']['id'] == image['id']
    finally:
        restart.join()
    client.request('PUT', path,
                   body={'changes': {'attributes': {'name': 'again'}}})
    assert client.request('GET', path)['image']['name'] == 'again'


def test_an_unanswered_read_is_retried_and_a_write_is_not(registry, caplog):
    client = client_for(registry, timeout=1, retries=3)
    image = post_image(registry)
    caplog.set_level(logging.WARNING, logger='urllib3.connectionpool')
    registry.signal(signal.SIGSTOP)
    resume = threading.Timer(1.5, registry.signal, [signal.SIGCONT])
    resume.start()
    try:
        assert client.request('GET', '/images/' + image['id'])['image'][
            'id'] == image['id']
    finally:
        resume.join()
    assert 'Read timed out' in caplog.text and 'Retrying' in caplog.text

    caplog.clear()
    posts = len(access_lines(registry, 'POST /images'))
    registry.signal(signal.SIGSTOP)
    try:
        with pytest.raises(exception.RegistryUnavailable):
            client.request('POST', '/images', body={'image': {'name': 'w'}},
                           idempotent=False)
    finally:
        registry.signal(signal.SIGCONT)
    assert 'Retrying' not in caplog.text
    # The registry carried the write out once, late: a retry would have
    # been a second one.
    names = eventually(lambda: [i['name'] for i in requests.get(
        registry.url + '/images').json()['images'] if i['name'] == 'w'])
    time.sleep(0.5)
    assert names == ['w']
    assert len(access_lines(registry, 'POST /images')) == posts + 1


def test_glance_api_answers_503_while_the_registry_is_down(make_api_server):
    api = make_api_server(data_api='registry',
                          conf={'DEFAULT': {'registry_client_retries': 0}})
    created = requests.post(api.url + '/v2/images', json={'name': 'kept'})
    assert created.status_code == 201
    api.registry.stop()
    down = requests.get(api.url + '/v2/images')
    assert down.status_code == 503
    assert 'registry is unavailable' in down.text
    assert 'Traceback' not in down.text and str(api.registry.port) not in \
        down.text
    api.registry.start()
    listed = requests.get(api.url + '/v2/images').json()['images']
    assert [image['name'] for image in listed] == ['kept']


def test_glance_control_starts_and_stops_the_registry(make_registry,
                                                      tmp_path):
    registry = make_registry(start=False)
    registry.db_sync()
    pid_file = str(tmp_path / 'registry.pid')

    def glance_control(*args):
        return run_control(registry, '--pid-file', pid_file, *args)

    started = glance_control('--await-child', '1', 'registry', 'start',
                             registry.conf_path)
    assert started.returncode == 0, started.stderr
    pid = pidfile.read(pid_file)
    try:
        registry.wait_for_port()
        assert requests.get(registry.url + '/images').status_code == 200
        status = glance_control('registry', 'status')
        assert 'glance-registry (pid %d) is running' % pid in status.stdout
        assert glance_control('registry', 'stop').returncode == 0
        assert not pidfile.is_running(pid)
    finally:
        kill_group(pid)


def test_glance_manage_migrates_the_database_of_glance_registry_conf(
        tmp_path):
    database = tmp_path / 'registry.sqlite'
    override = tmp_path / 'database.conf'
    override.write_text('[database]\nconnection = sqlite:///%s\n' % database)

    def manage(*args):
        return subprocess.run(
            [harness.command('glance-manage'), '--config-file',
             REPO_REGISTRY_CONF, '--config-file', str(override)] + list(args),
            capture_output=True, text=True, timeout=120)

    assert manage('db_sync').returncode == 0
    version = manage('db_version')
    assert version.stdout.strip() == migration.head_revision(), \
        version.stderr


def test_without_a_database_it_fails_with_one_line(make_registry):
    registry = make_registry(conf={'database': {'connection': None}},
                             start=False)
    result = registry.run_foreground()
    assert result.returncode == 1
    assert 'glance-registry: ' in result.stderr
    assert '[database]' in result.stderr and 'Traceback' not in result.stderr
