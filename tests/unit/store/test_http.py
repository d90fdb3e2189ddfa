"""The read-only HTTP store against a web server on loopback."""

import io
import os
import uuid

import pytest

from glance.common import exception
from glance.store import base
from glance.store import http
from tests.file_server import serving

DATA = os.urandom(3 * base.READ_CHUNK_SIZE + 123)


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'), **{'disk.img': DATA}) as web:
        yield web


@pytest.fixture
def driver(conf):
    driver = http.HttpDriver(conf)
    driver.configure()
    return driver


def read(data):
    with data:
        return b''.join(data)


@pytest.mark.parametrize('path', ['disk.img', 'redirect/disk.img',
                                  'chunked/disk.img'])
def test_get_streams_the_body(driver, server, path):
    data = driver.get(server.url(path))
    assert data.size == (None if path.startswith('chunked') else len(DATA))
    assert read(data) == DATA


@pytest.mark.parametrize('path', ['disk.img', 'norange/disk.img'])
def test_offset_and_length(driver, server, path):
    data = driver.get(server.url(path), 1000, 5000)
    assert data.size == 5000
    assert read(data) == DATA[1000:6000]
    assert read(driver.get(server.url(path), len(DATA) - 7)) == DATA[-7:]


def test_range_beyond_the_end(driver, server):
    with pytest.raises(exception.InvalidRange):
        driver.get(server.url('disk.img'), len(DATA) + 1)


def test_get_size_asks_with_head(driver, server):
    assert driver.get_size(server.url('disk.img')) == len(DATA)
    assert server.requests[-1] == '/disk.img'


def test_credentials_are_sent_and_never_shown(driver, server):
    url = server.url('private/disk.img', credentials='user:secret')
    assert read(driver.get(url)) == DATA
    wrong = server.url('private/disk.img', credentials='user:wrong')
    with pytest.raises(exception.StoreUnavailable, match='HTTP 401') as e:
        driver.get(wrong)
    assert 'wrong' not in str(e.value)


def test_missing_data_is_not_found(driver, server):
    with pytest.raises(exception.NotFound, match='HTTP 404'):
        driver.get(server.url('missing.img'))
    with pytest.raises(exception.NotFound):
        driver.get_size(server.url('missing.img'))


def test_unreachable_server_is_unavailable(driver):
    with pytest.raises(exception.StoreUnavailable, match='cannot be read'):
        driver.get('http://127.0.0.1:9/image')


@pytest.mark.parametrize('uri', ['http:///path', 'http://host:port/x',
                                 'ftp://host/x', 'http://[::1',
                                 'http://u:secret@[::1/x'])
def test_malformed_locations(driver, uri):
    with pytest.raises(exception.BadStoreUri) as error:
        driver.get(uri)
    assert 'secret' not in str(error.value)


def test_a_host_name_no_request_can_carry_is_unavailable(driver):
    with pytest.raises(exception.StoreUnavailable, match='cannot be read'):
        driver.get('http://%s/x' % ('h' * 300))


def test_read_only(driver, server):
    with pytest.raises(exception.Forbidden):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'x'))
    with pytest.raises(exception.Forbidden):
        driver.delete(server.url('disk.img'))
