"""Image data as an HTTP response body, shared by every API version.

``download(req, service, image_id)`` answers a download: the whole image
(200), the byte range a ``Range`` header asks for (206 with
``Content-Range``), or None when the image has no data yet, each API
version then adding its own headers.  As in Glance, a ``Range`` header
that cannot be parsed (``bytes=10-5``) or starts beyond the end is
answered 416, one asking for several ranges 400.

Every answer about data carries what HTTP caches need (``cache_headers``):
a strong ``ETag`` (the md5 checksum), ``Last-Modified`` (the image's last
change) and ``Cache-Control``.  Conditional requests are answered by
glance.api.conditional once the caller may download the image, before any
data is opened: 304 (``If-None-Match``, ``If-Modified-Since``), 412
(``If-Match``, ``If-Unmodified-Since``), the whole image when ``If-Range``
no longer matches.  A HEAD gets the GET's headers without opening the data.

Options (``[DEFAULT]``):

=============================  ==========  ==================================
option                         default     meaning
=============================  ==========  ==================================
image_download_cache_control   no-cache    ``Cache-Control`` of downloads of
                                           images every caller sees (public,
                                           community); other images get it
                                           with no-cache and without what
                                           lets a cache reuse them unasked
=============================  ==========  ==================================

File-backed data (the filesystem store) goes out through
``environ['wsgi.file_wrapper']`` when that wrapper takes a byte range
(glance-api's own server: sent with os.sendfile, zero-copy); otherwise the
ImageData is iterated in the store's read chunks (1 MiB by default).
Wrappers that take no range (gunicorn's, uWSGI's) are not used: they send
from the file's position to its end and lose their zero-copy path once a
middleware wraps the body.
"""

import datetime

import webob
import webob.byterange
import webob.datetime_utils
import webob.exc
from oslo_config import cfg

from glance.api import conditional
from glance.common import exception
from glance.domain import visibility

CONF = cfg.CONF

OPTS = [
    cfg.StrOpt('image_download_cache_control', default='no-cache',
               help='Cache-Control header of image downloads (v1 and v2) '
                    'of public and community images, for HTTP caches in '
                    'front of glance-api.  "no-cache" lets a cache keep '
                    'the data but ask glance-api, with each caller\'s '
                    'credentials, before reusing it (a 304 without data '
                    'when it is unchanged).  A freshness lifetime such as '
                    '"public, max-age=300" lets a cache serve the data '
                    'without asking: for that long, a deactivated or '
                    'deleted image is still served, to any caller.  '
                    'Private and shared images always get this value with '
                    '"no-cache" added and "public", "max-age", "s-maxage", '
                    '"immutable" and "stale-*" removed, so a cache never '
                    'serves them without glance-api checking the caller.  '
                    'Empty: no header for public and community images.'),
]

CONF.register_opts(OPTS)

MEDIA_TYPE = 'application/octet-stream'

# Cache-Control directives that let a cache reuse a response without
# asking the server: never sent for an image only some callers see.
_UNCHECKED_REUSE = frozenset(('public', 'max-age', 's-maxage', 'immutable',
                              'stale-while-revalidate', 'stale-if-error'))


class _Answered(Exception):
    """Raised out of the domain's download to answer without the data."""

    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


class _Preparation:
    """ImageService.download's ``choose_range`` for a request: answers
    preconditions and HEAD, and returns the range to read (remembered as
    ``chosen``)."""

    def __init__(self, req):
        self._req = req
        self._requested = _parse_range(req.headers.get('Range'))
        self.image = None
        self.headers = None
        self.chosen = None

    def __call__(self, image):
        self.image = image
        req = self._req
        self.headers = headers = cache_headers(image)
        outcome = conditional.evaluate(
            req.headers, req.method, image.checksum, _last_modified(image))
        if outcome.status == conditional.NOT_MODIFIED:
            raise _Answered(webob.Response(status=304, headerlist=headers))
        if outcome.status == conditional.PRECONDITION_FAILED:
            raise _Answered(webob.exc.HTTPPreconditionFailed())
        if outcome.use_range and image.size:
            self.chosen = self._choose(image.size)
        if req.method == 'HEAD':
            length = image.size if self.chosen is None else self.chosen[1]
            raise _Answered(_response(image, headers, length, self.chosen,
                                      app_iter=[]))
        return self.chosen

    def _choose(self, size):
        if self._requested is not None:
            start_stop = self._requested.range_for_length(size)
            if start_stop is not None:
                start, stop = start_stop
                return start, stop - start
        raise _Answered(webob.exc.HTTPRequestRangeNotSatisfiable(
            headers=[('Content-Range', 'bytes */%d' % size)]))


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


def etag(image):
    """The strong entity tag of the image's data, quoted; None before the
    data (and its checksum) is known."""
    return '"%s"' % image.checksum if image.checksum else None


def cache_headers(image):
    """ETag, Last-Modified and Cache-Control of a download of ``image``
    (see the module doc), as a header list."""
    headers = []
    tag = etag(image)
    if tag:
        headers.append(('ETag', tag))
    headers.append(('Last-Modified', webob.datetime_utils.serialize_date(
        _last_modified(image))))
    control = cache_control(image, CONF.image_download_cache_control)
    if control:
        headers.append(('Cache-Control', control))
    return headers


def cache_control(image, configured):
    """The Cache-Control value for ``image`` given the ``configured`` one:
    as configured for images every caller sees; for the others, without
    the directives that let a cache reuse them unasked, with no-cache."""
    directives = [d.strip() for d in configured.split(',') if d.strip()]
    if visibility.seen_by_all(image):
        return ', '.join(directives)
    kept = [d for d in directives
            if d.split('=', 1)[0].strip().lower() not in _UNCHECKED_REUSE]
    if 'no-cache' not in (d.lower() for d in kept):
        kept.append('no-cache')
    return ', '.join(kept)


def _last_modified(image):
    """The image's last change, in whole seconds, timezone-aware (UTC)."""
    return image.updated_at.replace(microsecond=0,
                                    tzinfo=datetime.timezone.utc)


def _response(image, headers, length, chosen, app_iter):
    response = webob.Response(app_iter=app_iter, headerlist=list(headers))
    response.content_type = MEDIA_TYPE
    response.content_length = length
    if chosen is not None:
        offset = chosen[0]
        response.status = 206
        response.content_range = (offset, offset + length, image.size)
    return response


def download(req, service, image_id):
    """``(image, response)``: the image and its data as a webob Response.

    ``service.download(context, image_id, choose_range)`` gives the image
    and its ImageData as glance.domain.data.ImageData.download does: the
    domain's data service, or anything serving the same data (a cache's
    hits), which then gets the same headers, preconditions and ranges.

    The response is None when the image has no data (the caller answers
    as its API version does: 204 in v2).  Domain errors propagate.
    """
    preparation = _Preparation(req)
    try:
        image, data = service.download(req.context, image_id, preparation)
    except _Answered as answered:
        return preparation.image, answered.response
    if data is None:
        return image, None
    return image, _response(image, preparation.headers, data.size,
                            preparation.chosen, body(req.environ, data))


def body(environ, data):
    """The WSGI body for ``data`` (an ImageData): see the module doc."""
    wrapper = environ.get('wsgi.file_wrapper')
    if data.fileobj is None or not getattr(wrapper, 'takes_range', False):
        return data
    return wrapper(data.fileobj, offset=data.offset, length=data.size)
