"""The registry client against small servers in threads of the test."""

import json
import os
import ssl
import subprocess
import threading

import pytest
import webob
import webob.dec

from glance.common import exception
from glance import context
from glance.registry import client as client_mod
from tests.threaded_server import serve_in_thread
from tests.threaded_server import stop
from tests.unit.registry.conftest import client_of

IDENTITY = ('X-Auth-Token', 'X-Identity-Status', 'X-User-Id',
            'X-Project-Id', 'X-Tenant-Id', 'X-Roles')


@webob.dec.wsgify
def echo_app(req):
    """/headers: the identity headers received; /error: the error answer
    the query asks for; /text-error: a 502 in plain text."""
    if req.path == '/headers':
        return webob.Response(json={name: req.headers.get(name)
                                    for name in IDENTITY})
    if req.path == '/error':
        return webob.Response(status=int(req.params['status']), json={
            'error': {'message': req.params['message'],
                      'type': req.params.get('type')}})
    return webob.Response(status=502, text='bad gateway')


@pytest.fixture
def echo_server():
    server = serve_in_thread(echo_app)
    yield server
    stop(server)


def ctx(**kwargs):
    kwargs.setdefault('auth_token', 'token-1')
    return context.RequestContext(user_id='u1', project_id='p1',
                                  roles=['member', 'reader'], **kwargs)


def test_without_a_request_context_no_identity_is_sent(echo_server):
    sent = client_of(echo_server).request('GET', '/headers')
    assert sent == dict.fromkeys(IDENTITY)


def test_the_callers_token_is_passed_on(echo_server):
    with context.bound(ctx()):
        sent = client_of(echo_server).request('GET', '/headers')
    assert sent == dict(dict.fromkeys(IDENTITY), **{
        'X-Auth-Token': 'token-1'})


def test_identity_headers_are_sent_when_asked(echo_server):
    client = client_of(echo_server, send_identity_headers=True)
    with context.bound(ctx(auth_token=None)):
        sent = client.request('GET', '/headers')
    assert sent == {'X-Auth-Token': None, 'X-Identity-Status': 'Confirmed',
                    'X-User-Id': 'u1', 'X-Project-Id': 'p1',
                    'X-Tenant-Id': 'p1', 'X-Roles': 'member,reader'}


def test_each_thread_passes_its_own_callers_identity(echo_server):
    client = client_of(echo_server)
    barrier = threading.Barrier(8)
    seen = {}

    def call(number):
        with context.bound(ctx(auth_token='token-%d' % number)):
            barrier.wait()
            for _ in range(5):
                seen.setdefault(number, set()).add(
                    client.request('GET', '/headers')['X-Auth-Token'])

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {n: {'token-%d' % n} for n in range(8)}


@pytest.mark.parametrize('status, type_name, raised', [
    (404, 'ImageNotFound', exception.ImageNotFound),
    (404, 'MemberNotFound', exception.MemberNotFound),
    (409, 'Duplicate', exception.Duplicate),
    (400, 'InvalidSortKey', exception.InvalidSortKey),
    (409, None, exception.Conflict),
    (401, None, exception.NotAuthenticated),
    (503, None, exception.RegistryUnavailable),
    # A name that is not one of our exceptions counts for nothing.
    (404, 'RequestContext', exception.NotFound),
    (500, None, exception.GlanceException)])
def test_an_error_answer_raises_the_exception_it_names(
        echo_server, status, type_name, raised):
    params = {'status': status, 'message': 'the message'}
    if type_name:
        params['type'] = type_name
    with pytest.raises(raised) as caught:
        client_of(echo_server).request('GET', '/error', params=params)
    assert type(caught.value) is raised and str(caught.value) == \
        'the message'


def test_an_error_answer_without_json_raises_by_its_status(echo_server):
    with pytest.raises(exception.GlanceException) as caught:
        client_of(echo_server).request('GET', '/text-error')
    assert str(caught.value) == 'bad gateway'


def test_a_registry_nobody_serves_is_unavailable(echo_server):
    host, port = echo_server.server_address
    stop(echo_server)
    client = client_mod.RegistryClient(host, port, timeout=5, retries=1)
    with pytest.raises(exception.RegistryUnavailable) as caught:
        client.request('GET', '/headers')
    # The registry's address stays in glance-api's log.
    assert str(port) not in str(caught.value)


def test_a_forked_process_opens_connections_of_its_own(echo_server):
    client = client_of(echo_server)
    client.request('GET', '/headers')
    parent_pool = client._connections()
    pid = os.fork()
    if pid == 0:
        try:
            client.request('GET', '/headers')
            os._exit(0 if client._connections() is not parent_pool else 1)
        finally:
            os._exit(2)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert client._connections() is parent_pool


@pytest.fixture
def tls_server(tmp_path):
    """The echo app over TLS, with a certificate for 127.0.0.1."""
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
         '-days', '1', '-subj', '/CN=127.0.0.1', '-addext',
         'subjectAltName=IP:127.0.0.1', '-keyout', str(key), '-out',
         str(cert)], check=True, capture_output=True)
    server = serve_in_thread(echo_app)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    yield server, str(cert)
    stop(server)


def test_https_checks_the_registry_certificate(tls_server):
    server, cert = tls_server
    trusting = client_of(server, protocol='https', ca_file=cert)
    assert trusting.request('GET', '/headers') == dict.fromkeys(IDENTITY)
    insecure = client_of(server, protocol='https', insecure=True)
    assert insecure.request('GET', '/headers') == dict.fromkeys(IDENTITY)
    untrusting = client_of(server, protocol='https', retries=0)
    with pytest.raises(exception.RegistryUnavailable):
        untrusting.request('GET', '/headers')


def test_error_bodies_of_other_shapes_keep_their_text():
    error = client_mod.error_from_response(404, json.dumps(
        {'code': 404, 'message': 'webob says'}).encode())
    assert type(error) is exception.NotFound
    assert 'webob says' in str(error)
