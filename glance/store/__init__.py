"""The store framework: which drivers exist, and the ones this service uses.

``DRIVERS`` is the table of built-in drivers, store name -> "module:Class".
Third-party drivers register the same way in the entry point group
``glance.store.drivers``; a built-in name wins over an entry point of the
same name.

Importing this package imports no driver and registers no option:
``StoreRegistry(conf)`` registers ``store_opts`` and each enabled driver's
options on ``conf``, then loads and configures the drivers.

External sources (Image API v1's copy-from and location) may only use the
schemes of ``EXTERNAL_SOURCE_SCHEMES``: http(s), swift and s3, never file.
Reading a swift or s3 source needs its driver enabled in ``stores``; if it
is not, reading one raises StoreUnavailable saying so.
"""

from importlib import metadata
import inspect
import urllib.parse

from oslo_config import cfg

from glance.common import exception
from glance.store import base

ENTRY_POINT_GROUP = 'glance.store.drivers'

DRIVERS = {
    'file': 'glance.store.filesystem:FilesystemDriver',
    'filesystem': 'glance.store.filesystem:FilesystemDriver',
    'http': 'glance.store.http:HttpDriver',
    'rbd': 'glance.store.rbd:RbdDriver',
    's3': 'glance.store.s3:S3Driver',
    'swift': 'glance.store.swift:SwiftDriver',
}

EXTERNAL_SOURCE_SCHEMES = frozenset({
    'http', 'https', 'swift', 'swift+http', 'swift+https', 's3', 's3+http',
    's3+https'})

store_opts = [
    cfg.ListOpt('stores', default=['file', 'http'],
                help='Stores this service reads and writes, by name: file '
                     '(also called filesystem), http (read-only: copy-from '
                     'and external locations), swift, s3, rbd (Ceph), or '
                     'a third-party driver '
                     'registered in the "%s" entry point group.  Images '
                     'whose locations use a scheme of no listed store '
                     'cannot be read.' % ENTRY_POINT_GROUP),
    cfg.StrOpt('default_store', default='file',
               help='Store that receives uploads which name none: the name '
                    'or a location scheme of one of the stores.'),
]


def check_external_source(uri):
    """Raise BadStoreUri unless ``uri`` may be an external image source.

    An s3 source must carry its keys: without them the s3 store would read
    it with the service's own, which reach every image it stores.
    """
    scheme, separator, rest = uri.partition('://')
    if not separator or not rest or \
            scheme.lower() not in EXTERNAL_SOURCE_SCHEMES:
        raise exception.BadStoreUri(
            "External sources are not supported: '%s'.  Use an http, "
            "https, swift or s3 URI." % uri)
    if scheme.lower().startswith('s3') and '@' not in rest.partition('/')[0]:
        raise exception.BadStoreUri(
            'An s3 source carries its keys: '
            's3://<access key>:<secret key>@<host>/<bucket>/<key>.')


def display_uri(uri):
    """``uri`` without the credentials it may carry, for messages; only
    its scheme if it cannot be parsed."""
    try:
        parts = urllib.parse.urlsplit(uri)
    except ValueError:
        return uri.partition('://')[0] + '://...'
    netloc = parts.netloc.rpartition('@')[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def known_driver_names():
    names = set(DRIVERS)
    names.update(ep.name for ep in metadata.entry_points(
        group=ENTRY_POINT_GROUP))
    return sorted(names)


def driver_class(name):
    """The Driver subclass called ``name``; ConfigError if there is none."""
    if name in DRIVERS:
        entry_point = metadata.EntryPoint(
            name=name, value=DRIVERS[name], group=ENTRY_POINT_GROUP)
    else:
        entry_point = next(iter(metadata.entry_points(
            group=ENTRY_POINT_GROUP, name=name)), None)
    if entry_point is None:
        raise exception.ConfigError(
            'Unknown store %r in [%s] stores; known stores: %s'
            % (name, base.GROUP, ', '.join(known_driver_names())))
    try:
        cls = entry_point.load()
    except (ImportError, AttributeError) as e:
        raise exception.ConfigError(
            'Store %r (%s) cannot be loaded: %s'
            % (name, entry_point.value, e))
    if not (isinstance(cls, type) and issubclass(cls, base.Driver)):
        raise exception.ConfigError(
            'Store %r (%s) is not a glance.store.base.Driver'
            % (name, entry_point.value))
    return cls


class StoreRegistry:
    """The configured drivers, found by location URI scheme or store name.

    Store names and schemes share one namespace, as in Glance: the file
    driver answers to "file" and "filesystem", a swift driver would answer
    to "swift", "swift+http" and "swift+https".
    """

    def __init__(self, conf):
        conf.register_opts(store_opts, group=base.GROUP)
        self._by_scheme = {}
        by_class = {}
        for name in conf[base.GROUP].stores:
            cls = driver_class(name)
            if cls in by_class:
                continue
            driver = cls(conf)
            driver.configure()
            by_class[cls] = driver
            for scheme in driver.schemes:
                other = self._by_scheme.setdefault(scheme, driver)
                if other is not driver:
                    raise exception.ConfigError(
                        'Stores %r and %r both claim the scheme %r'
                        % (other.name, driver.name, scheme))
        self._drivers = tuple(by_class.values())
        default_store = conf[base.GROUP].default_store
        try:
            self._default = self.driver_for_scheme(default_store)
        except exception.UnknownScheme:
            raise exception.ConfigError(
                'default_store %r is not one of the enabled stores (%s)'
                % (default_store, ', '.join(self._by_scheme))) from None
        if base.WRITE not in self._default.capabilities:
            raise exception.ConfigError(
                'default_store %r is read-only; uploads need a store that '
                'accepts data, such as file' % default_store)
        # Image import's staging area, a filesystem store: imported here,
        # as drivers are, so that importing this package loads none.
        from glance.store import staging
        self.staging = staging.StagingArea(conf)
        self.staging.configure()

    def driver_for_scheme(self, scheme):
        """The driver serving ``scheme`` (or store name); UnknownScheme."""
        try:
            return self._by_scheme[scheme.lower()]
        except KeyError:
            raise exception.UnknownScheme(scheme=scheme) from None

    def driver_for_uri(self, uri):
        """The driver serving a location.

        Raises BadStoreUri, UnknownScheme, or StoreUnavailable for an
        external source scheme (e.g. swift) no enabled store serves.
        """
        scheme, separator, _rest = uri.partition('://')
        if not separator:
            raise exception.BadStoreUri(
                'A store location starts with a scheme, such as file://.')
        try:
            return self.driver_for_scheme(scheme)
        except exception.UnknownScheme:
            if scheme.lower() not in EXTERNAL_SOURCE_SCHEMES:
                raise
            raise exception.StoreUnavailable(
                reason='no store serving %s:// locations is enabled in this '
                       'service ([glance_store] stores), so their data '
                       'cannot be read' % scheme.lower()) from None

    def _capable(self, uri, capability):
        scheme = uri.partition('://')[0].lower()
        driver = self._by_scheme.get(scheme)
        return driver is not None and capability in driver.capabilities

    def reads(self, uri):
        """Whether an enabled store can read the data at ``uri``."""
        return self._capable(uri, base.READ)

    def owns(self, uri):
        """Whether an enabled store can delete the data at ``uri``.

        Data at external locations (read-only stores, or schemes no enabled
        store serves) is not this service's to delete.
        """
        return self._capable(uri, base.DELETE)

    def drivers(self):
        """The enabled drivers, in the order of the ``stores`` option."""
        return self._drivers

    def default_driver(self):
        return self._default

    def driver_for_upload(self, name=None):
        """The store receiving an upload: ``name``, or the default store.

        InvalidParameterValue if no enabled store has that name or it is
        read-only.
        """
        if name is None:
            return self._default
        driver = self._by_scheme.get(name.lower())
        if driver is None or base.WRITE not in driver.capabilities:
            raise exception.InvalidParameterValue(
                param='store', value=name,
                extra='no enabled store of this name accepts image data; '
                      'writable stores: %s' % ', '.join(sorted(
                          scheme for scheme, d in self._by_scheme.items()
                          if base.WRITE in d.capabilities)))
        return driver

    def get(self, uri, offset=0, length=None):
        return self.driver_for_uri(uri).get(uri, offset, length)

    def fetch(self, uri, check):
        """All the data at an external ``uri``, through a store that
        filters every URL it requests with ``check`` (see HttpDriver.get):
        web-download.  BadStoreUri if no enabled store can."""
        driver = self.driver_for_uri(uri)
        if 'check' not in inspect.signature(driver.get).parameters:
            raise exception.BadStoreUri(
                'The %s store cannot fetch image data for import.'
                % driver.name)
        return driver.get(uri, check=check)

    def get_size(self, uri):
        return self.driver_for_uri(uri).get_size(uri)

    def delete(self, uri):
        return self.driver_for_uri(uri).delete(uri)

    def check_deletable(self, uri):
        return self.driver_for_uri(uri).check_deletable(uri)

    def keeps_acls(self, uri):
        """Whether the store of ``uri`` decides with ACLs who reads it."""
        driver = self._by_scheme.get(uri.partition('://')[0].lower())
        return driver is not None and driver.keeps_acls

    def set_acls(self, uri, public=False, read_tenants=()):
        return self.driver_for_uri(uri).set_acls(uri, public, read_tenants)

    def purge(self, image_id):
        """Driver.purge in every writable store and the staging area; the
        names removed.

        Every store is tried; the first StoreDeleteFailed is raised after.
        """
        return self._in_writable_stores(
            lambda driver: driver.purge(image_id))

    def clean_stale_partials(self, older_than_seconds):
        """Driver.clean_stale_partials in every writable store and the
        staging area; the names removed."""
        return self._in_writable_stores(
            lambda driver: driver.clean_stale_partials(older_than_seconds))

    def _in_writable_stores(self, remove):
        removed, failures = [], []
        for driver in self._drivers + (self.staging,):
            if base.WRITE not in driver.capabilities:
                continue
            try:
                removed.extend(remove(driver))
            except exception.StoreDeleteFailed as e:
                failures.append(e)
        if failures:
            raise failures[0]
        return removed
