"""A web server on loopback serving the files of a directory, for tests of
copy-from and external locations.

    with serving(directory, **{'disk.img': data}) as server:
        requests.get(server.url('disk.img'))

GET and HEAD, one byte range (``Range: bytes=A-`` or ``bytes=A-B``, 206),
404 for missing files.  Path prefixes change the behaviour:
``/redirect/<name>`` redirects (302) to ``/<name>``;
``/redirect-to/<url, percent-encoded>`` redirects (302) to that URL;
``/loop/<name>`` redirects (302) to itself, forever;
``/slow/<name>`` sends its 64 KiB chunks 0.2 s apart; ``/private/<name>``
needs Basic credentials ``user:secret`` (else 401); ``/chunked/<name>``
answers without Content-Length, chunked; ``/norange/<name>`` ignores Range.
It also serves as an http proxy: a request for an absolute URL
(``GET http://host/path``) is answered as one for its path, and
``CONNECT host:port`` opens a tunnel to that port on loopback, whatever
the host.  ``requests`` lists the paths (absolute URLs, ``CONNECT
host:port``) asked for, in order.

``FileServer(directory, tls=certificate(directory))`` serves https, with
a self-signed certificate for 127.0.0.1 and ``TLS_NAME``.

The server runs in a process of its own, so that nothing the test process
does (eventlet monkey-patching included) can stall it.
"""

import base64
import contextlib
import http.server
import os
import re
import selectors
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

# The address the server listens on, which the http store refuses unless
# [glance_store] http_allowed_internal_hosts names it.
HOST = '127.0.0.1'
CHUNK = 64 * 1024
SLOW_PAUSE = 0.2
CREDENTIALS = 'user:secret'
REQUEST_LOG = '.requests'
# A name the certificate of ``certificate()`` holds besides HOST, which
# resolves nowhere: only a proxy reaches it.
TLS_NAME = 'origin.invalid'


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._serve(send_body=False)

    def do_GET(self):
        self._serve(send_body=True)

    def do_CONNECT(self):
        self._log('CONNECT ' + self.path)
        port = int(self.path.rpartition(':')[2])
        with socket.create_connection((HOST, port)) as upstream:
            self._reply(200, close=False)
            self.wfile.flush()
            _relay(self.connection, upstream)
        self.close_connection = True

    def _log(self, line):
        with open(os.path.join(self.server.directory, REQUEST_LOG), 'a') as f:
            f.write(line + '\n')

    def _serve(self, send_body):
        self._log(self.path)
        path = urllib.parse.urlsplit(self.path).path \
            if self.path.startswith('http://') else self.path
        mode, _, name = path.lstrip('/').rpartition('/')
        if mode == 'loop':
            return self._reply(302, headers={'Location': path})
        if mode == 'redirect':
            return self._reply(302, headers={'Location': '/' + name})
        if mode == 'redirect-to':
            return self._reply(302, headers={
                'Location': urllib.parse.unquote(name)})
        if mode == 'private' and self.headers.get('Authorization') != \
                'Basic ' + base64.b64encode(CREDENTIALS.encode()).decode():
            return self._reply(401)
        path = os.path.join(self.server.directory, name)
        if not name or not os.path.isfile(path):
            return self._reply(404)
        size = os.path.getsize(path)
        start, end = 0, size
        status = 200
        match = re.fullmatch(r'bytes=(\d+)-(\d*)',
                             self.headers.get('Range', ''))
        if match and mode != 'norange':
            start = int(match.group(1))
            end = min(int(match.group(2)) + 1 if match.group(2) else size,
                      size)
            if start >= size:
                return self._reply(416)
            status = 206
        headers = {'Content-Type': 'application/octet-stream'}
        if status == 206:
            headers['Content-Range'] = 'bytes %d-%d/%d' % (start, end - 1,
                                                          size)
        chunked = mode == 'chunked'
        if chunked:
            headers['Transfer-Encoding'] = 'chunked'
        else:
            headers['Content-Length'] = str(end - start)
        self._reply(status, headers=headers, close=False)
        if send_body:
            self._send_file(path, start, end, chunked,
                            pause=SLOW_PAUSE if mode == 'slow' else 0)

    def _reply(self, status, headers=None, close=True):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header('Content-Length', '0')
        self.end_headers()

    def _send_file(self, path, start, end, chunked, pause=0):
        with open(path, 'rb') as f:
            f.seek(start)
            remaining = end - start
            while remaining:
                data = f.read(min(CHUNK, remaining))
                remaining -= len(data)
                if chunked:
                    self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
                else:
                    self.wfile.write(data)
                if pause:
                    self.wfile.flush()
                    time.sleep(pause)
        if chunked:
            self.wfile.write(b'0\r\n\r\n')


def _relay(one, other):
    """Copy bytes both ways between two sockets until either closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(one, selectors.EVENT_READ, other)
        selector.register(other, selectors.EVENT_READ, one)
        while True:
            for key, _events in selector.select():
                data = key.fileobj.recv(CHUNK)
                if not data:
                    return
                key.data.sendall(data)


def certificate(directory):
    """A self-signed certificate for HOST and TLS_NAME, made in
    ``directory``: (certificate file, key file)."""
    if shutil.which('openssl') is None:
        import pytest
        pytest.skip('openssl is needed to make a test certificate')
    cert = os.path.join(str(directory), 'cert.pem')
    key = os.path.join(str(directory), 'key.pem')
    subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
         'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
         '-subj', '/CN=' + HOST,
         '-addext', 'subjectAltName=IP:%s,DNS:%s' % (HOST, TLS_NAME),
         '-keyout', key, '-out', cert], check=True, capture_output=True)
    return cert, key


class FileServer:

    def __init__(self, directory, tls=None):
        self.directory = str(directory)
        self.port = None
        self.tls = tls
        self._process = None

    @property
    def requests(self):
        try:
            with open(os.path.join(self.directory, REQUEST_LOG)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def url(self, path, credentials=None):
        netloc = '%s:%d' % (HOST, self.port)
        if credentials:
            netloc = '%s@%s' % (credentials, netloc)
        return '%s://%s/%s' % ('https' if self.tls else 'http', netloc,
                               path)

    def __enter__(self):
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self.directory,
             *(self.tls or ())], stdout=subprocess.PIPE, text=True)
        self.port = int(self._process.stdout.readline())
        return self

    def __exit__(self, *exc_info):
        self._process.terminate()
        self._process.wait(10)
        self._process.stdout.close()


@contextlib.contextmanager
def serving(directory, **files):
    """A FileServer of ``directory`` after writing ``files`` (name: bytes)
    there."""
    for name, data in files.items():
        (directory / name).write_bytes(data)
    with FileServer(directory) as server:
        yield server


def main(directory, cert=None, key=None):
    server = http.server.ThreadingHTTPServer((HOST, 0), _Handler)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.directory = directory
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main(*sys.argv[1:])
