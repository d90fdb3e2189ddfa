"""The read-only HTTP store against a web server on loopback."""

import io
import os
import socket
import urllib.parse
import uuid

import pytest

from glance.common import exception
from glance.store import base
from glance.store import http
from tests import file_server
from tests.file_server import serving
from tests.unit.store import helpers

DATA = os.urandom(3 * base.READ_CHUNK_SIZE + 123)


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'), **{'disk.img': DATA}) as web:
        yield web


def configured(**settings):
    return helpers.configured(http.HttpDriver, **settings)


@pytest.fixture
def driver():
    """A driver that may read from the test server, on loopback."""
    return configured(http_allowed_internal_hosts=['127.0.0.1'])


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


def test_a_redirect_loop_fails_after_the_bound(driver, server):
    with pytest.raises(exception.StoreUnavailable,
                       match='more than %d redirects' % http.MAX_REDIRECTS):
        driver.get(server.url('loop/disk.img'))
    loops = [path for path in server.requests if path.startswith('/loop/')]
    assert len(loops) == http.MAX_REDIRECTS + 1


def redirect_to(server, url):
    return server.url('redirect-to/' + urllib.parse.quote(url, safe=''))


@pytest.mark.parametrize('target', ['file:///etc/passwd',
                                    'ftp://127.0.0.1/disk.img'])
def test_a_redirect_to_another_scheme_is_refused(driver, server, target):
    with pytest.raises(exception.StoreUnavailable,
                       match='redirected to a URL this store cannot read'):
        driver.get(redirect_to(server, target))


@pytest.mark.parametrize('uri', [
    'http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/x',
    'http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/x',
    'http://0.0.0.0:9/x', 'http://[::ffff:127.0.0.1]:9/x'])
def test_local_addresses_are_refused_by_default(uri):
    driver = configured()
    for read in (driver.get, driver.get_size):
        with pytest.raises(exception.SourceRefused,
                           match='http_allowed_internal_hosts'):
            read(uri)


def test_every_redirect_is_checked(server):
    """The test server may be read, 127.0.0.1 by name; a redirect from it
    to the metadata service may not."""
    driver = configured(http_allowed_internal_hosts=['127.0.0.1'])
    with pytest.raises(exception.SourceRefused, match='169.254.169.254'):
        driver.get(redirect_to(server, 'http://169.254.169.254/latest/'))
    with pytest.raises(exception.SourceRefused, match='localhost'):
        driver.get(redirect_to(server, 'http://localhost:%d/disk.img'
                               % server.port))


def test_the_connection_goes_to_the_address_checked(server):
    """A name only the store's resolver knows: reading it works only if
    the connection goes to the address the check resolved."""
    driver = configured(http_allowed_internal_hosts=['images.test'])

    def resolver(host, port, type=None):
        assert host == 'images.test'
        return [(socket.AF_INET, type, 6, '', ('127.0.0.1', port))]
    driver.resolver = resolver
    assert read(driver.get('http://images.test:%d/disk.img'
                           % server.port)) == DATA


def test_reads_through_the_proxy_of_the_scheme(server):
    """The test server is also a proxy: the request reaches it in the
    absolute form, without the URL's credentials, and the origin's host
    need not resolve here."""
    driver = configured(http_proxy_information={
        'http': '127.0.0.1:%d' % server.port})
    url = 'http://user:secret@origin.invalid/private/disk.img'
    assert read(driver.get(url, 10, 20)) == DATA[10:30]
    assert server.requests[-1] == 'http://origin.invalid/private/disk.img'
    assert driver.get_size(url) == len(DATA)


def test_the_proxy_does_not_lift_the_address_check(server):
    driver = configured(http_proxy_information={
        'http': 'http://127.0.0.1:%d' % server.port})
    with pytest.raises(exception.SourceRefused):
        driver.get('http://169.254.169.254/latest/')


@pytest.mark.parametrize('information', [
    {'ftp': '127.0.0.1:3128'}, {'http': 'https://127.0.0.1:3128'},
    {'http': '127.0.0.1:port'}, {'https': ''}])
def test_proxy_information_is_checked_at_start(information):
    with pytest.raises(exception.ConfigError,
                       match='http_proxy_information'):
        configured(http_proxy_information=information)


@pytest.fixture(scope='module')
def tls_server(tmp_path_factory):
    """The test server over https, and its certificate file."""
    directory = tmp_path_factory.mktemp('tls')
    (directory / 'disk.img').write_bytes(DATA)
    cert, key = file_server.certificate(directory)
    with file_server.FileServer(directory, tls=(cert, key)) as web:
        web.cert = cert
        yield web


def test_https_checks_the_certificate(tls_server):
    url = tls_server.url('disk.img')
    allowed = {'http_allowed_internal_hosts': ['127.0.0.1']}
    with pytest.raises(exception.StoreUnavailable,
                       match='CERTIFICATE_VERIFY_FAILED'):
        configured(**allowed).get(url)
    trusting = configured(https_ca_certificates_file=tls_server.cert,
                          **allowed)
    assert read(trusting.get(url, 5, 10)) == DATA[5:15]
    assert trusting.get_size(url) == len(DATA)
    assert read(configured(https_insecure=True, **allowed).get(url)) == DATA


def test_https_through_the_proxy_checks_the_origin_s_name(tls_server,
                                                         server):
    """CONNECT to a name only the proxy knows; the certificate is checked
    against that name."""
    proxy = {'https': '127.0.0.1:%d' % server.port}
    url = 'https://%s:%d/disk.img' % (file_server.TLS_NAME, tls_server.port)
    driver = configured(https_ca_certificates_file=tls_server.cert,
                        http_proxy_information=proxy)
    assert read(driver.get(url)) == DATA
    assert server.requests[-1] == 'CONNECT %s:%d' % (file_server.TLS_NAME,
                                                     tls_server.port)
    wrong_name = url.replace(file_server.TLS_NAME, 'other.invalid')
    with pytest.raises(exception.StoreUnavailable,
                       match='CERTIFICATE_VERIFY_FAILED'):
        driver.get(wrong_name)


def test_a_server_that_stalls_fails_the_read(driver, server, monkeypatch):
    monkeypatch.setattr(http, 'TIMEOUT', 0.05)
    with pytest.raises(exception.StoreUnavailable, match='timed out'):
        read(driver.get(server.url('slow/disk.img')))
