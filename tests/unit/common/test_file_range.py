"""FileRange and its sendfile path through the server's HttpProtocol.

The eventlet server runs in this process's hub while each client runs in a
native thread (nothing is monkey-patched), see ``serve`` and ``in_thread``.
"""

import http.client
import io
import logging
import os
import socket
import threading
import time
from unittest import mock

import eventlet
import pytest
import webob

from glance.api.middleware import access_log
from glance.common.eventlet_wsgi import wsgi as eventlet_wsgi
from glance.common import file_range
from glance.common import http_protocol


@pytest.fixture
def data_file(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / 'data'
    path.write_bytes(data)
    return str(path), data


def test_file_range_defaults_to_the_rest_of_the_file(data_file):
    path, data = data_file
    f = open(path, 'rb')
    f.seek(100)
    body = file_range.FileRange(f, block_size=1000)
    assert (body.offset, body.length) == (100, len(data) - 100)
    chunks = list(body)
    assert b''.join(chunks) == data[100:]
    assert max(map(len, chunks)) == 1000
    body.close()
    assert f.closed


def test_file_range_of_part_of_a_file_and_of_a_range(data_file):
    path, data = data_file
    body = file_range.FileRange(open(path, 'rb'), offset=10, length=5000)
    assert b''.join(body) == data[10:5010]
    assert b''.join(body.app_iter_range(100, 200)) == data[110:210]
    assert b''.join(body.app_iter_range(4990, 9999)) == data[5000:5010]
    body.close()


def test_file_range_of_an_in_memory_file():
    body = file_range.FileRange(io.BytesIO(b'0123456789'), offset=2, length=5)
    assert b''.join(body) == b'23456'


def test_file_range_longer_than_the_file_raises(data_file):
    path, data = data_file
    body = file_range.FileRange(open(path, 'rb'), length=len(data) + 1)
    with pytest.raises(EOFError):
        b''.join(body)
    body.close()


def in_thread(function):
    """Run ``function`` in a native thread while this one runs the hub."""
    outcome = {}

    def target():
        try:
            outcome['value'] = function()
        except BaseException as e:
            outcome['error'] = e

    thread = threading.Thread(target=target)
    thread.start()
    while thread.is_alive():
        eventlet.sleep(0.01)
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


@pytest.fixture
def serve():
    """serve(app, socket_timeout=10) -> port of an eventlet server with our
    HttpProtocol."""
    servers = []

    def start(app, socket_timeout=10):
        sock = eventlet.listen(('127.0.0.1', 0))
        servers.append(eventlet.spawn(
            eventlet_wsgi.server, sock, app,
            protocol=http_protocol.HttpProtocol, log_output=False,
            socket_timeout=socket_timeout))
        return sock.getsockname()[1]

    yield start
    for green_thread in servers:
        green_thread.kill()


@pytest.fixture
def sendfile_calls():
    with mock.patch('os.sendfile', wraps=os.sendfile) as sendfile:
        yield sendfile.call_args_list


def file_app(path, content_length=True, method='file_wrapper'):
    """Serves ``path`` through wsgi.file_wrapper, with webob's Range."""
    def app(environ, start_response):
        fileobj = open(path, 'rb')
        if method == 'file_wrapper':
            body = environ['wsgi.file_wrapper'](fileobj)
        else:
            body = io.BytesIO(fileobj.read())
            fileobj.close()
            body = environ['wsgi.file_wrapper'](body)
        response = webob.Response(app_iter=body, conditional_response=True)
        if content_length is True:
            response.content_length = os.path.getsize(path)
        elif content_length is not None:
            response.content_length = content_length
        return response(environ, start_response)
    return app


def get(port, path='/', headers=None, method='GET', requests=1):
    """(status, headers, body) of each of ``requests`` requests made on one
    connection, in a native thread."""
    def fetch():
        connection = http.client.HTTPConnection('127.0.0.1', port,
                                                timeout=10)
        results = []
        for _ in range(requests):
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            results.append((response.status, dict(response.getheaders()),
                            response.read()))
        connection.close()
        return results
    results = in_thread(fetch)
    return results[0] if requests == 1 else results


def test_file_wrapper_body_is_sent_with_sendfile(serve, data_file,
                                                 sendfile_calls):
    path, data = data_file
    port = serve(file_app(path))
    status, headers, body = get(port)
    assert status == 200
    assert headers['Content-Length'] == str(len(data))
    assert body == data
    assert sendfile_calls
    assert sendfile_calls[0].args[2] == 0


def test_range_request_is_sent_with_sendfile_from_its_offset(
        serve, data_file, sendfile_calls):
    path, data = data_file
    port = serve(file_app(path))
    status, headers, body = get(port, headers={'Range': 'bytes=1000-2000999'})
    assert status == 206
    assert headers['Content-Range'] == 'bytes 1000-2000999/%d' % len(data)
    assert body == data[1000:2001000]
    assert sendfile_calls[0].args[2] == 1000


def big_file(tmp_path, mib):
    """``(path, data)`` of a file of ``mib`` random MiB."""
    data = os.urandom(mib * 1024 * 1024)
    (tmp_path / 'big').write_bytes(data)
    return str(tmp_path / 'big'), data


def slow_client(port, close=True):
    """A connection with a small receive buffer that has sent a GET."""
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n%s\r\n'
                 % (b'Connection: close\r\n' if close else b''))
    return sock


def read_to_end(sock):
    received = []
    while chunk := sock.recv(1 << 20):
        received.append(chunk)
    sock.close()
    return b''.join(received)


def test_a_slow_reader_makes_sendfile_wait_for_the_socket(
        serve, tmp_path, sendfile_calls):
    path, data = big_file(tmp_path, 16)
    port = serve(file_app(path))

    def fetch_slowly():
        sock = slow_client(port)
        time.sleep(0.5)
        return read_to_end(sock)

    response = in_thread(fetch_slowly)
    assert response.split(b'\r\n\r\n', 1)[1] == data
    assert len(sendfile_calls) > 1


def write_listeners(hub=None):
    """The write listeners of ``hub`` (this thread's by default)."""
    hub = hub or eventlet.hubs.get_hub()
    return dict(hub.listeners[hub.WRITE])


def test_sendfile_waits_with_one_listener_it_removes_when_done(
        serve, tmp_path, sendfile_calls):
    path, data = big_file(tmp_path, 16)
    port = serve(file_app(path))
    hub = eventlet.hubs.get_hub()
    seen = []

    def fetch_slowly():
        sock = slow_client(port, close=False)
        received = []
        while sum(map(len, received)) < len(data):
            received.append(sock.recv(1 << 16))
            if len(received) % 64 == 0:
                time.sleep(0.01)
                seen.append(len(write_listeners(hub)))
        return sock, b''.join(received)

    sock, response = in_thread(fetch_slowly)
    # The connection stays open (keep-alive): the listener went with the
    # body, not with the socket.
    eventlet.sleep(0.1)
    assert write_listeners() == {}
    sock.close()
    assert response.endswith(data)
    assert len(sendfile_calls) > 2 and max(seen) == 1


def test_a_reader_that_stops_is_dropped_after_the_socket_timeout(
        serve, tmp_path):
    path, data = big_file(tmp_path, 32)
    port = serve(file_app(path), socket_timeout=0.5)

    def stall():
        sock = slow_client(port, close=False)
        time.sleep(2)
        return read_to_end(sock)

    assert len(in_thread(stall)) < len(data)
    assert write_listeners() == {}
    status, _, body = get(port)
    assert status == 200 and body == data


def test_no_more_than_the_content_length_and_keepalive_goes_on(
        serve, data_file, sendfile_calls):
    path, data = data_file
    port = serve(file_app(path, content_length=1000))
    first, second = get(port, requests=2)
    assert first[2] == data[:1000] and second[2] == data[:1000]
    assert len(sendfile_calls) == 2


def test_without_content_length_the_body_is_iterated(serve, data_file,
                                                     sendfile_calls):
    path, data = data_file
    port = serve(file_app(path, content_length=None))
    status, headers, body = get(port)
    assert headers.get('Transfer-Encoding') == 'chunked'
    assert body == data
    assert not sendfile_calls


def test_a_file_without_descriptor_is_iterated(serve, data_file,
                                               sendfile_calls):
    path, data = data_file
    port = serve(file_app(path, method='in_memory'))
    assert get(port)[2] == data
    assert not sendfile_calls


def test_head_sends_no_body(serve, data_file, sendfile_calls):
    path, data = data_file
    port = serve(file_app(path))
    status, headers, body = get(port, method='HEAD')
    assert (status, body) == (200, b'')
    assert headers['Content-Length'] == str(len(data))
    assert not sendfile_calls


def test_a_file_shorter_than_the_content_length_drops_the_connection(
        serve, data_file):
    path, data = data_file
    port = serve(file_app(path, content_length=len(data) + 10))
    with pytest.raises(http.client.IncompleteRead) as caught:
        get(port)
    assert caught.value.partial == data


def test_a_body_wrapped_by_the_access_log_is_still_sent_with_sendfile(
        serve, data_file, sendfile_calls, caplog):
    path, data = data_file
    app = access_log.filter_factory({})(file_app(path))
    port = serve(app)
    with caplog.at_level(logging.INFO, logger='glance.access'):
        full = get(port)
        partial = get(port, headers={'Range': 'bytes=1048570-2097160'})
    assert full[2] == data
    assert partial[0] == 206 and partial[2] == data[1048570:2097161]
    assert [call.args[2] for call in sendfile_calls][:1] == [0]
    assert 1048570 in [call.args[2] for call in sendfile_calls]
    lines = [r.getMessage() for r in caplog.records
             if r.name == 'glance.access']
    assert 'status: 200 len: %d ' % len(data) in lines[0]
    assert 'status: 206 len: %d ' % (2097161 - 1048570) in lines[1]


def test_the_access_log_counts_an_iterated_file_body(serve, data_file,
                                                     sendfile_calls, caplog):
    path, data = data_file
    port = serve(access_log.filter_factory({})(
        file_app(path, content_length=None)))
    with caplog.at_level(logging.INFO, logger='glance.access'):
        assert get(port)[2] == data
    assert not sendfile_calls
    [line] = [r.getMessage() for r in caplog.records
              if r.name == 'glance.access']
    assert 'len: %d ' % len(data) in line
