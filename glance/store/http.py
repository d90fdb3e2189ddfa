"""HTTP store: read-only access to image data a web server serves.

Locations are ``http://`` and ``https://`` URLs, possibly with
``user:password@`` credentials, sent as HTTP Basic authentication.  The
driver only reads: ``get`` streams the body (asking for a ``Range`` when an
offset or length is wanted, and skipping bytes itself if the server ignores
it), ``get_size`` asks with ``HEAD``.  Up to ``MAX_REDIRECTS`` redirects are
followed, to http(s) URLs only.  A connection that makes no progress for
``TIMEOUT`` seconds fails.  Errors never show the credentials of a URL.

It serves Image API v1's copy-from (the data is copied into the default
store) and external locations (the data stays on the web server).
"""

import base64
import http.client
import ssl
import urllib.parse

from oslo_config import cfg

from glance.common import exception
from glance import store
from glance.store import base

MAX_REDIRECTS = 5
TIMEOUT = 60
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})

http_opts = [
    cfg.BoolOpt('https_insecure', default=False,
                help='Read https locations without verifying the server '
                     'certificate.  Unlike glance_store, certificates are '
                     'verified by default.'),
    cfg.StrOpt('https_ca_certificates_file',
               help='CA bundle used to verify the certificates of https '
                    'locations; the system bundle when unset.'),
]


def _parse(url):
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as e:
        raise exception.BadStoreUri(
            'Not a valid http location (%s): %s'
            % (e, store.display_uri(url))) from None
    if parts.scheme.lower() not in HttpDriver.schemes or not parts.hostname:
        raise exception.BadStoreUri(
            'Not an http or https location with a host name: %s'
            % store.display_uri(url))
    try:
        parts.port
    except ValueError:
        raise exception.BadStoreUri(
            'The port of an http location must be a number: %s'
            % store.display_uri(url)) from None
    return parts


def _unavailable(url, problem):
    return exception.StoreUnavailable(
        reason='%s: %s' % (store.display_uri(url), problem))


class HttpDriver(base.Driver):
    """Image data on web servers, read-only."""

    name = 'http'
    schemes = ('http', 'https')
    capabilities = base.READ_ONLY
    options = http_opts

    def configure(self):
        opts = self.opts
        try:
            context = ssl.create_default_context(
                cafile=opts.https_ca_certificates_file)
        except (OSError, ssl.SSLError) as e:
            raise exception.ConfigError(
                'https_ca_certificates_file %s cannot be loaded: %s'
                % (opts.https_ca_certificates_file, e))
        if opts.https_insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._ssl_context = context

    def get(self, uri, offset=0, length=None, check=None):
        """See Driver.get; ``check(url)``, called before the request and
        every redirect, raises to refuse a URL and answers the address to
        connect to (None: the host name's), as web-download filters it.
        """
        if offset < 0 or (length is not None and length < 0):
            raise exception.InvalidRange()
        headers = {}
        if offset or length is not None:
            last = '' if length is None else str(offset + length - 1)
            headers['Range'] = 'bytes=%d-%s' % (offset, last)
        url, connection, response = self._open('GET', uri, headers, check)
        try:
            if response.status == 416:
                raise exception.InvalidRange()
            self._check_status(url, response, (200, 206))
            skip = offset if response.status == 200 else 0
            size = response.length
            if size is not None:
                size = max(size - skip, 0)
                if length is not None:
                    size = min(size, length)
        except BaseException:
            connection.close()
            raise
        return base.ImageData(self._chunks(url, connection, response, skip,
                                           size, length),
                              size, connection.close)

    def get_size(self, uri):
        """The Content-Length of ``uri``, or None if the server omits it."""
        url, connection, response = self._open('HEAD', uri)
        try:
            self._check_status(url, response, (200,))
            value = response.getheader('Content-Length')
        finally:
            connection.close()
        try:
            return int(value) if value is not None else None
        except ValueError:
            raise _unavailable(url, 'invalid Content-Length %r' % value)

    def _open(self, method, uri, headers=None, check=None):
        """Send the request, following redirects: (url, connection, response).
        """
        url = uri
        for _ in range(MAX_REDIRECTS + 1):
            address = check(url) if check is not None else None
            parts = _parse(url)
            connection = self._connection(parts, address)
            request_headers = dict(headers or {})
            if address is not None:
                request_headers['Host'] = parts.netloc.rpartition('@')[2]
            if parts.username is not None:
                credentials = '%s:%s' % (
                    urllib.parse.unquote(parts.username),
                    urllib.parse.unquote(parts.password or ''))
                request_headers['Authorization'] = 'Basic ' + \
                    base64.b64encode(credentials.encode()).decode('ascii')
            target = parts.path or '/'
            if parts.query:
                target += '?' + parts.query
            try:
                connection.request(method, target, headers=request_headers)
                response = connection.getresponse()
            # ValueError: a host name IDNA cannot encode (a label too long).
            except (OSError, http.client.HTTPException, ValueError) as e:
                connection.close()
                raise _unavailable(url, 'cannot be read: %s'
                                   % (str(e) or type(e).__name__)) from e
            if response.status not in REDIRECT_STATUSES:
                return url, connection, response
            location = response.getheader('Location')
            connection.close()
            if not location:
                raise _unavailable(url, 'redirect without a Location')
            url = urllib.parse.urljoin(url, location)
        raise _unavailable(uri, 'more than %d redirects' % MAX_REDIRECTS)

    def _connection(self, parts, address=None):
        """A connection to the URL's host; to ``address`` instead over
        plain http (https keeps the name its certificate is checked
        against)."""
        if parts.scheme.lower() == 'https':
            return http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=TIMEOUT,
                context=self._ssl_context)
        # The port given: http.client would read one out of an IPv6 address.
        return http.client.HTTPConnection(
            address or parts.hostname, parts.port or http.client.HTTP_PORT,
            timeout=TIMEOUT)

    @staticmethod
    def _check_status(url, response, expected):
        if response.status in expected:
            return
        if response.status in GONE_STATUSES:
            raise exception.NotFound(
                'No image data at %s (HTTP %d).'
                % (store.display_uri(url), response.status))
        raise _unavailable(url, 'the server answered HTTP %d'
                           % response.status)

    @staticmethod
    def _chunks(url, connection, response, skip, size, length):
        """The body, after ``skip`` bytes, up to ``length`` bytes."""
        remaining = size if size is not None else length
        try:
            while skip:
                piece = response.read(min(skip, base.READ_CHUNK_SIZE))
                if not piece:
                    raise exception.InvalidRange()
                skip -= len(piece)
            while remaining is None or remaining > 0:
                want = base.READ_CHUNK_SIZE if remaining is None \
                    else min(base.READ_CHUNK_SIZE, remaining)
                chunk = response.read(want)
                if not chunk:
                    if size is not None and remaining:
                        raise _unavailable(
                            url, 'the connection ended %d bytes short'
                            % remaining)
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        except (OSError, http.client.HTTPException) as e:
            raise _unavailable(url, 'reading failed: %s'
                               % (str(e) or type(e).__name__)) from e
        finally:
            connection.close()
