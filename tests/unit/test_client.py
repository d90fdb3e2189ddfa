"""glance.client against a small in-process HTTP server.

The fake answers what each test scripts and records what arrived on the
wire, to check what a real server cannot easily show: the framing of
bodies, the v1 metadata headers, connection reuse and failures, and how
error bodies become messages.  tests/functional/test_client_class.py drives
the real glance-api.
"""

import hashlib
import http.client
import http.server
import io
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from glance import client
from glance.client import transport
from glance.client import v1


class Recorded:
    def __init__(self, handler, body, chunked):
        self.method = handler.command
        self.path = handler.path
        self.headers = handler.headers
        self.body = body
        self.chunked = chunked
        self.connection = handler.connection_number


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        self.fake = self.server.fake
        self.fake.connections += 1
        self.connection_number = self.fake.connections

    def log_message(self, *args):
        pass

    def _read_body(self):
        if self.headers.get('Transfer-Encoding') == 'chunked':
            parts = []
            while True:
                size = int(self.rfile.readline().strip(), 16)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
                if not size:
                    return b''.join(parts), True
        return self.rfile.read(int(self.headers.get('Content-Length', 0))), \
            False

    def handle_request(self):
        request = Recorded(self, *self._read_body())
        self.fake.requests.append(request)
        answer = self.fake.respond(request)
        if answer is None:
            self.close_connection = True
            return
        status, headers, body = answer
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == 'content-length' for name, _ in headers):
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)
        if self.fake.close_after_response:
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = \
        handle_request


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """Clients hanging up early is what some tests are about."""


class FakeServer:
    """Answers every request with ``respond(request)``: a (status, header
    list, body) tuple, or None to close the connection unanswered."""

    def __init__(self, tls_context=None):
        self.requests = []
        self.connections = 0
        self.close_after_response = False
        self.respond = lambda request: (200, [], b'')
        self.httpd = _QuietServer(('127.0.0.1', 0), _Handler)
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket,
                                                        server_side=True)
        self.httpd.fake = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       args=(0.01,))
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.stop()


def json_answer(text, status=200):
    return status, [('Content-Type', 'application/json')], text.encode()


@pytest.fixture
def v2(fake):
    with client.V2Client('127.0.0.1', fake.port, timeout=5) as glance:
        yield glance


# -- errors ----------------------------------------------------------------

@pytest.mark.parametrize('content_type,body', [
    ('application/json',
     b'{"message": "No image found with ID x<br /><br />\\n\\n\\n", '
     b'"code": "404 Not Found", "title": "Not Found"}'),
    ('text/plain; charset=UTF-8',
     b'404 Not Found\n\nNo image found with ID x\n\n   '),
    ('text/html; charset=UTF-8',
     b'<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n'
     b'  <h1>404 Not Found</h1>\n  No image found with ID x<br /><br />\n'
     b'\n\n\n </body>\n</html>'),
    ('application/json', b'{"itemNotFound": {"message": '
                         b'"No image found with ID x", "code": 404}}'),
])
def test_error_message_of_each_body_format(content_type, body):
    assert transport.error_message(body, content_type, 404,
                                   'Not Found') == 'No image found with ID x'


def test_error_message_falls_back_to_the_reason():
    assert transport.error_message(b'', None, 410, 'Gone') == 'Gone'
    assert transport.error_message(b'{"versions": []}', 'application/json',
                                   300, 'Multiple Choices') == \
        'Multiple Choices'
    assert transport.error_message(b'413 images over quota', 'text/plain',
                                   400, 'Bad Request') == \
        '413 images over quota'


@pytest.mark.parametrize('status,cls', [
    (400, client.BadRequest), (401, client.NotAuthenticated),
    (403, client.Forbidden), (404, client.NotFound),
    (405, client.MethodNotAllowed), (409, client.Conflict),
    (413, client.RequestEntityTooLarge), (415, client.UnsupportedMediaType),
    (416, client.RangeNotSatisfiable), (500, client.ServerError),
    (503, client.ServiceUnavailable), (502, client.ServerError),
    (418, client.HTTPError), (300, client.HTTPError)])
def test_each_status_raises_its_class(fake, v2, status, cls):
    status_line = '%d %s' % (status, http.HTTPStatus(status).phrase)
    fake.respond = lambda request: (
        status, [('x-openstack-request-id', 'req-1')],
        (status_line + '\n\nbroken').encode())
    with pytest.raises(cls) as raised:
        v2.get_image('abc')
    error = raised.value
    assert type(error) is cls
    assert (error.status, error.message, error.request_id) == \
        (status, 'broken', 'req-1')
    assert str(error) == 'HTTP %d: broken (request req-1)' % status
    # The connection was left clean: the next request goes through on it.
    fake.respond = lambda request: json_answer('{"id": "abc"}')
    assert v2.get_image('abc') == {'id': 'abc'}
    assert fake.connections == 1


def test_refused_connection():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    glance = client.V2Client('127.0.0.1', port)
    with pytest.raises(client.CommunicationError) as raised:
        glance.get_image('abc')
    assert raised.value.status is None
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


def test_timeout_is_a_communication_error(fake):
    def slow(request):
        time.sleep(1)
        return json_answer('{}')
    fake.respond = slow
    glance = client.V2Client('127.0.0.1', fake.port, timeout=0.2)
    with pytest.raises(client.CommunicationError, match='timed out'):
        glance.get_image('abc')


def test_invalid_json_answer(fake, v2):
    fake.respond = lambda request: json_answer('{nope')
    with pytest.raises(client.CommunicationError, match='not valid JSON'):
        v2.get_image('abc')


# -- requests --------------------------------------------------------------

def test_identity_and_extra_headers(fake):
    glance = client.V2Client(
        '127.0.0.1', fake.port, auth_token='tok', project_id='p1',
        user_id='u1', roles=['admin', 'member'], headers={'X-Extra': 'e'})
    fake.respond = lambda request: json_answer('{}')
    glance.get_image('abc')
    headers = fake.requests[0].headers
    assert headers['X-Auth-Token'] == 'tok'
    assert headers['X-Tenant-Id'] == headers['X-Project-Id'] == 'p1'
    assert headers['X-User-Id'] == 'u1'
    assert headers['X-Roles'] == 'admin,member'
    assert headers['X-Extra'] == 'e'
    assert headers['User-Agent'].startswith('glance-client/')
    assert headers['Accept'] == 'application/json'


def test_ids_stay_one_path_segment(fake, v2):
    fake.respond = lambda request: (204, [], b'')
    v2.add_tag('../../images?x=1', 'a/b c')
    assert fake.requests[0].path == \
        '/v2/images/..%2F..%2Fimages%3Fx%3D1/tags/a%2Fb%20c'
    with pytest.raises(ValueError):
        v2.get_image('')


def test_from_url():
    glance = client.V2Client.from_url('https://cloud.example/image/v2/')
    assert (glance.host, glance.port, glance.use_ssl, glance.path_prefix) \
        == ('cloud.example', 443, True, '/image')
    assert glance._url('/images') == '/image/v2/images'
    glance = client.V1Client.from_url('http://[::1]:9393')
    assert (glance.host, glance.port, glance.use_ssl) == ('::1', 9393, False)
    with pytest.raises(ValueError):
        client.V2Client.from_url('ftp://host/')


def test_list_follows_next_links_under_a_prefix(fake):
    pages = {
        '/image/v2/images?limit=2':
            '{"images": [{"id": "1"}, {"id": "2"}], '
            '"next": "/v2/images?limit=2&marker=2"}',
        '/image/v2/images?limit=2&marker=2':
            '{"images": [{"id": "3"}]}'}
    fake.respond = lambda request: json_answer(pages[request.path])
    glance = client.V2Client('127.0.0.1', fake.port, path_prefix='/image')
    assert [i['id'] for i in glance.list_images(page_size=2)] == \
        ['1', '2', '3']
    assert [i['id'] for i in glance.list_images(page_size=2, limit=2)] == \
        ['1', '2']
    # The limit was reached on the first page: no second request.
    assert len(fake.requests) == 3


def test_list_query_repeats_list_filters(fake, v2):
    fake.respond = lambda request: json_answer('{"images": []}')
    list(v2.list_images({'tag': ['a', 'b'], 'protected': False},
                        sort='name:asc'))
    assert fake.requests[0].path == \
        '/v2/images?tag=a&tag=b&protected=false&sort=name%3Aasc'


def test_update_is_a_json_patch(fake, v2):
    fake.respond = lambda request: json_answer('{"id": "abc"}')
    v2.update_image('abc', remove=['old'], name='n', **{'a/b~c': 'v'})
    request = fake.requests[0]
    assert request.method == 'PATCH'
    assert request.headers['Content-Type'] == \
        'application/openstack-images-v2.1-json-patch'
    assert request.body == (
        b'[{"op": "add", "path": "/name", "value": "n"}, '
        b'{"op": "add", "path": "/a~1b~0c", "value": "v"}, '
        b'{"op": "remove", "path": "/old"}]')


# -- uploads ---------------------------------------------------------------

@pytest.fixture
def accept_upload(fake):
    fake.respond = lambda request: (204, [], b'')
    return fake


def test_iterator_goes_chunked_without_empty_chunks(accept_upload, v2):
    progress = []
    v2.upload_image('abc', iter([b'ab', b'', bytearray(b'cde'),
                                 memoryview(b'f')]),
                    progress=lambda *args: progress.append(args))
    request = accept_upload.requests[0]
    assert request.chunked and 'Content-Length' not in request.headers
    assert request.headers['Content-Type'] == 'application/octet-stream'
    assert request.body == b'abcdef'
    assert progress == [(2, None), (5, None), (6, None)]


def test_iterator_with_size_has_a_content_length(accept_upload, v2):
    v2.upload_image('abc', iter([b'ab', b'cd']), size=4)
    request = accept_upload.requests[0]
    assert not request.chunked
    assert request.headers['Content-Length'] == '4'
    assert request.body == b'abcd'


def test_file_is_sent_from_its_position_with_its_size(accept_upload, v2,
                                                      tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 7)
    path = tmp_path / 'image'
    path.write_bytes(data)
    progress = []
    with open(path, 'rb') as f:
        f.seek(7)
        v2.upload_image('abc', f, progress=lambda *a: progress.append(a))
    request = accept_upload.requests[0]
    assert request.headers['Content-Length'] == str(len(data) - 7)
    assert request.body == data[7:]
    total = len(data) - 7
    assert progress == [(1048576, total), (2097152, total),
                        (3145728, total)]


def test_file_object_without_descriptor(accept_upload, v2):
    v2.upload_image('abc', io.BytesIO(b'in memory'))
    assert accept_upload.requests[0].headers['Content-Length'] == '9'
    assert accept_upload.requests[0].body == b'in memory'


def test_pipe_goes_chunked(accept_upload, v2):
    read_end, write_end = os.pipe()
    os.write(write_end, b'from a pipe')
    os.close(write_end)
    with os.fdopen(read_end, 'rb') as pipe:
        v2.upload_image('abc', pipe)
    request = accept_upload.requests[0]
    assert request.chunked and request.body == b'from a pipe'


@pytest.mark.parametrize('chunks,size,message', [
    ([b'abc'], 5, 'ended after 3 bytes of the size 5'),
    ([b'abc', b'def'], 4, 'longer than the size 4')])
def test_data_not_matching_its_size(accept_upload, v2, chunks, size,
                                    message):
    with pytest.raises(ValueError, match=message):
        v2.upload_image('abc', iter(chunks), size=size)
    # The half-sent request's connection is not reused.  (The server may
    # record what it got of the half-sent request after the next one.)
    v2.upload_image('abc', b'ok')
    assert [request.connection for request in accept_upload.requests
            if request.body == b'ok'] == [2]


def test_bad_data_types(accept_upload, v2):
    with pytest.raises(TypeError, match='not str'):
        v2.upload_image('abc', 'text')
    with pytest.raises(TypeError, match='not int'):
        v2.upload_image('abc', 5)
    with pytest.raises(TypeError, match='chunks must be bytes, not str'):
        v2.upload_image('abc', iter(['text']))


def test_error_of_the_data_source_propagates(accept_upload, v2):
    def failing():
        yield b'abc'
        raise OSError('disk read error')
    with pytest.raises(OSError, match='disk read error'):
        v2.upload_image('abc', failing())


# -- connections -----------------------------------------------------------

def test_connection_is_reused(fake, v2):
    fake.respond = lambda request: json_answer('{}')
    for _ in range(3):
        v2.get_image('abc')
    assert fake.connections == 1


def test_threads_share_a_client(fake, v2):
    fake.respond = lambda request: json_answer(
        '{"path": "%s"}' % request.path)
    failures = []

    def work(number):
        for _ in range(20):
            path = '/v2/images/%d' % number
            if v2.get_image(str(number)) != {'path': path}:
                failures.append(number)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(fake.requests) == 160
    assert fake.connections <= 8


def test_progress_callback_can_cancel_an_upload(fake, v2):
    fake.respond = lambda request: (204, [], b'')

    def cancel(sent, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        v2.upload_image('abc', iter([b'a', b'b']), progress=cancel)
    v2.upload_image('abc', b'next')
    assert [r.body for r in fake.requests] == [b'next']


def test_connection_closed_by_the_server_while_idle(fake, v2):
    fake.respond = lambda request: json_answer('{}')
    fake.close_after_response = True
    v2.get_image('abc')
    time.sleep(0.1)
    v2.upload_image('abc', iter([b'not replayable']))
    assert fake.connections == 2
    assert fake.requests[1].body == b'not replayable'


def test_replayable_request_is_sent_again_on_a_lost_connection(fake, v2):
    answers = iter([json_answer('{}'), None, json_answer('{"id": "x"}')])
    fake.respond = lambda request: next(answers)
    v2.get_image('abc')
    assert v2.get_image('abc') == {'id': 'x'}
    assert [r.connection for r in fake.requests] == [1, 1, 2]


@pytest.mark.parametrize('send', [
    lambda v2: v2.create_image(name='x'),
    lambda v2: v2.update_image('abc', name='x')], ids=['POST', 'PATCH'])
def test_non_idempotent_request_is_not_sent_again(fake, v2, send):
    # The server may have acted on a request it did not answer: a POST or
    # PATCH sent again could create a second image or apply a change twice.
    answers = iter([json_answer('{}'), None, json_answer('{"id": "x"}')])
    fake.respond = lambda request: next(answers)
    v2.get_image('abc')
    with pytest.raises(client.CommunicationError):
        send(v2)
    assert len(fake.requests) == 2


def test_streamed_request_is_not_sent_again(fake, v2):
    answers = iter([json_answer('{}'), None])
    fake.respond = lambda request: next(answers)
    v2.get_image('abc')
    with pytest.raises(client.CommunicationError):
        v2.upload_image('abc', iter([b'data']))
    assert len(fake.requests) == 2


# -- downloads -------------------------------------------------------------

def data_answer(data, checksum=None, length=None):
    headers = [('Content-Type', 'application/octet-stream'),
               ('Content-Length', str(len(data) if length is None
                                      else length))]
    if checksum:
        headers.append(('Content-MD5', checksum))
    return 200, headers, data


def test_download_iterates_and_checks(fake, v2):
    data = os.urandom(2 * 1024 * 1024 + 3)
    fake.respond = lambda request: data_answer(
        data, hashlib.md5(data).hexdigest())
    progress = []
    image = v2.image_data('abc', progress=lambda *a: progress.append(a))
    assert image.size == len(data) and image.has_data
    assert b''.join(image) == data
    assert progress[-1] == (len(data), len(data))
    assert fake.requests[0].headers['Accept'] == 'application/octet-stream'
    with pytest.raises(RuntimeError):
        list(image)


def test_checksum_mismatch(fake, v2, tmp_path):
    fake.respond = lambda request: data_answer(b'data', 'f' * 32)
    with pytest.raises(client.DataIntegrityError, match='expected f+'):
        b''.join(v2.image_data('abc'))
    assert b''.join(v2.image_data('abc', verify=False)) == b'data'
    target = tmp_path / 'image'
    with pytest.raises(client.DataIntegrityError):
        v2.download_image('abc', target)
    assert os.listdir(tmp_path) == []


def test_truncated_download(fake, v2, tmp_path):
    fake.respond = lambda request: data_answer(b'short', length=10)
    fake.close_after_response = True
    with pytest.raises(client.CommunicationError,
                       match='interrupted after 5 of 10 bytes'):
        v2.download_image('abc', tmp_path / 'image')
    assert os.listdir(tmp_path) == []
    with pytest.raises(client.CommunicationError,
                       match='interrupted after 5 of 10 bytes'):
        b''.join(v2.image_data('abc'))


def test_download_to_an_open_file(fake, v2):
    data = os.urandom(1024 * 1024 + 1)
    fake.respond = lambda request: data_answer(
        data, hashlib.md5(data).hexdigest())
    buffer = io.BytesIO()
    assert v2.download_image('abc', buffer) == len(data)
    assert buffer.getvalue() == data


def test_download_replaces_the_target_only_when_complete(fake, v2,
                                                         tmp_path):
    target = tmp_path / 'image'
    target.write_bytes(b'previous')
    fake.respond = lambda request: data_answer(b'new data')
    assert v2.download_image('abc', target) == 8
    assert target.read_bytes() == b'new data'
    assert os.listdir(tmp_path) == ['image']


def test_abandoned_download_drops_its_connection(fake, v2):
    fake.respond = lambda request: data_answer(b'x' * (4 * 1024 * 1024))
    with v2.image_data('abc') as image:
        next(iter(image))
    fake.respond = lambda request: json_answer('{"id": "abc"}')
    assert v2.get_image('abc') == {'id': 'abc'}
    assert fake.connections == 2


def test_requests_while_a_download_streams(fake, v2):
    data = b'y' * (3 * 1024 * 1024)
    fake.respond = lambda request: (
        json_answer('{"id": "abc"}') if request.path.endswith('abc')
        else data_answer(data))
    received = []
    for chunk in v2.image_data('abc-data'):
        received.append(chunk)
        assert v2.get_image('abc') == {'id': 'abc'}
    assert b''.join(received) == data
    # The download's connection went back to the pool when it finished.
    assert len(v2._idle) == 2


def test_no_data(fake, v2, tmp_path):
    fake.respond = lambda request: (204, [], b'')
    image = v2.image_data('abc')
    assert not image.has_data and image.size == 0 and list(image) == []
    with pytest.raises(client.NoImageData):
        v2.download_image('abc', tmp_path / 'image')
    assert os.listdir(tmp_path) == []


# -- HTTPS -----------------------------------------------------------------

@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    if shutil.which('openssl') is None:
        pytest.skip('openssl is needed to make a test certificate')
    cert, key = str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem')
    subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
         'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
         '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
         '-keyout', key, '-out', cert], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_fake(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = FakeServer(tls_context=context)
    yield server
    server.stop()


def test_https_streams_files_and_checks_the_certificate(
        tls_fake, certificate, tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 5)
    path = tmp_path / 'image'
    path.write_bytes(data)
    tls_fake.respond = lambda request: json_answer('{}')
    glance = client.V2Client('127.0.0.1', tls_fake.port, use_ssl=True,
                             ca_file=certificate[0])
    with open(path, 'rb') as f:
        glance.upload_image('abc', f)
    assert tls_fake.requests[0].headers['Content-Length'] == str(len(data))
    assert tls_fake.requests[0].body == data

    with pytest.raises(client.CommunicationError,
                       match='CERTIFICATE_VERIFY_FAILED'):
        client.V2Client('127.0.0.1', tls_fake.port,
                        use_ssl=True).get_image('abc')
    insecure = client.V2Client.from_url(
        'https://127.0.0.1:%d' % tls_fake.port, insecure=True)
    assert insecure.get_image('abc') == {}


# -- v1 metadata headers ---------------------------------------------------

def test_metadata_to_headers():
    headers = v1.meta_to_headers({
        'name': 'cirros', 'disk_format': 'qcow2', 'is_public': True,
        'protected': False, 'min_ram': 64, 'checksum': None,
        'copy_from': 'http://example.com/img',
        'properties': {'OS_Distro': 'cirros', 'kernel_id': None}})
    assert headers == {
        'x-image-meta-name': 'cirros',
        'x-image-meta-disk-format': 'qcow2',
        'x-image-meta-is-public': 'true',
        'x-image-meta-protected': 'false',
        'x-image-meta-min-ram': '64',
        'x-glance-api-copy-from': 'http://example.com/img',
        'x-image-meta-property-os-distro': 'cirros',
        'x-image-meta-property-kernel-id': ''}


@pytest.mark.parametrize('meta', [
    {'name': 'two\nlines'}, {'properties': {'a': 'b\r\nX-Injected: 1'}},
    {'bad name': 'x'}, {'properties': {'k:v': 'x'}}])
def test_metadata_that_headers_cannot_carry(meta):
    with pytest.raises(ValueError):
        v1.meta_to_headers(meta)


def test_headers_to_metadata():
    message = http.client.parse_headers(io.BytesIO(
        'X-Image-Meta-Id: abc\r\n'
        'X-Image-Meta-Disk_format: raw\r\n'
        'X-Image-Meta-Size: 123\r\n'
        'X-Image-Meta-Min-Ram: 0\r\n'
        'X-Image-Meta-Is_public: True\r\n'
        'X-Image-Meta-Protected: False\r\n'
        'X-Image-Meta-Deleted: false\r\n'
        'X-Image-Meta-Checksum: \r\n'
        'X-Image-Meta-Property-Os-Distro: café\r\n'
        'X-Image-Meta-Property-Kernel_id: \r\n'
        'ETag: abc\r\n\r\n'.encode('utf-8')))
    assert v1.headers_to_meta(message) == {
        'id': 'abc', 'disk_format': 'raw', 'size': 123, 'min_ram': 0,
        'is_public': True, 'protected': False, 'deleted': False,
        'checksum': None,
        'properties': {'os_distro': 'café', 'kernel_id': None}}


def test_bad_integer_header():
    message = http.client.parse_headers(io.BytesIO(
        b'X-Image-Meta-Size: big\r\n\r\n'))
    with pytest.raises(client.CommunicationError, match='size'):
        v1.headers_to_meta(message)


@pytest.fixture
def v1_client(fake):
    with client.V1Client('127.0.0.1', fake.port) as glance:
        yield glance


def test_v1_add_image_sends_metadata_headers_and_data(fake, v1_client):
    fake.respond = lambda request: json_answer(
        '{"image": {"id": "abc", "properties": {"os_distro": "caf\\u00e9"}}}',
        status=201)
    image = v1_client.add_image(
        {'name': 'été', 'properties': {'os_distro': 'café'}},
        iter([b'data']))
    assert image == {'id': 'abc', 'properties': {'os_distro': 'café'}}
    request = fake.requests[0]
    assert (request.method, request.path) == ('POST', '/v1/images')
    raw = {name.lower(): value.encode('latin-1').decode('utf-8')
           for name, value in request.headers.items()}
    assert raw['x-image-meta-name'] == 'été'
    assert raw['x-image-meta-property-os-distro'] == 'café'
    assert request.chunked and request.body == b'data'


def test_v1_image_metadata_from_head_and_get(fake, v1_client):
    data = b'image bytes'
    checksum = hashlib.md5(data).hexdigest()
    fake.respond = lambda request: (200, [
        ('x-image-meta-id', 'abc'), ('x-image-meta-size', str(len(data))),
        ('x-image-meta-checksum', checksum),
        ('x-image-meta-property-arch', 'x86_64')], data)
    meta = v1_client.get_image_meta('abc')
    assert meta == {'id': 'abc', 'size': len(data), 'checksum': checksum,
                    'properties': {'arch': 'x86_64'}}
    assert fake.requests[0].method == 'HEAD'
    meta, body = v1_client.get_image('abc')
    assert meta['checksum'] == body.checksum == checksum
    assert b''.join(body) == data


def test_v1_download_checks_the_etag(fake, v1_client):
    fake.respond = lambda request: (200, [('ETag', '"%s"' % ('0' * 32))],
                                    b'data')
    with pytest.raises(client.DataIntegrityError):
        b''.join(v1_client.get_image('abc')[1])


def test_v1_update_can_keep_properties(fake, v1_client):
    fake.respond = lambda request: json_answer('{"image": {"id": "abc"}}')
    v1_client.update_image('abc', {'properties': {'a': '1'}},
                           purge_props=False)
    request = fake.requests[0]
    assert (request.method, request.path) == ('PUT', '/v1/images/abc')
    assert request.headers['x-glance-registry-purge-props'] == 'false'
    assert request.headers['x-image-meta-property-a'] == '1'
    assert request.headers['Content-Length'] == '0'
