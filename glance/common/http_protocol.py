"""The HTTP/1.1 connection handler of the eventlet server: eventlet's, with
what Glance needs on top.

* A request that cannot be framed is answered before it reaches the app,
  with a short plain-text error and ``Connection: close``: 400 for a
  request line that is not ``METHOD TARGET HTTP/1.x`` (a target with
  control characters or bytes that are not UTF-8 included) and for a
  Content-Length that is not one decimal number below 2**63; 431 for 100
  header lines or more (Python's http.client bound); eventlet answers 400
  for a header line of ``max_header_line`` bytes or more and for more than
  64 KiB of headers, and 414 for a request line over 8 KiB.  Python and
  eventlet would answer a request line they cannot read without a status
  line, and let a Content-Length such as ``+1``, ``1_000`` or one that
  overflows reach the app.
* ``environ['wsgi.file_wrapper']`` is FileRange, and a response carrying
  one is sent with os.sendfile (glance.common.file_range).
* ``environ['wsgi.input']`` has ``readinto``, so an upload is read straight
  into the caller's buffer (see RequestBody).
* Image API v1 metadata headers keep their underscores.
* A response with ``Connection: close`` closes the connection instead of
  reading the rest of a refused request body.
"""

import functools
import http
import logging
import re

from glance.common import bounds
from glance.common.eventlet_wsgi import wsgi as eventlet_wsgi
from glance.common import file_range

LOG = logging.getLogger(__name__)

# Headers whose names keep their underscores (see formalize_key_naming).
V1_METADATA_HEADER_PREFIX = 'x-image-meta-'
# RFC 9112 section 3: a method token, a target without spaces or control
# characters, the version; a bare LF ends a line as well as CRLF.
_REQUEST_LINE = re.compile(
    rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+ ([^\x00-\x20\x7f]+) HTTP/1\.[01]\r?\n")
_DIGITS = re.compile(r'[0-9]+')


def request_line_problem(line):
    """Why the raw request ``line`` cannot be served, or None."""
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        return 'Bad request line: expected "METHOD TARGET HTTP/1.1"'
    try:
        match.group(1).decode('utf-8')
    except UnicodeDecodeError:
        return 'Bad request line: the target is not UTF-8'
    return None


def content_length_problem(values):
    """Why the Content-Length header ``values`` cannot frame a body, or
    None (also when there is none)."""
    if not values:
        return None
    if len(values) > 1:
        return 'More than one Content-Length'
    value = values[0].strip(' \t')
    if not _DIGITS.fullmatch(value):
        return 'Content-Length is not a non-negative integer'
    # Digits counted first: int() refuses thousands of them.
    if len(value.lstrip('0')) > len(str(bounds.MAX_BIGINT)) \
            or int(value) > bounds.MAX_BIGINT:
        return 'Content-Length is larger than %d' % bounds.MAX_BIGINT
    return None


class RequestBody(eventlet_wsgi.Input):
    """eventlet's request body, plus ``readinto``.

    eventlet's ``read`` returns a new bytes object per call and, for a
    chunked body, one per frame (curl sends 64 KiB frames), joined at the
    end: for an upload, an allocation and a copy of every byte that
    ``readinto`` avoids.  Frames are parsed as eventlet's ``read`` parses
    them, in the same state (``chunk_length``, ``position``), so either
    method may follow the other.
    """

    def readinto(self, buffer):
        """Read up to len(buffer) bytes of the body into ``buffer``: how
        many, 0 at its end.  Waits for the whole of them unless the body
        ends first."""
        view = memoryview(buffer).cast('B')
        if self.should_send_hundred_continue:
            self.send_hundred_continue_response()
            self.is_hundred_continue_response_sent = True
        if self.chunked_input:
            return self._chunked_readinto(view)
        view = view[:self.content_length - self.position]
        count = self.rfile.readinto(view) if view else 0
        self.position += count
        return count

    def _chunked_readinto(self, view):
        filled = 0
        while filled < len(view) and self.chunk_length != 0:
            left_in_frame = self.chunk_length - self.position
            if left_in_frame <= 0:
                self._start_frame()
                continue
            count = self.rfile.readinto(
                view[filled:filled + left_in_frame])
            if not count:
                self.chunk_length = 0
                raise OSError(
                    'unexpected end of file while parsing chunked data')
            filled += count
            self.position += count
            if self.position == self.chunk_length:
                self.rfile.readline()  # The line end after the frame.
        return filled

    def _start_frame(self):
        """Read a frame's size line; after the last, the trailers."""
        try:
            self.chunk_length = int(
                self.rfile.readline().split(b';', 1)[0], 16)
        except ValueError as e:
            raise eventlet_wsgi.ChunkReadError(e)
        self.position = 0
        if self.chunk_length == 0:
            self._discard_trailers(self.rfile)


class HttpProtocol(eventlet_wsgi.HttpProtocol):
    """eventlet's HTTP/1.1 handler: requests checked before the app sees
    them, FileRange bodies sent by sendfile (see the module docstring)."""

    def parse_request(self):
        """Read the request line and headers; False when refused (answered).

        A blank line instead of a request (a stray line end after a body)
        closes the connection without an answer: an answer would pass for
        the response to the client's next request.
        """
        self.command = None
        if not self.raw_requestline.strip():
            self.close_connection = True
            return False
        problem = request_line_problem(self.raw_requestline)
        if problem is None:
            if not super().parse_request():
                return False
            problem = content_length_problem(
                self.headers.get_all('Content-Length'))
        if problem is not None:
            self.send_error(http.HTTPStatus.BAD_REQUEST, problem)
            return False
        return True

    def send_error(self, code, message=None, explain=None):
        """Refuse the request with ``code`` and close the connection.

        Python's version logs to stderr, sends an HTML page and, for a
        request line it cannot read, no status line at all.
        """
        self.close_connection = True
        status = http.HTTPStatus(code)
        message = message or status.phrase
        LOG.info('Refused a request from %s: %d %s', self.client_address[0],
                 status, message)
        body = ('%s\n' % message).encode('utf-8', 'replace')
        self.wfile.write(
            b'HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=UTF-8\r\n'
            b'Content-Length: %d\r\nConnection: close\r\n\r\n'
            % (status, status.phrase.encode(), len(body)))
        if self.command != 'HEAD':
            self.wfile.write(body)

    def get_environ(self):
        environ = super().get_environ()
        environ['wsgi.file_wrapper'] = file_range.FileRange
        body = environ['eventlet.input']
        environ['wsgi.input'] = environ['eventlet.input'] = RequestBody(
            body.rfile, body.content_length, self.connection,
            wfile=body.wfile, wfile_line=body.wfile_line,
            chunked_input=body.chunked_input)
        return environ

    def formalize_key_naming(self, k):
        """Keep Image API v1 metadata headers that contain underscores.

        eventlet drops every header with an underscore, lest ``X-A_B`` pass
        for ``X-A-B``; v1 clients send ``x-image-meta-disk_format`` and the
        like, and in those names ``_`` and ``-`` mean the same.
        """
        if k.lower().startswith(V1_METADATA_HEADER_PREFIX):
            return k.replace('-', '_').upper()
        return super().formalize_key_naming(k)

    def handle_one_response(self):
        self.application = functools.partial(
            file_range.call_with_sendfile,
            self._closing_on_request(self.application), self.connection)
        super().handle_one_response()

    def _closing_on_request(self, app):
        """``app``, whose ``Connection: close`` closes the connection.

        eventlet would keep it alive, first reading and discarding the
        rest of the request body, which after a refused upload may be
        gigabytes.
        """
        def call(environ, start_response):
            def closing_start_response(status, headers, exc_info=None):
                kept = [(name, value) for name, value in headers
                        if (name.lower(), value.lower()) !=
                        ('connection', 'close')]
                if len(kept) != len(headers):
                    self.close_connection = 1
                return start_response(status, kept, exc_info)
            return app(environ, closing_start_response)
        return call
