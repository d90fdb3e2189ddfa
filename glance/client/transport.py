"""The transport shared by V1Client and V2Client (standard library only):
connections, requests, responses and errors.

A client keeps a few idle keep-alive connections and reuses them; one that
the server closed while idle is noticed before use and replaced, and a
request that meets a connection closed under it is sent again once when its
method is idempotent and its body can be replayed.  Request bodies stream through
glance.client.request_body, response bodies through glance.client.download.
Sharing a client between threads is safe: each request takes an idle
connection or opens one.
"""

import http.client
import json
import re
import select
import ssl
import urllib.parse

from glance.client import exceptions
from glance.client import request_body
from glance import version

DEFAULT_PORT = 9292
DEFAULT_TIMEOUT = 60.0
# Reads and writes of 1 MiB: 64 KiB chunks halve throughput (measured).
CHUNK_SIZE = 1024 * 1024
MAX_IDLE_CONNECTIONS = 4
MAX_ERROR_BODY = 64 * 1024
JSON = 'application/json'
OCTET_STREAM = 'application/octet-stream'
REQUEST_ID_HEADER = 'x-openstack-request-id'
# RFC 9110 section 9.2.2: a request lost with its connection is sent again
# only if repeating it is harmless, the server having maybe acted on it.
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))
USER_AGENT = 'glance-client/%s' % version.version_string


class _NoResponse(Exception):
    """A request got no response; ``error`` says why."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


_HTML_HEADINGS = re.compile(r'<(title|h1)>.*?</\1>', re.I | re.S)
_TAGS = re.compile(r'<[^>]*>')


def _json_message(document):
    if not isinstance(document, dict):
        return ''
    if isinstance(document.get('message'), str):
        return document['message']
    for value in document.values():
        if isinstance(value, dict) and isinstance(value.get('message'), str):
            return value['message']
    return ''


def error_message(body, content_type, status, reason):
    """The human message of an error body (JSON, HTML or plain text),
    without the status line webob puts first."""
    text = body.decode('utf-8', 'replace')
    if 'json' in (content_type or ''):
        try:
            text = _json_message(json.loads(text))
        except ValueError:
            pass
    else:
        text = _HTML_HEADINGS.sub('', text).lstrip()
        status_line = '%d %s' % (status, reason)
        if text.startswith(status_line):
            text = text[len(status_line):]
    return ' '.join(_TAGS.sub(' ', text).split()) or reason


class Response:
    """A response and the connection it arrived on.

    finish() hands the connection back for reuse when the body was read to
    the end and the server keeps it open, and closes it otherwise.
    """

    def __init__(self, client, conn, raw, reusable=True):
        self.client = client
        self.conn = conn
        self.raw = raw
        self.reusable = reusable

    @property
    def status(self):
        return self.raw.status

    @property
    def headers(self):
        return self.raw.headers

    @property
    def request_id(self):
        return self.raw.headers.get(REQUEST_ID_HEADER)

    def read(self):
        """The whole body (for metadata answers, which are small)."""
        try:
            body = self.raw.read()
        except (OSError, http.client.HTTPException) as error:
            self.finish()
            raise exceptions.CommunicationError(
                'Reading the response failed: %s' % error,
                request_id=self.request_id) from error
        self.finish()
        return body

    def json(self):
        body = self.read()
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError as error:
            raise exceptions.CommunicationError(
                'The response is not valid JSON: %s' % error,
                request_id=self.request_id) from error

    def error(self):
        """The exception for an error status, with the server's message."""
        try:
            body = self.raw.read(MAX_ERROR_BODY)
        except (OSError, http.client.HTTPException):
            body = b''
        self.finish()
        message = error_message(body, self.headers.get('Content-Type'),
                                self.status, self.raw.reason)
        return exceptions.for_status(self.status)(
            message, status=self.status, request_id=self.request_id)

    def finish(self):
        if self.conn is None:
            return
        if self.reusable and self.raw.isclosed() and not self.raw.will_close:
            self.client._release(self.conn)
        else:
            self.conn.close()
            self.raw.close()
        self.conn = None


def path(*segments):
    """A path of segments, each quoted whole: an id, tag or name can
    never reach another route (``'../x'`` stays one segment)."""
    quoted = []
    for segment in segments:
        segment = str(segment)
        if not segment:
            raise ValueError('an empty id or name cannot be part of a path')
        quoted.append(urllib.parse.quote(segment, safe=''))
    return '/' + '/'.join(quoted)


def query_value(value):
    """A query parameter value; booleans as the API spells them."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value


def _ssl_context(insecure, ca_file, cert_file, key_file):
    context = ssl.create_default_context(cafile=ca_file)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file:
        context.load_cert_chain(cert_file, key_file)
    return context


def _dropped(conn):
    """Whether an idle connection was closed by the server.

    An idle keep-alive socket has nothing to read: if it polls readable, the
    server has closed it (or sent something unasked), so it is not reused.
    """
    poller = select.poll()
    poller.register(conn.sock, select.POLLIN)
    return bool(poller.poll(0))


class BaseClient:
    """Connections, identity headers, request sending and errors.

    ``host``/``port`` (or from_url) say where glance-api listens;
    ``auth_token`` is sent as X-Auth-Token (keystone); ``project_id``,
    ``user_id`` and ``roles`` as the identity headers a trusted front proxy
    passes (X-Tenant-Id and X-Project-Id, X-User-Id, X-Roles); ``headers``
    are added to every request.  ``timeout`` bounds connecting and each
    socket read or write, not a whole transfer.
    """

    doc_root = ''

    def __init__(self, host='127.0.0.1', port=DEFAULT_PORT, *, use_ssl=False,
                 path_prefix='', auth_token=None, project_id=None,
                 user_id=None, roles=None, headers=None,
                 timeout=DEFAULT_TIMEOUT, insecure=False, ca_file=None,
                 cert_file=None, key_file=None, chunk_size=CHUNK_SIZE):
        self.host = host
        self.port = port
        self.use_ssl = use_ssl
        self.path_prefix = path_prefix.rstrip('/')
        self.timeout = timeout
        self.chunk_size = chunk_size
        self._ssl_context = _ssl_context(insecure, ca_file, cert_file,
                                         key_file) if use_ssl else None
        self._headers = [('User-Agent', USER_AGENT)]
        if auth_token:
            self._headers.append(('X-Auth-Token', auth_token))
        if project_id:
            self._headers += [('X-Tenant-Id', project_id),
                              ('X-Project-Id', project_id)]
        if user_id:
            self._headers.append(('X-User-Id', user_id))
        if roles:
            self._headers.append(('X-Roles', ','.join(roles)))
        self._headers += list((headers or {}).items())
        self._idle = []

    @classmethod
    def from_url(cls, url, **kwargs):
        """A client for an endpoint such as ``https://cloud.example/image``
        (a trailing version segment like ``/v2`` is ignored)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError('not an http(s) URL: %r' % url)
        prefix = parts.path.rstrip('/')
        prefix = re.sub(r'/v\d+(\.\d+)?$', '', prefix)
        use_ssl = parts.scheme == 'https'
        port = parts.port or (443 if use_ssl else 80)
        return cls(parts.hostname, port, use_ssl=use_ssl, path_prefix=prefix,
                   **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Close the idle connections (a later request opens a new one)."""
        while self._idle:
            self._idle.pop().close()

    def _new_connection(self):
        if self.use_ssl:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout,
                context=self._ssl_context)
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=self.timeout)

    def _acquire(self):
        """An idle connection still open, else a new one; and whether it
        was used before."""
        while self._idle:
            try:
                conn = self._idle.pop()
            except IndexError:
                break
            if conn.sock is not None and not _dropped(conn):
                return conn, True
            conn.close()
        return self._new_connection(), False

    def _release(self, conn):
        if len(self._idle) < MAX_IDLE_CONNECTIONS:
            self._idle.append(conn)
        else:
            conn.close()

    def _url(self, path, query=None):
        url = self.path_prefix + self.doc_root + path
        if query:
            if not isinstance(query, str):
                query = urllib.parse.urlencode(query, doseq=True)
            url += '?' + query
        return url

    def _request_headers(self, method, headers, upload):
        result = list(self._headers)
        result += list((headers or {}).items())
        names = {name.lower() for name, _ in result}
        if upload is None:
            if method in ('POST', 'PUT', 'PATCH'):
                result.append(('Content-Length', '0'))
            return result
        if 'content-type' not in names:
            result.append(('Content-Type', OCTET_STREAM))
        if upload.length is None:
            result.append(('Transfer-Encoding', 'chunked'))
        else:
            result.append(('Content-Length', str(upload.length)))
        return result

    def request(self, method, path, *, query=None, headers=None, body=None,
                size=None, progress=None):
        """Send a request under the client's API root (``doc_root``).

        ``body`` is bytes, a binary file or an iterable of bytes, streamed
        (``progress(sent, total)`` after each piece).  Returns the Response
        for a status below 300 and raises the HTTPError of any other.
        """
        url = self._url(path, query)
        upload = None if body is None \
            else request_body.Upload(body, size, self.chunk_size)
        header_list = self._request_headers(method, headers, upload)
        for attempt in (1, 2):
            conn, reused = self._acquire()
            try:
                raw, reusable = self._exchange(conn, method, url,
                                               header_list, upload, progress)
                break
            except _NoResponse as failure:
                if (attempt == 1 and reused
                        and method in IDEMPOTENT_METHODS
                        and isinstance(failure.error, ConnectionError)
                        and (upload is None or upload.rewind())):
                    continue
                raise exceptions.CommunicationError(
                    '%s %s failed: %s' % (method, url, failure.error)
                ) from failure.error
        response = Response(self, conn, raw, reusable)
        if response.status >= 300:
            raise response.error()
        return response

    def _exchange(self, conn, method, url, headers, upload, progress):
        """Send one request on conn: its response and whether the
        connection can serve another request afterwards."""
        send_error = None
        try:
            try:
                conn.putrequest(method, url)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders()
            except OSError as error:
                send_error = error
            if send_error is None and upload is not None:
                upload.send(conn, progress)
        except request_body.SendFailed as failure:
            send_error = failure.error
        except BaseException:
            # A half-sent request (bad data, failing source): the
            # connection cannot be used again.
            conn.close()
            raise
        if send_error is not None and conn.sock is None:
            conn.close()
            raise _NoResponse(send_error)
        # After a failed send the server may still have answered (an early
        # error refusing the body): that answer is worth more than EPIPE.
        try:
            raw = conn.getresponse()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            raise _NoResponse(send_error or error)
        return raw, send_error is None

    def json_request(self, method, path, *, query=None, body=None,
                     headers=None, content_type=JSON):
        """A request with an optional JSON body: (Response read to the end,
        parsed JSON answer or None)."""
        all_headers = {'Accept': JSON}
        data = None
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            all_headers['Content-Type'] = content_type
        all_headers.update(headers or {})
        response = self.request(method, path, query=query,
                                headers=all_headers, body=data)
        return response, response.json()
