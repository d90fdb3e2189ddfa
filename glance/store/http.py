"""HTTP store: read-only access to image data a web server serves.

Locations are ``http://`` and ``https://`` URLs, possibly with
``user:password@`` credentials, sent as HTTP Basic authentication.  The
driver only reads: ``get`` streams the body (asking for a ``Range`` when an
offset or length is wanted, and skipping bytes itself if the server ignores
it), ``get_size`` asks with ``HEAD``.  Up to ``MAX_REDIRECTS`` redirects are
followed, to http(s) URLs only.  A connection that makes no progress for
``TIMEOUT`` seconds fails.  Errors never show the credentials of a URL.

Every URL requested, redirects included, is resolved first and refused if
its host has a loopback, link-local or unspecified address (the service
host, the metadata service) unless ``http_allowed_internal_hosts`` names
it; the connection then goes to the address checked.  Requests go through
the proxies of ``http_proxy_information`` when it names one for the
scheme; the proxy then resolves the name itself.

It serves Image API v1's copy-from (the data is copied into the default
store) and external locations (the data stays on the web server).
"""

import base64
import http.client
import socket
import ssl
import urllib.parse

from oslo_config import cfg

from glance.common import addresses
from glance.common import exception
from glance import store
from glance.store import base

MAX_REDIRECTS = 5
TIMEOUT = 60
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})
DEFAULT_PORTS = {'http': http.client.HTTP_PORT,
                 'https': http.client.HTTPS_PORT}

http_opts = [
    cfg.BoolOpt('https_insecure', default=False,
                help='Read https locations without verifying the server '
                     'certificate.  Unlike glance_store, certificates are '
                     'verified by default.'),
    cfg.StrOpt('https_ca_certificates_file',
               help='CA bundle used to verify the certificates of https '
                    'locations; the system bundle when unset.'),
    cfg.DictOpt('http_proxy_information', default={},
                help='Proxies to read http and https locations through, '
                     'as scheme:proxy pairs, e.g. '
                     '"http:10.0.0.1:3128, https:10.0.0.1:1080".  A proxy is '
                     'host:port or http://[user:password@]host:port; https '
                     'locations go through it with CONNECT.  A scheme not '
                     'named is read directly.'),
    cfg.ListOpt('http_allowed_internal_hosts', default=[],
                help='Host names or IP addresses, as written in URLs, that '
                     'http locations and copy-from sources may name although '
                     'they resolve to a loopback, link-local (such as the '
                     'metadata service at 169.254.169.254) or unspecified '
                     'address.  Such hosts are refused otherwise, redirects '
                     'included, so that users cannot make the service read '
                     'from itself or its link.'),
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


def _basic(username, password):
    """An HTTP Basic authorization value for URL-quoted credentials."""
    credentials = '%s:%s' % (urllib.parse.unquote(username),
                             urllib.parse.unquote(password or ''))
    return 'Basic ' + base64.b64encode(credentials.encode()).decode('ascii')


def _proxies(information):
    """``http_proxy_information`` as scheme -> parsed proxy URL."""
    proxies = {}
    for scheme, proxy in information.items():
        url = proxy if '://' in proxy else 'http://' + proxy
        try:
            parts = urllib.parse.urlsplit(url)
            parts.port
        except ValueError:
            parts = None
        if scheme not in DEFAULT_PORTS or parts is None or \
                parts.scheme != 'http' or not parts.hostname:
            raise exception.ConfigError(
                'http_proxy_information: %r is not an http or https '
                'proxy written host:port or http://host:port'
                % ('%s:%s' % (scheme, store.display_uri(url))))
        proxies[scheme] = parts
    return proxies


def _pin(connection, address):
    """Make ``connection`` connect to ``address`` whatever its host name
    resolves to then; the name stays in Host and in the TLS handshake."""
    def create_connection(host_port, *args, **kwargs):
        return socket.create_connection((address, host_port[1]), *args,
                                        **kwargs)
    connection._create_connection = create_connection


class HttpDriver(base.Driver):
    """Image data on web servers, read-only."""

    name = 'http'
    schemes = ('http', 'https')
    capabilities = base.READ_ONLY
    options = http_opts
    # Resolves host names (socket.getaddrinfo's signature).
    resolver = staticmethod(socket.getaddrinfo)

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
        self._proxies = _proxies(opts.http_proxy_information)
        self._allowed_hosts = frozenset(
            host.lower() for host in opts.http_allowed_internal_hosts)

    def get(self, uri, offset=0, length=None, check=None):
        """See Driver.get; ``check(url)``, called before the request and
        every redirect instead of the store's own address check, raises to
        refuse a URL and answers the address to connect to, as web-download
        filters it.
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
        parts = _parse(url)
        for _ in range(MAX_REDIRECTS + 1):
            if check is not None:
                address = check(url)
            else:
                address = self._address(url, parts)
            connection, target, request_headers = self._connection(
                parts, address)
            request_headers.update(headers or {})
            if parts.username is not None:
                request_headers['Authorization'] = _basic(parts.username,
                                                          parts.password)
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
            try:
                parts = _parse(url)
            except exception.BadStoreUri as e:
                raise _unavailable(uri, 'redirected to a URL this store '
                                        'cannot read (%s)' % e) from None
        raise _unavailable(uri, 'more than %d redirects' % MAX_REDIRECTS)

    def _address(self, url, parts):
        """The address to connect to for ``url``: SourceRefused if its host
        resolves to a loopback, link-local or unspecified address that is
        not allowed.  Through a proxy, None if the name does not resolve
        here (the proxy may know it)."""
        scheme = parts.scheme.lower()
        host = parts.hostname.lower()
        try:
            found = addresses.resolve(
                host, parts.port or DEFAULT_PORTS[scheme], self.resolver)
        except (OSError, UnicodeError) as e:
            if scheme in self._proxies:
                return None
            raise _unavailable(url, 'cannot be read: the host %s cannot be '
                                    'resolved (%s)' % (host, e)) from None
        if host not in self._allowed_hosts:
            refused = addresses.first_refused(
                found, lambda address: not addresses.is_local(address))
            if refused is not None:
                raise exception.SourceRefused(
                    uri=store.display_uri(url),
                    reason='the host %s has the address %s, a loopback, '
                           'link-local or unspecified address; name it in '
                           '[glance_store] http_allowed_internal_hosts to '
                           'allow it' % (host, refused))
        return found[0]

    def _connection(self, parts, address):
        """(connection, request target, headers) for the URL ``parts``:
        through the scheme's proxy if there is one, else to ``address``
        (when not None) under the URL's host name."""
        scheme = parts.scheme.lower()
        port = parts.port or DEFAULT_PORTS[scheme]
        target = parts.path or '/'
        if parts.query:
            target += '?' + parts.query
        proxy = self._proxies.get(scheme)
        headers = {}
        if proxy is not None and proxy.username is not None:
            headers['Proxy-Authorization'] = _basic(proxy.username,
                                                    proxy.password)
        if scheme == 'https':
            if proxy is None:
                connection = http.client.HTTPSConnection(
                    parts.hostname, port, timeout=TIMEOUT,
                    context=self._ssl_context)
            else:
                connection = http.client.HTTPSConnection(
                    proxy.hostname, proxy.port or http.client.HTTP_PORT,
                    timeout=TIMEOUT, context=self._ssl_context)
                connection.set_tunnel(parts.hostname, port, headers)
                headers = {}
        elif proxy is None:
            connection = http.client.HTTPConnection(
                parts.hostname, port, timeout=TIMEOUT)
        else:
            connection = http.client.HTTPConnection(
                proxy.hostname, proxy.port or http.client.HTTP_PORT,
                timeout=TIMEOUT)
            # The absolute form a proxy takes, without the credentials.
            target = store.display_uri(urllib.parse.urlunsplit(
                parts._replace(fragment='')))
        if proxy is None and address is not None:
            _pin(connection, address)
        return connection, target, headers

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
