"""Swift store: each image is one object of an OpenStack Swift container.

Locations:

* ``swift+config://<reference>/<container>/<image id>``: what this store
  writes in single-tenant mode.  The reference names a section of
  ``swift_store_config_file`` (glance-swift.conf) holding the auth address,
  user and key, so no credentials are kept in the database.
* ``swift+https://<storage URL without scheme>/<container>/<image id>``
  (or ``swift+http://``): what this store writes in multi-tenant mode, a
  container per image in the owner's account, reached with the caller's
  token.
* ``swift://user:key@<auth address>/<container>/<object>`` (or
  ``swift+http://``, ``swift+https://``), credentials in the URI: read
  only, for external sources; the auth version follows the address
  (``/v3`` -> Keystone v3, ``/v2.0`` -> v2, else v1).

Uploads of known size under ``swift_store_large_object_size`` are one
streamed PUT.  Larger ones, and all of unknown size, go as a static large
object: segments of ``swift_store_large_object_chunk_size`` named
``<image id>/<upload token>/<number>`` in the image's container, each a
streamed PUT, then the manifest ``<image id>``.  A manifest or object is
only ever created (``If-None-Match: *``), never replaced, so two uploads
of one image cannot overwrite each other, and it appears whole or not at
all.  A failed upload removes its segments; a process that died leaves
them to ``delete_partial``, ``purge`` and ``clean_stale_partials``, which
finds them by the marker (``.<image id>.<upload token>.partial``) that
stands while an upload writes.

In multi-tenant mode the container's ACLs (``set_acls``) let the image's
readers read it with their own tokens.

Reads stream in chunks of 1 MiB; a read that breaks is resumed from the
byte it reached, up to ``swift_store_retry_get_count`` times.  Deleting a
large object deletes its segments (static or dynamic, as OpenStack Glance
writes them).
"""

import configparser
import datetime
import http.client
import json
import logging
import urllib.parse

from oslo_config import cfg
import requests
import requests.adapters
import swiftclient
import urllib3

from glance.common import exception
from glance.common import ids
from glance import context as context_mod
from glance import store
from glance.store import base
from glance.store import probe
from glance.store import segments as segments_mod

LOG = logging.getLogger(__name__)

MiB = 1024 * 1024
# Seconds a Swift connection may stay silent before the request fails.
TIMEOUT = 60
CONFIG_SCHEME = 'swift+config'
AUTH_VERSIONS = ('1', '2', '3')
# Errors of a connection or of a body cut short, as swiftclient (requests
# and urllib3 under it) raises them.
CONNECTION_ERRORS = (OSError, requests.RequestException,
                     urllib3.exceptions.HTTPError, http.client.HTTPException)

swift_opts = [
    cfg.StrOpt('default_swift_reference', default='ref1',
               help='Section of swift_store_config_file holding the '
                    'credentials this store writes with; its name is kept '
                    'in the locations of the images stored '
                    '(swift+config://<reference>/...).'),
    cfg.StrOpt('swift_store_config_file',
               help='File (glance-swift.conf) whose sections, one per '
                    'reference, give auth_address, user ("project:user"), '
                    'key, auth_version (1, 2 or 3; default 2), and for '
                    'Keystone v3 user_domain_id or user_domain_name and '
                    'project_domain_id or project_domain_name.  Without '
                    'it, a single-tenant store only reads locations that '
                    'carry their own credentials.'),
    cfg.StrOpt('swift_store_container', default='glance',
               help='Container holding the images; in multi-tenant mode '
                    'the prefix of the per-image containers '
                    '(<container>_<image id>).'),
    cfg.BoolOpt('swift_store_create_container_on_put', default=False,
                help='Create the container at the first upload if it does '
                     'not exist, rather than failing the upload.'),
    cfg.IntOpt('swift_store_large_object_size', default=5 * 1024, min=1,
               help='Size in MiB from which an image is stored as a static '
                    'large object, in segments; images of unknown size '
                    'always are.  Swift refuses single objects over 5 GiB '
                    'by default.'),
    cfg.IntOpt('swift_store_large_object_chunk_size', default=200, min=1,
               help='Size in MiB of the segments of a large object.'),
    cfg.BoolOpt('swift_store_multi_tenant', default=False,
                help='Store each image in a container of its own '
                     '(<swift_store_container>_<image id>) in the account '
                     'of the project uploading it, with the caller\'s '
                     'token, rather than in one account for the service.  '
                     'Needs the Swift endpoint from the request\'s service '
                     'catalog or swift_store_endpoint.'),
    cfg.ListOpt('swift_store_admin_tenants', default=[],
                help='Projects given read and write access to every '
                     'per-image container, in multi-tenant mode.'),
    cfg.IntOpt('swift_store_retry_get_count', default=0, min=0,
               help='How many times a read that breaks off is resumed from '
                    'the byte it reached before the download fails.'),
    cfg.StrOpt('swift_store_endpoint',
               help='Storage URL used instead of the one authentication or '
                    'the service catalog gives, e.g. '
                    'https://swift.example.com/v1/AUTH_glance.'),
    cfg.StrOpt('swift_store_region',
               help='Region of the Swift endpoint taken from the service '
                    'catalog (Keystone auth and multi-tenant mode).'),
    cfg.StrOpt('swift_store_endpoint_type', default='publicURL',
               choices=('publicURL', 'adminURL', 'internalURL'),
               help='Interface of the Swift endpoint taken from the service '
                    'catalog.'),
    cfg.StrOpt('swift_store_service_type', default='object-store',
               help='Service type of Swift in the service catalog.'),
    cfg.BoolOpt('swift_store_auth_insecure', default=False,
                help='Talk https to Swift and its auth service without '
                     'verifying their certificates.'),
    cfg.StrOpt('swift_store_cacert',
               help='CA bundle to verify the certificates of Swift and its '
                    'auth service with; the system bundle when unset.'),
]


class _Credentials:
    """How to authenticate: one section of glance-swift.conf, or the user
    and key of a location."""

    def __init__(self, auth_address, user, key, auth_version='2',
                 domains=None):
        if auth_version not in AUTH_VERSIONS:
            raise ValueError('auth_version must be one of %s, not %r'
                             % (', '.join(AUTH_VERSIONS), auth_version))
        self.auth_address = auth_address
        self.user = user
        self.key = key
        self.auth_version = auth_version
        self.domains = domains or {}

    def connection_args(self):
        if self.auth_version == '1':
            return {'authurl': self.auth_address, 'user': self.user,
                    'key': self.key, 'auth_version': '1'}
        project, _, user = self.user.rpartition(':')
        options = {'project_name': project, 'tenant_name': project}
        options.update(self.domains)
        return {'authurl': self.auth_address, 'user': user, 'key': self.key,
                'auth_version': self.auth_version, 'os_options': options}


def read_references(path):
    """The _Credentials of each section of a glance-swift.conf; ConfigError.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as f:
            parser.read_file(f)
    except (OSError, configparser.Error) as e:
        raise exception.ConfigError(
            'swift_store_config_file %s cannot be read: %s' % (path, e))
    references = {}
    for name in parser.sections():
        section = parser[name]
        missing = [o for o in ('auth_address', 'user', 'key')
                   if not section.get(o)]
        if missing:
            raise exception.ConfigError(
                'Reference [%s] of %s lacks %s'
                % (name, path, ', '.join(missing)))
        domains = {o: section[o] for o in (
            'user_domain_id', 'user_domain_name', 'project_domain_id',
            'project_domain_name') if section.get(o)}
        try:
            references[name] = _Credentials(
                section['auth_address'], section['user'], section['key'],
                section.get('auth_version', '2'), domains)
        except ValueError as e:
            raise exception.ConfigError('Reference [%s] of %s: %s'
                                        % (name, path, e))
    return references


class Location:
    """A parsed swift location: where the object is and how to reach it.

    Exactly one of ``reference`` (swift+config), ``credentials`` (user and
    key in the URI) or ``storage_url`` (multi-tenant) is set.
    """

    def __init__(self, container, obj, reference=None, credentials=None,
                 storage_url=None):
        self.container = container
        self.obj = obj
        self.reference = reference
        self.credentials = credentials
        self.storage_url = storage_url

    @classmethod
    def parse(cls, uri):
        """BadStoreUri unless ``uri`` is a swift location."""
        scheme, separator, rest = uri.partition('://')
        scheme = scheme.lower()
        if not separator or scheme not in SwiftDriver.schemes:
            raise exception.BadStoreUri(
                'Not a swift location: %s' % store.display_uri(uri))
        credentials_part, at, address = rest.rpartition('@')
        path, _, obj = address.rpartition('/')
        base_part, _, container = path.rpartition('/')
        if not (obj and container and base_part) or '?' in rest \
                or '#' in rest:
            raise exception.BadStoreUri(
                'A swift location ends in /<container>/<object>: %s'
                % store.display_uri(uri))
        container = urllib.parse.unquote(container)
        obj = urllib.parse.unquote(obj)
        if scheme == CONFIG_SCHEME:
            if at or '/' in base_part:
                raise exception.BadStoreUri(
                    'A swift+config location is swift+config://<reference>'
                    '/<container>/<object>: %s' % store.display_uri(uri))
            return cls(container, obj, reference=base_part)
        web_scheme = 'http' if scheme == 'swift+http' else 'https'
        base_url = '%s://%s' % (web_scheme, base_part)
        if not at:
            return cls(container, obj, storage_url=base_url)
        user, colon, key = credentials_part.rpartition(':')
        if not colon or not user:
            raise exception.BadStoreUri(
                'The credentials of a swift location are user:key: %s'
                % store.display_uri(uri))
        version = '1'
        if base_url.rstrip('/').endswith('/v3'):
            version = '3'
        elif base_url.rstrip('/').endswith('/v2.0'):
            version = '2'
        return cls(container, obj, credentials=_Credentials(
            base_url, urllib.parse.unquote(user),
            urllib.parse.unquote(key), version))


class _Connection(swiftclient.Connection):
    """A swiftclient Connection that uses ``storage_url``, when set,
    rather than the storage URL authentication gives."""

    cache_key = None
    storage_url = None

    def get_auth(self):
        url, token = super().get_auth()
        return self.storage_url or url, token

    def http_connection(self, url=None):
        parsed, connection = super().http_connection(url)
        for prefix in ('http://', 'https://'):
            connection.request_session.mount(prefix, _LargeBlocks())
        return parsed, connection


class _LargeBlocks(requests.adapters.HTTPAdapter):
    """Sends request bodies in writes of WRITE_CHUNK_SIZE, not urllib3's
    16 KiB: under eventlet each write costs a fixed ~40 us."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs['blocksize'] = base.WRITE_CHUNK_SIZE
        super().init_poolmanager(*args, **kwargs)


def _status(error):
    return getattr(error, 'http_status', None)


def _unavailable(error, doing):
    """StoreUnavailable for a swiftclient or connection error."""
    status = _status(error)
    if status is not None:
        problem = 'Swift answered HTTP %d' % status
    else:
        problem = str(error) or type(error).__name__
    return exception.StoreUnavailable(reason='%s: %s' % (doing, problem))


def _not_found():
    return exception.NotFound('No image data at this swift store location.')


class SwiftDriver(base.Driver):
    """Images as objects in OpenStack Swift."""

    name = 'swift'
    schemes = ('swift', 'swift+http', 'swift+https', CONFIG_SCHEME)
    capabilities = base.READ_WRITE
    options = swift_opts

    def configure(self):
        opts = self.opts
        self.container = opts.swift_store_container
        self.create_container = opts.swift_store_create_container_on_put
        self.large_object_size = opts.swift_store_large_object_size * MiB
        self.segment_size = opts.swift_store_large_object_chunk_size * MiB
        self.multi_tenant = opts.swift_store_multi_tenant
        self.keeps_acls = self.multi_tenant
        self.admin_tenants = opts.swift_store_admin_tenants
        self.retry_get_count = opts.swift_store_retry_get_count
        self.endpoint = opts.swift_store_endpoint
        self._tls = {'insecure': opts.swift_store_auth_insecure,
                     'cacert': opts.swift_store_cacert}
        self._catalog_filter = {
            'service_type': opts.swift_store_service_type,
            'endpoint_type': opts.swift_store_endpoint_type,
            'region_name': opts.swift_store_region}
        self.references = {}
        if opts.swift_store_config_file:
            self.references = read_references(opts.swift_store_config_file)
        self.reference = opts.default_swift_reference
        self._auth_cache = {}
        self.capabilities = type(self).capabilities
        if not self.multi_tenant and self.reference not in self.references:
            self.capabilities = base.READ_ONLY
            LOG.warning(
                'The swift store is read-only: default_swift_reference %r '
                'is not a section of swift_store_config_file (%s), so it '
                'has no credentials to write with.', self.reference,
                opts.swift_store_config_file or 'unset')

    # -- connections --------------------------------------------------------

    def _connection(self, location=None):
        """A swiftclient Connection for ``location`` (default: where new
        images go), reusing the token of earlier calls."""
        args = {'retries': 0, 'timeout': TIMEOUT, **self._tls}
        if self.multi_tenant and (location is None
                                  or location.storage_url is not None):
            context = context_mod.current()
            if context is None or not context.auth_token:
                raise exception.StoreUnavailable(
                    reason='a multi-tenant swift store needs the token of '
                           'the request')
            url = location.storage_url if location else \
                self._tenant_storage_url(context)
            return _Connection(
                preauthurl=url, preauthtoken=context.auth_token, **args)
        if location is not None and location.storage_url is not None:
            raise exception.BadStoreUri(
                'A swift location without credentials or reference is only '
                'read in multi-tenant mode.')
        if location is not None and location.credentials is not None:
            credentials, cache_key = location.credentials, None
        else:
            name = location.reference if location else self.reference
            credentials = self.references.get(name)
            if credentials is None:
                raise exception.StoreUnavailable(
                    reason='no reference %r in swift_store_config_file'
                           % name)
            cache_key = name
        url, token = self._auth_cache.get(cache_key, (None, None))
        connection = _Connection(
            preauthurl=url, preauthtoken=token,
            **self._auth_args(credentials), **args)
        connection.cache_key = cache_key
        if cache_key is not None:
            # The operator's endpoint, not the locations' own auth.
            connection.storage_url = self.endpoint
        return connection

    def _auth_args(self, credentials):
        """swiftclient's arguments to authenticate with ``credentials``,
        finding Swift in the catalog as configured."""
        options = credentials.connection_args()
        if 'os_options' in options:
            options['os_options'].update(
                {k: v for k, v in self._catalog_filter.items() if v})
        return options

    def check_backend(self):
        """Authenticate with default_swift_reference and look for the
        container, in a process of its own (glance.store.probe).  In
        multi-tenant mode there are no credentials of the service's own:
        only swift_store_endpoint, when set, is checked to answer."""
        if self.multi_tenant:
            if not self.endpoint:
                LOG.debug('The multi-tenant swift store has nothing to '
                          'check at start: each request brings its token '
                          'and its catalog, and swift_store_endpoint is '
                          'not set.')
                return None
            where = 'The Swift endpoint %s' % self.endpoint
            settings = {'endpoint': self.endpoint}
        elif base.WRITE not in self.capabilities:
            return None  # configure() said why it has no credentials.
        else:
            credentials = self.references[self.reference]
            where = 'Swift (auth %s, user %s, reference %s)' % (
                credentials.auth_address, credentials.user, self.reference)
            settings = {'auth': self._auth_args(credentials),
                        'storage_url': self.endpoint,
                        'container': self.container,
                        'create': self.create_container}
        try:
            probe.run(__name__, dict(settings, tls=self._tls))
        except probe.Unusable as e:
            return '%s %s' % (where, e)
        return None

    def _remember_auth(self, connection):
        key = connection.cache_key
        if key is not None and connection.url and connection.token:
            self._auth_cache[key] = (connection.url, connection.token)

    def _tenant_storage_url(self, context):
        """The caller's Swift endpoint in its catalog: in the v2 form
        keystonemiddleware passes on (``publicURL``... keys), or in v3's
        (an ``interface`` and a ``url`` per endpoint)."""
        if self.endpoint:
            return self.endpoint
        endpoint_type = self._catalog_filter['endpoint_type']
        interface = endpoint_type[:-len('URL')]
        region = self._catalog_filter['region_name']
        for service in context.service_catalog or ():
            if service.get('type') != self._catalog_filter['service_type']:
                continue
            for endpoint in service.get('endpoints', ()):
                if region and endpoint.get('region') != region:
                    continue
                if endpoint.get(endpoint_type):
                    return endpoint[endpoint_type]
                if endpoint.get('interface') == interface and \
                        endpoint.get('url'):
                    return endpoint['url']
        raise exception.StoreUnavailable(
            reason='no %s endpoint of type %s in the service catalog of '
                   'the request, and no swift_store_endpoint'
                   % (self._catalog_filter['endpoint_type'],
                      self._catalog_filter['service_type']))

    def _call(self, connection, doing, method, *args, **kwargs):
        """``connection.method(...)`` with errors mapped: NotFound for 404,
        StoreUnavailable for the rest."""
        try:
            return getattr(connection, method)(*args, **kwargs)
        except swiftclient.ClientException as e:
            if _status(e) == 404:
                raise _not_found() from None
            if _status(e) == 413:
                # An object over Swift's size limit, or an account quota.
                raise exception.StorageFull(
                    'Swift refused the image as too large (HTTP 413): %s'
                    % doing) from e
            raise _unavailable(e, doing) from e
        except CONNECTION_ERRORS as e:
            raise _unavailable(e, doing) from e
        finally:
            self._remember_auth(connection)

    # -- writing ------------------------------------------------------------

    def _image_container(self, image_id):
        if self.multi_tenant:
            return '%s_%s' % (self.container, image_id)
        return self.container

    def _location_uri(self, connection, container, image_id):
        if self.multi_tenant:
            scheme, _, rest = connection.url.partition('://')
            return 'swift+%s://%s/%s/%s' % (scheme, rest.rstrip('/'),
                                            container, image_id)
        return '%s://%s/%s/%s' % (CONFIG_SCHEME, self.reference, container,
                                  image_id)

    def add(self, image_id, reader, size=None):
        base.check_image_id(image_id)
        if base.WRITE not in self.capabilities:
            return super().add(image_id, reader, size)
        connection = self._connection()
        container = self._image_container(image_id)
        self._ensure_container(connection, container)
        try:
            self._call(connection, 'checking for the image',
                       'head_object', container, image_id)
            raise exception.Duplicate(
                'Image %s already has data in the swift store.' % image_id)
        except exception.NotFound:
            pass
        try:
            if size is not None and size < self.large_object_size:
                written = self._put_object(connection, container, image_id,
                                           reader, size)
            else:
                written = self._put_large_object(connection, container,
                                                 image_id, reader)
        except BaseException:
            if self.multi_tenant:
                self._remove_container_quietly(connection, container)
            raise
        return base.StoredImage(
            self._location_uri(connection, container, image_id), written)

    def _ensure_container(self, connection, container):
        try:
            self._call(connection, 'checking the container',
                       'head_container', container)
            return
        except exception.NotFound:
            if not (self.create_container or self.multi_tenant):
                raise exception.StoreUnavailable(
                    reason='the swift container %r does not exist; create '
                           'it or set swift_store_create_container_on_put'
                           % container) from None
        headers = self._acls(False, ()) if self.multi_tenant else {}
        self._call(connection, 'creating the container', 'put_container',
                   container, headers=headers)

    def _acls(self, public, read_tenants):
        """Container ACLs of a multi-tenant image: every authenticated
        caller reads a public one (as glance_store, ``*:*``), else its
        ``read_tenants``; swift_store_admin_tenants read and write all."""
        readers = ['*'] if public else [*read_tenants, *self.admin_tenants]
        return {'X-Container-Read': ','.join('%s:*' % t for t in readers),
                'X-Container-Write': ','.join(
                    '%s:*' % t for t in self.admin_tenants)}

    def set_acls(self, uri, public=False, read_tenants=()):
        """Let the callers who may read the image read its container (a
        container per image: multi-tenant locations only)."""
        location = Location.parse(uri)
        if not self.multi_tenant or location.storage_url is None:
            return
        self._call(self._connection(location), 'setting the container ACLs',
                   'post_container', location.container,
                   headers=self._acls(public, read_tenants))

    def _put_object(self, connection, container, name, reader, size):
        """One streamed PUT of ``size`` bytes, which must be all of them."""
        try:
            self._call(connection, 'storing the image', 'put_object',
                       container, name, _Body(reader) if size else None,
                       content_length=size,
                       chunk_size=self.write_chunk_size,
                       headers={'If-None-Match': '*'})
        except exception.StoreUnavailable as e:
            if _status(e.__cause__) == 412:
                raise exception.Duplicate(
                    'Image %s already has data in the swift store.'
                    % name) from None
            raise
        try:
            if segments_mod.fill(reader, memoryview(bytearray(1))):
                raise exception.BadRequest(
                    'The request carries more image data than the declared '
                    'size of %d bytes.' % size)
        except BaseException:
            self._delete_quietly(connection, container, name)
            raise
        return size

    def _put_large_object(self, connection, container, image_id, reader):
        """Segments, then the manifest; the segments go if anything fails.

        A marker with a partial name (``.<image id>.<token>.partial``)
        stands while the upload writes, so that maintenance finds the
        uploads a dead process left with one short listing.
        """
        marker = base.partial_name(image_id)
        prefix = '%s/%s/' % (image_id, _marker_token(marker))
        segments = segments_mod.Segments(reader, self.segment_size)
        manifest = []
        self._call(connection, 'starting the upload', 'put_object',
                   container, marker, b'')
        try:
            if not segments.more():
                return self._put_object(connection, container, image_id,
                                        reader, 0)
            while segments.more():
                name = '%s%08d' % (prefix, len(manifest) + 1)
                segment = segments.next()
                etag = self._call(connection, 'storing a segment',
                                  'put_object', container, name, segment,
                                  chunk_size=self.write_chunk_size)
                manifest.append({'path': '/%s/%s' % (container, name),
                                 'etag': etag, 'size_bytes': segment.size})
            self._put_manifest(connection, container, image_id, manifest)
        except BaseException:
            self._remove_segments(connection, container, prefix)
            raise
        finally:
            self._delete_quietly(connection, container, marker)
        return segments.total

    def _put_manifest(self, connection, container, image_id, manifest):
        try:
            self._call(connection, 'storing the manifest', 'put_object',
                       container, image_id, json.dumps(manifest),
                       query_string='multipart-manifest=put',
                       headers={'If-None-Match': '*'})
        except exception.StoreUnavailable as e:
            status = _status(e.__cause__)
            if status == 412:
                raise exception.Duplicate(
                    'Image %s already has data in the swift store.'
                    % image_id) from None
            if status == 400:
                # A segment went meanwhile: delete_partial removed them.
                raise exception.UploadCancelled() from None
            raise

    def _remove_segments(self, connection, container, prefix):
        """Delete the objects named ``prefix``...; the names removed.
        Logged, never raised."""
        listing = self._list_quietly(connection, container, prefix) or ()
        return self._delete_all_quietly(
            connection, container, [item['name'] for item in listing])

    def _list_quietly(self, connection, container, prefix):
        """The objects named ``prefix``... (a listing of that prefix only);
        None, logged, if Swift fails."""
        try:
            return self._call(connection, 'listing objects', 'get_container',
                              container, prefix=prefix, full_listing=True)[1]
        except exception.NotFound:
            return []
        except exception.StoreUnavailable as e:
            LOG.warning('Could not list the objects %s* in %s: %s', prefix,
                        container, e)
            return None

    def _delete_all_quietly(self, connection, container, names):
        return [name for name in names
                if self._delete_quietly(connection, container, name)]

    def _delete_quietly(self, connection, container, name):
        try:
            self._call(connection, 'removing an object', 'delete_object',
                       container, name)
            return True
        except exception.NotFound:
            return False
        except exception.StoreUnavailable as e:
            LOG.warning('Could not remove %s/%s from swift: %s', container,
                        name, e)
            return False

    # -- reading ------------------------------------------------------------

    def get(self, uri, offset=0, length=None):
        location = Location.parse(uri)
        if offset < 0 or (length is not None and length < 0):
            raise exception.InvalidRange()
        if length == 0:
            self.get_size(uri)
            return base.ImageData([], 0)
        connection = self._connection(location)
        response, body = self._open(connection, location, offset, length)
        size = int(response['content-length'])
        reader = _Reader(self, connection, location, body, offset, size)
        return base.ImageData(reader, size, reader.close)

    def _open(self, connection, location, offset, length):
        headers = {}
        if offset or length is not None:
            end = '' if length is None else str(offset + length - 1)
            headers['Range'] = 'bytes=%d-%s' % (offset, end)
        try:
            return self._call(connection, 'reading the image', 'get_object',
                              location.container, location.obj,
                              resp_chunk_size=base.READ_CHUNK_SIZE,
                              headers=headers)
        except exception.StoreUnavailable as e:
            if _status(e.__cause__) == 416:
                raise exception.InvalidRange() from None
            raise

    def get_size(self, uri):
        location = Location.parse(uri)
        headers = self._call(self._connection(location), 'reading the size',
                             'head_object', location.container, location.obj)
        return int(headers['content-length'])

    # -- removal ------------------------------------------------------------

    def delete(self, uri):
        location = Location.parse(uri)
        connection = self._connection(location)
        try:
            headers = self._call(connection, 'finding the image',
                                 'head_object', location.container,
                                 location.obj)
            self._delete_object(connection, location.container,
                                location.obj, headers)
        except exception.NotFound:
            raise
        except exception.StoreUnavailable as e:
            raise exception.StoreDeleteFailed(reason=e.msg) from e
        if self.multi_tenant and location.storage_url is not None:
            self._remove_container_quietly(connection, location.container)

    def _delete_object(self, connection, container, name, headers):
        """Delete an object, and its segments if it is a large object."""
        if headers.get('x-static-large-object', '').lower() == 'true':
            self._call(connection, 'removing the image', 'delete_object',
                       container, name,
                       query_string='multipart-manifest=delete')
            # Swift answers 200 to this even when it refused to delete
            # (403 for a caller who may only read): see whether it did.
            try:
                self._call(connection, 'checking the removal',
                           'head_object', container, name)
            except exception.NotFound:
                return
            raise exception.StoreUnavailable(
                reason='Swift kept the large object %s/%s (it refused to '
                       'delete it or its segments)' % (container, name))
        self._call(connection, 'removing the image', 'delete_object',
                   container, name)
        dlo = headers.get('x-object-manifest')
        if dlo:
            segment_container, _, prefix = urllib.parse.unquote(
                dlo).partition('/')
            self._remove_segments(connection, segment_container, prefix)

    def _remove_container_quietly(self, connection, container):
        try:
            self._call(connection, 'removing the container',
                       'delete_container', container)
        except (exception.NotFound, exception.StoreUnavailable):
            pass

    def _published_tokens(self, connection, container, image_id):
        """Upload tokens of the segments the image's manifest names."""
        try:
            headers = self._call(connection, 'finding the image',
                                 'head_object', container, image_id)
            if headers.get('x-static-large-object', '').lower() != 'true':
                return set()  # No manifest to read (nor data to fetch).
            _headers, body = self._call(
                connection, 'reading the manifest', 'get_object', container,
                image_id, query_string='multipart-manifest=get')
        except exception.NotFound:
            return set()
        try:
            manifest = json.loads(body)
        except ValueError:
            manifest = None
        if not isinstance(manifest, list):
            raise exception.StoreUnavailable(
                reason='the manifest of image %s cannot be read' % image_id)
        # Segment names: /<container>/<image id>/<token>/<number>.
        return {_upload_token(segment.get('name', '').split('/', 2)[-1])
                for segment in manifest if isinstance(segment, dict)}

    def delete_partial(self, image_id):
        """The names of the segments of ``image_id``'s unfinished uploads
        removed."""
        return self._remove_image_data(image_id, keep_published=True)

    def purge(self, image_id):
        """The names removed: every segment of ``image_id`` and its object.
        """
        return self._remove_image_data(image_id, keep_published=False)

    def _remove_image_data(self, image_id, keep_published):
        base.check_image_id(image_id)
        if base.WRITE not in self.capabilities or self.multi_tenant:
            # Multi-tenant: the data is in the owner's account, reached
            # only through its locations.
            return []
        connection = self._connection()
        container = self._image_container(image_id)
        try:
            keep = set()
            if keep_published:
                keep = self._published_tokens(connection, container,
                                              image_id)
            listings = [self._call(
                connection, 'listing segments', 'get_container', container,
                prefix=prefix, full_listing=True)[1]
                for prefix in (image_id + '/', '.%s.' % image_id)]
        except exception.NotFound:
            return []
        except exception.StoreUnavailable as e:
            raise exception.StoreDeleteFailed(reason=e.msg) from e
        removed, failures = [], []
        segments, markers = listings
        names = [item['name'] for item in segments
                 if _upload_token(item['name']) not in keep]
        # The markers of its uploads: unfinished, or of a process that died
        # before removing its own.
        names += [item['name'] for item in markers
                  if _marker_upload(item['name'])]
        if not keep_published:
            names.append(image_id)
        for name in names:
            try:
                self._call(connection, 'removing an object',
                           'delete_object', container, name)
                removed.append(name)
            except exception.NotFound:
                pass
            except exception.StoreUnavailable as e:
                failures.append(e)
        if removed:
            LOG.info('Removed from swift container %s: %s', container,
                     ', '.join(removed))
        if failures:
            raise exception.StoreDeleteFailed(reason=failures[0].msg)
        return removed

    def clean_stale_partials(self, older_than_seconds):
        """Remove the segments of uploads that wrote none for
        ``older_than_seconds`` and that no manifest names.

        Only uploads whose partial-name marker stands are candidates: one
        listing of the partial-name prefix finds them, rather than a
        listing of the whole container, then one listing of each one's
        segments.
        """
        if base.WRITE not in self.capabilities or self.multi_tenant:
            return []
        cutoff = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None) - datetime.timedelta(seconds=older_than_seconds)
        connection = self._connection()
        removed = []
        markers = self._list_quietly(connection, self.container, '.') or ()
        for marker in markers:
            upload = _marker_upload(marker['name'])
            if upload is None:
                continue
            segments = self._list_quietly(connection, self.container,
                                          upload + '/')
            if segments is None or max(
                    datetime.datetime.fromisoformat(item['last_modified'])
                    for item in [marker, *segments]) >= cutoff:
                continue
            try:
                published = self._published_tokens(
                    connection, self.container, upload.partition('/')[0])
            except exception.StoreUnavailable:
                continue
            names = [] if upload in published else [
                item['name'] for item in segments]
            removed += self._delete_all_quietly(
                connection, self.container, names + [marker['name']])
        if removed:
            LOG.info('Removed %d stale segments and markers from swift '
                     'container %s', len(removed), self.container)
        return removed


def check(settings):
    """In the process check_backend starts (glance.store.probe): see that
    the endpoint answers (multi-tenant), or authenticate and look for the
    container as an upload would."""
    timeout, tls = settings['timeout'], settings['tls']
    if 'endpoint' in settings:
        try:
            requests.head(settings['endpoint'], timeout=timeout,
                          verify=not tls['insecure'] and (tls['cacert']
                                                          or True))
        except requests.RequestException as e:
            raise probe.Unusable('cannot be reached (%s)'
                                 % probe.root_cause(e)) from None
        return None
    connection = _Connection(retries=0, timeout=timeout, **tls,
                             **settings['auth'])
    connection.storage_url = settings['storage_url']
    try:
        connection.url, connection.token = connection.get_auth()
    except swiftclient.ClientException as e:
        raise probe.Unusable('refused to authenticate it (%s)' % e) from None
    except Exception as e:
        raise probe.Unusable('cannot be reached (%s)'
                             % probe.root_cause(e)) from None
    container = settings['container']
    try:
        connection.head_container(container)
    except swiftclient.ClientException as e:
        if _status(e) != 404:
            raise probe.Unusable('answered HTTP %s for the container %r'
                                 % (_status(e), container)) from None
        if not settings['create']:
            raise probe.Unusable(
                'has no container %r, and '
                'swift_store_create_container_on_put is off'
                % container) from None
    except Exception as e:
        raise probe.Unusable('cannot be reached at its storage URL %s (%s)'
                             % (connection.url,
                                probe.root_cause(e))) from None
    return None


def _marker_token(marker):
    """The random part of a partial name, ``.<owner>.<token>.partial``."""
    return marker.split('.')[2]


def _marker_upload(name):
    """``<image id>/<token>`` of an upload's marker, None for other names.
    """
    match = base.PARTIAL_NAME.fullmatch(name)
    if match is None or not ids.is_uuid(match['owner']):
        return None
    return '%s/%s' % (match['owner'], _marker_token(name))


def _upload_token(name):
    """``<image id>/<token>`` of a segment name, None for other names."""
    image_id, _, rest = name.partition('/')
    token, _, number = rest.partition('/')
    if not (ids.is_uuid(image_id) and token and number.isdigit()):
        return None
    return '%s/%s' % (image_id, token)


class _Body:
    """Only the reading of a stream: swiftclient would seek in a stream
    that has seek(), and an upload cannot go back."""

    def __init__(self, stream):
        self._stream = stream

    def read(self, size=-1):
        return self._stream.read(size)


class _Reader:
    """The chunks of an object from ``offset``, resuming a broken read."""

    def __init__(self, driver, connection, location, body, offset, size):
        self._driver = driver
        self._connection = connection
        self._location = location
        self._body = body
        self._offset = offset
        self._size = size
        self._retries = driver.retry_get_count

    def __iter__(self):
        received = 0
        body = iter(self._body)
        while received < self._size:
            try:
                chunk = next(body, b'')
            except CONNECTION_ERRORS as e:
                chunk, error = None, e
            else:
                error = None
            if chunk:
                received += len(chunk)
                yield chunk
                continue
            if not self._retries:
                raise exception.StoreUnavailable(
                    reason='reading the image from swift broke off after %d '
                           'of %d bytes%s' % (received, self._size,
                                              ': %s' % error if error
                                              else ''))
            self._retries -= 1
            LOG.warning('Reading %s from swift broke off after %d bytes; '
                        'resuming', self._location.obj, received)
            self.close()
            _response, self._body = self._driver._open(
                self._connection, self._location, self._offset + received,
                self._size - received)
            body = iter(self._body)
        self.close()

    def close(self):
        close = getattr(self._body, 'close', None)
        if close is not None:
            close()
