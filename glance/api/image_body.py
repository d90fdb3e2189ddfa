"""Image data as an HTTP response body, shared by every API version.

``download(req, service, image_id)`` answers a download: the whole image
(200), the byte range a ``Range`` header asks for (206 with
``Content-Range``), or None when the image has no data yet, each API
version then adding its own headers.  As in Glance, a ``Range`` header
that cannot be parsed (``bytes=10-5``) or starts beyond the end is
answered 416, one asking for several ranges 400.

File-backed data (the filesystem store) goes out through
``environ['wsgi.file_wrapper']`` when that wrapper takes a byte range
(glance-api's own server: sent with os.sendfile, zero-copy); otherwise the
ImageData is iterated in the store's read chunks (1 MiB by default).
Wrappers that take no range (gunicorn's, uWSGI's) are not used: they send
from the file's position to its end and lose their zero-copy path once a
middleware wraps the body.
"""

import webob
import webob.byterange
import webob.exc

from glance.common import exception

MEDIA_TYPE = 'application/octet-stream'


class _Unsatisfiable(Exception):

    def __init__(self, size):
        super().__init__(size)
        self.size = size


class _RangeChooser:
    """ImageService.download's ``choose_range`` for a request's ``Range``;
    remembers the range it chose."""

    def __init__(self, req):
        self._header = req.headers.get('Range')
        self._requested = _parse_range(self._header)
        self.chosen = None

    def __call__(self, size):
        if self._header is None:
            return None
        if self._requested is None:
            raise _Unsatisfiable(size)
        start_stop = self._requested.range_for_length(size)
        if start_stop is None:
            raise _Unsatisfiable(size)
        start, stop = start_stop
        self.chosen = (start, stop - start)
        return self.chosen


def _parse_range(header):
    """The webob Range of a ``Range`` header; None if there is none or it
    cannot be parsed; BadRequest for several ranges."""
    if header is None:
        return None
    if ',' in header:
        raise exception.BadRequest(
            'Requests with multiple ranges are not supported; make several '
            'single-range requests instead.')
    try:
        return webob.byterange.Range.parse(header)
    except ValueError:
        # webob fails on some malformed ranges ("bytes=--1").
        return None


def download(req, service, image_id):
    """``(image, response)``: the image and its data as a webob Response.

    The response is None when the image has no data (the caller answers
    as its API version does: 204 in v2).  Domain errors propagate.
    """
    chooser = _RangeChooser(req)
    try:
        image, data = service.download(req.context, image_id, chooser)
    except _Unsatisfiable as e:
        return None, webob.exc.HTTPRequestRangeNotSatisfiable(
            headers=[('Content-Range', 'bytes */%d' % e.size)])
    if data is None:
        return image, None
    response = webob.Response(content_type=MEDIA_TYPE,
                              app_iter=body(req.environ, data))
    response.content_length = data.size
    if chooser.chosen is not None:
        offset = chooser.chosen[0]
        response.status = 206
        response.content_range = (offset, offset + data.size, image.size)
    return image, response


def body(environ, data):
    """The WSGI body for ``data`` (an ImageData): see the module doc."""
    wrapper = environ.get('wsgi.file_wrapper')
    if data.fileobj is None or not getattr(wrapper, 'takes_range', False):
        return data
    return wrapper(data.fileobj, offset=data.offset, length=data.size)
