"""The swift driver against a real OpenStack Swift (tests/swift_server.py).

Each test has a container of its own; large objects are made with 1 MiB
segments so that a few MiB make several.
"""

import hashlib
import io
import logging
import os
import re
import uuid

import pytest

from glance.common import exception
from glance import context
from glance.store import base
from glance.store import swift
from tests import object_stores
from tests.object_stores import names_in
from tests import swift_server as swift_server_mod
from tests.tcp_relay import TcpRelay
from tests.unit.store import helpers

MiB = 1024 * 1024


@pytest.fixture
def make_driver(tmp_path, swift_server, container):
    """``make_driver(auth_url=None, **options)``: helpers.swift_driver on
    the test's container with the tempauth reference."""
    def make(auth_url=None, **options):
        references = object_stores.write_references(
            tmp_path / 'glance-swift.conf', auth_url or swift_server.auth_url)
        return helpers.swift_driver(references, container, **options)
    return make


@pytest.fixture
def client(swift_server):
    return swift_server.swift_client()


def test_large_object_round_trip(driver, client, container):
    data = os.urandom(3 * MiB + 12345)
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    assert stored == (
        'swift+config://ref1/%s/%s' % (container, image_id), len(data))
    headers = client.head_object(container, image_id)
    assert headers['x-static-large-object'] == 'True'
    names = names_in(client, container)
    assert names[0] == image_id and len(names) == 5  # manifest + 4 segments
    assert hashlib.md5(helpers.read_all(driver, stored.uri)).hexdigest() == \
        hashlib.md5(data).hexdigest()
    # A range across the boundary of the first two segments.
    assert helpers.read_all(driver, stored.uri, MiB - 10, 20) == \
        data[MiB - 10:MiB + 10]
    assert helpers.read_all(driver, stored.uri, 3 * MiB) == data[3 * MiB:]
    assert driver.get_size(stored.uri) == len(data)
    driver.delete(stored.uri)
    assert names_in(client, container) == []
    helpers.assert_gone(driver, stored.uri)


def test_unknown_size_goes_in_segments(driver, client, container):
    image_id = str(uuid.uuid4())
    helpers.add_unsized(driver, image_id, os.urandom(2 * MiB + 1))
    assert client.head_object(container, image_id)[
        'x-static-large-object'] == 'True'
    for small in (b'tiny', b''):
        helpers.add_unsized(driver, str(uuid.uuid4()), small)


def test_small_image_is_one_object(driver, client, container):
    data = os.urandom(1000)
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    assert 'x-static-large-object' not in client.head_object(container,
                                                             image_id)
    assert names_in(client, container) == [image_id]
    assert helpers.read_all(driver, stored.uri, 10, 5) == data[10:15]
    with pytest.raises(exception.InvalidRange):
        driver.get(stored.uri, 5000)


def test_more_data_than_declared_is_refused(driver, client, container):
    with pytest.raises(exception.BadRequest):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'x' * 101), 100)
    assert names_in(client, container) == []


def test_failed_upload_leaves_nothing(driver, client, container):
    helpers.add_cut_short(driver, 3 * MiB, fail_after=2 * MiB)
    assert names_in(client, container) == []


def test_an_upload_stands_marked_while_it_writes(driver, client, container):
    image_id = str(uuid.uuid4())
    seen = []

    class Watched(helpers.Unsized):
        def readinto(self, buffer):
            if self._data.tell() >= MiB and not seen:
                seen.extend(names_in(client, container))
            return super().readinto(buffer)

    driver.add(image_id, Watched(os.urandom(2 * MiB)))
    markers = [name for name in seen if name.startswith('.')]
    assert len(markers) == 1
    assert re.fullmatch(r'\.%s\.[0-9a-f]+\.partial' % image_id, markers[0])
    assert not any(name.startswith('.')
                   for name in names_in(client, container))


def test_failed_upload_of_known_size_leaves_nothing(driver, client,
                                                     container):
    for fail_after in (500, 1000):  # Midway, and on the read past the end.
        helpers.add_cut_short(driver, 1000, fail_after, declared=1000)
        assert names_in(client, container) == []


def test_an_image_is_stored_once(driver):
    image_id = str(uuid.uuid4())
    driver.add(image_id, io.BytesIO(b'first'), 5)
    for data, size in ((b'second', 6), (os.urandom(2 * MiB), None)):
        with pytest.raises(exception.Duplicate):
            driver.add(image_id, io.BytesIO(data), size)


def test_missing_container_is_created_only_when_asked(make_driver, client,
                                                      container):
    helpers.assert_created_only_when_asked(
        make_driver, 'swift_store_create_container_on_put',
        lambda: client.put_container(container))


def test_the_start_up_check_finds_what_an_upload_needs(
        make_driver, client, container, tmp_path, swift_server):
    assert make_driver().check_backend() is None  # Created on put.
    driver = make_driver(swift_store_create_container_on_put=False)
    assert driver.check_backend() == (
        'Swift (auth %s, user %s, reference ref1) has no container %r, and '
        'swift_store_create_container_on_put is off'
        % (swift_server.auth_url, swift_server_mod.USER, container))
    client.put_container(container)
    assert driver.check_backend() is None
    references = object_stores.write_references(
        tmp_path / 'wrong.conf', swift_server.auth_url, key='wrong')
    problem = helpers.swift_driver(references, container).check_backend()
    assert 'refused to authenticate it' in problem and '401' in problem
    unreachable = 'http://127.0.0.1:%d/auth/v1.0' % helpers.closed_port()
    assert make_driver(unreachable).check_backend().endswith(
        'cannot be reached (Connection refused)')


def test_multi_tenant_start_up_check_is_of_the_endpoint_alone(
        make_driver, swift_server, caplog):
    with caplog.at_level(logging.DEBUG, logger='glance.store.swift'):
        driver = make_driver(swift_store_multi_tenant=True)
        assert driver.check_backend() is None
    assert 'nothing to check at start' in caplog.text
    storage_url, _token = swift_server.auth()
    assert make_driver(swift_store_multi_tenant=True,
                       swift_store_endpoint=storage_url
                       ).check_backend() is None
    closed = 'http://127.0.0.1:%d/v1/AUTH_test' % helpers.closed_port()
    assert make_driver(swift_store_multi_tenant=True,
                       swift_store_endpoint=closed).check_backend() == (
        'The Swift endpoint %s cannot be reached (Connection refused)'
        % closed)


def put_orphan_segments(client, container, image_id, token='deadbeef',
                        count=2):
    """What an upload whose process died leaves: its marker and
    segments."""
    names = ['.%s.%s.partial' % (image_id, token)] + [
        '%s/%s/%08d' % (image_id, token, n) for n in range(1, count + 1)]
    for name in names:
        client.put_object(container, name, b'left by a dead upload')
    return sorted(names)


def test_partial_data_is_removed_and_published_data_kept(driver, client,
                                                         container):
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(os.urandom(2 * MiB)), None)
    published = names_in(client, container)
    orphans = put_orphan_segments(client, container, image_id)
    assert sorted(driver.delete_partial(image_id)) == orphans
    assert names_in(client, container) == published
    assert len(helpers.read_all(driver, stored.uri)) == 2 * MiB
    assert driver.delete_partial(image_id) == []
    assert sorted(driver.purge(image_id)) == published
    assert names_in(client, container) == []


def test_stale_segments_are_cleaned(driver, client, container):
    image_id = str(uuid.uuid4())
    driver.add(image_id, io.BytesIO(os.urandom(2 * MiB)), None)
    published = names_in(client, container)
    assert not any(name.startswith('.') for name in published)
    orphans = put_orphan_segments(client, container, str(uuid.uuid4()))
    # Died before its first segment: only the marker.
    orphans += put_orphan_segments(client, container, str(uuid.uuid4()),
                                   count=0)
    # Died between publishing the manifest and removing the marker.
    token = published[1].split('/')[1]
    orphans += put_orphan_segments(client, container, image_id, token,
                                   count=0)
    assert driver.clean_stale_partials(3600) == []
    assert sorted(driver.clean_stale_partials(0)) == sorted(orphans)
    assert names_in(client, container) == published
    assert len(helpers.read_all(driver, 'swift+config://ref1/%s/%s'
                                % (container, image_id))) == 2 * MiB


def test_a_broken_read_resumes(make_driver, swift_server):
    data = os.urandom(3 * MiB)
    writer = make_driver()
    stored = writer.add(str(uuid.uuid4()), io.BytesIO(data), len(data))
    with TcpRelay(swift_server.ports['proxy'], cut_after=MiB, cuts=2) \
            as relay:
        auth_url = 'http://127.0.0.1:%d/auth/v1.0' % relay.port
        endpoint = 'http://127.0.0.1:%d/v1/AUTH_test' % relay.port
        reader = make_driver(auth_url, swift_store_retry_get_count=2,
                             swift_store_endpoint=endpoint)
        assert helpers.read_all(reader, stored.uri) == data
        relay.cuts = 1
        relay.stop()
        relay.start()
        reader = make_driver(auth_url, swift_store_retry_get_count=0,
                             swift_store_endpoint=endpoint)
        with pytest.raises(exception.StoreUnavailable, match='broke off'):
            helpers.read_all(reader, stored.uri)


def test_backend_down_is_unavailable_and_loses_nothing(make_driver,
                                                       swift_server):
    with TcpRelay(swift_server.ports['proxy']) as relay:
        helpers.assert_outage_loses_nothing(
            make_driver('http://127.0.0.1:%d/auth/v1.0' % relay.port), relay,
            os.urandom(2 * MiB))


def test_the_endpoint_replaces_the_storage_url_of_auth(make_driver,
                                                       swift_server):
    stored = make_driver().add(str(uuid.uuid4()), io.BytesIO(b'data'), 4)
    with TcpRelay(swift_server.ports['proxy']) as relay:
        driver = make_driver(swift_store_endpoint=swift_server.storage_url(
        ).replace(':%d/' % swift_server.ports['proxy'],
                  ':%d/' % relay.port))
        assert helpers.read_all(driver, stored.uri) == b'data'
        relay.stop()
        # Auth still answers; the storage behind the endpoint does not.
        with pytest.raises(exception.StoreUnavailable):
            driver.get(stored.uri)


def test_read_only_without_credentials(tmp_path, caplog):
    driver = helpers.read_only(swift.SwiftDriver, caplog,
                               'swift store is read-only')
    assert base.READ in driver.capabilities
    with pytest.raises(exception.ConfigError, match='read-only'):
        helpers.swift_by_default(driver.conf, tmp_path / 'images')


def test_bad_reference_file(tmp_path):
    conf = helpers.fresh_conf()
    driver = swift.SwiftDriver(conf)
    path = tmp_path / 'glance-swift.conf'
    path.write_text('[ref1]\nuser = a:b\n')
    conf.set_override('swift_store_config_file', str(path),
                      group='glance_store')
    with pytest.raises(exception.ConfigError, match='auth_address, key'):
        driver.configure()
    path.write_text('[ref1]\nauth_address = http://x\nuser = a:b\nkey = k\n'
                    'auth_version = 4\n')
    with pytest.raises(exception.ConfigError, match='auth_version'):
        driver.configure()


def test_credentials_in_a_location(driver, swift_server, container):
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(b'external'), 8)
    obj = stored.uri.rpartition('/')[2]
    uri = 'swift+http://%s:%s@127.0.0.1:%d/auth/v1.0/%s/%s' % (
        swift_server_mod.USER, swift_server_mod.KEY,
        swift_server.ports['proxy'], container, obj)
    assert helpers.read_all(driver, uri) == b'external'
    assert driver.get_size(uri) == 8
    with pytest.raises(exception.StoreUnavailable, match='401'):
        driver.get(uri.replace(':testing@', ':wrong@'))


@pytest.mark.parametrize('uri', [
    'swift+config://ref1/only-object', 'swift+config://a/b/c/d',
    'swift://host/container/', 'swift+config://ref1/c/o?x=1',
    'swift+http://nokey@host/auth/c/o', 'file:///x/y/z'])
def test_malformed_locations(driver, uri):
    with pytest.raises(exception.BadStoreUri):
        driver.get(uri)


def test_unknown_reference_in_a_location(driver, container):
    with pytest.raises(exception.StoreUnavailable, match='ref9'):
        driver.get('swift+config://ref9/%s/%s' % (container, uuid.uuid4()))


def test_multi_tenant_container_per_image(make_driver, swift_server,
                                          client):
    storage_url, token = swift_server.auth()
    driver = make_driver(swift_store_multi_tenant=True,
                         swift_store_container='mt%s' % uuid.uuid4().hex[:8])
    catalog = [{'type': 'object-store', 'endpoints': [
        {'interface': 'public', 'region': 'RegionOne', 'url': storage_url}]}]
    image_id = str(uuid.uuid4())
    data = os.urandom(2 * MiB)
    with pytest.raises(exception.StoreUnavailable, match='token'):
        driver.add(image_id, io.BytesIO(data), None)
    caller = context.RequestContext(project_id='test', auth_token=token,
                                    service_catalog=catalog)
    with context.bound(caller):
        stored = driver.add(image_id, io.BytesIO(data), None)
        container = '%s_%s' % (driver.container, image_id)
        assert stored.uri == 'swift+http://%s/%s/%s' % (
            storage_url.partition('://')[2], container, image_id)
        assert helpers.read_all(driver, stored.uri) == data
    other_url, other_token = swift_server.auth(
        swift_server_mod.OTHER_USER, swift_server_mod.OTHER_KEY)
    with context.bound(context.RequestContext(auth_token=other_token)):
        with pytest.raises(exception.StoreUnavailable, match='403'):
            driver.get(stored.uri)
    with context.bound(caller):
        driver.delete(stored.uri)
    assert container not in [c['name'] for c in client.get_account()[1]]
