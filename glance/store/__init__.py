"""The store framework: which drivers exist, and the ones this service uses.

One store (``[glance_store] stores``, ``default_store``), or several at
once as Glance's multi-store: ``[DEFAULT] enabled_backends = id:type,...``
names each store, ``[glance_store] default_backend`` the one receiving
uploads that name none, and each store reads its driver's options from the
section named by its id, so two stores of one type (two filesystem
directories) each have theirs.  Ids starting ``os_glance_`` are Glance's
reserved internal stores (the staging area is ``os_glance_staging_store``).

``DRIVERS`` is the table of built-in drivers, store name -> "module:Class".
Third-party drivers register the same way in the entry point group
``glance.store.drivers``; a built-in name wins over an entry point of the
same name.

Importing this package imports no driver and registers no option:
``StoreRegistry(conf)`` registers ``store_opts`` and each enabled driver's
options on ``conf``, then loads and configures the drivers, and asks each
whether its backend can be used (``Driver.check_backend``), logging one
error for each that cannot: the service starts all the same.

External sources (Image API v1's copy-from and location) may only use the
schemes of ``EXTERNAL_SOURCE_SCHEMES``: http(s), swift and s3, never file.
Reading a swift or s3 source needs its driver enabled in ``stores``; if it
is not, reading one raises StoreUnavailable saying so.
"""

from importlib import metadata
import inspect
import logging
import urllib.parse

from oslo_config import cfg

from glance.common import exception
from glance.store import base

LOG = logging.getLogger(__name__)

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
    cfg.StrOpt('default_backend',
               help='With enabled_backends: the id of the store that '
                    'receives uploads and imports which name none.  '
                    'Required then; stores and default_store are ignored.'),
]

multi_store_opts = [
    cfg.DictOpt('enabled_backends',
                help='Several stores at once, as "id:type" pairs, e.g. '
                     '"fast:file, cold:file, obj:swift, ceph:rbd, web:http". '
                     'Each store takes its driver\'s options (and '
                     'store_description, weight) from the section named by '
                     'its id; uploads pick one with the X-Image-Meta-Store '
                     'header, and [glance_store] default_backend names the '
                     'default.  Unset: the single store of [glance_store] '
                     'stores and default_store.'),
]

# Options of every store's own section with enabled_backends.
backend_opts = [
    cfg.StrOpt('store_description',
               help='What this store is, for users: shown by GET '
                    '/v2/info/stores.'),
    cfg.IntOpt('weight', default=0,
               help='Preference of this store\'s locations for downloads: '
                    'locations in stores of higher weight are read first.'),
]

RESERVED_PREFIX = 'os_glance_'

# What GET /v2/info/stores/detail shows of a store, by type: the property
# and the driver option it comes from (as Glance shows them; an option the
# driver lacks is left out).
DETAIL_PROPERTIES = {
    'file': {'data_dir': 'filesystem_store_datadir',
             'chunk_size': 'filesystem_store_chunk_size',
             'thin_provisioning': 'filesystem_thin_provisioning'},
    'rbd': {'chunk_size': 'rbd_store_chunk_size',
            'pool': 'rbd_store_pool',
            'thin_provisioning': 'rbd_thin_provisioning'},
    'swift': {'container': 'swift_store_container',
              'large_object_size': 'swift_store_large_object_size',
              'large_object_chunk_size':
                  'swift_store_large_object_chunk_size'},
    's3': {'s3_store_large_object_size': 's3_store_large_object_size',
           's3_store_large_object_chunk_size':
               's3_store_large_object_chunk_size'},
}
DETAIL_PROPERTIES['filesystem'] = DETAIL_PROPERTIES['file']


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


def store_ids(locations):
    """The ids of the stores holding data at ``locations`` (their
    ``metadata.store``), in order: an image's ``stores`` attribute."""
    return [location.metadata['store'] for location in locations
            if location.metadata.get('store')]


def known_driver_names():
    names = set(DRIVERS)
    names.update(ep.name for ep in metadata.entry_points(
        group=ENTRY_POINT_GROUP))
    return sorted(names)


def driver_class(name, option='[%s] stores' % base.GROUP):
    """The Driver subclass called ``name`` (named in ``option``);
    ConfigError if there is none."""
    if name in DRIVERS:
        entry_point = metadata.EntryPoint(
            name=name, value=DRIVERS[name], group=ENTRY_POINT_GROUP)
    else:
        entry_point = next(iter(metadata.entry_points(
            group=ENTRY_POINT_GROUP, name=name)), None)
    if entry_point is None:
        raise exception.ConfigError(
            'Unknown store %r in %s; known stores: %s'
            % (name, option, ', '.join(known_driver_names())))
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
    """The configured drivers, found by store id, location URI or name.

    With one store, store names and schemes share one namespace, as in
    Glance: the file driver answers to "file" and "filesystem", a swift
    driver to "swift", "swift+http" and "swift+https".  With several
    (``enabled_backends``) each store is a driver instance of its own,
    found by its id; stores of one type share its schemes and tell their
    locations apart (``Driver.serves``).  Iterating yields the drivers.

    ``check_backends``: whether to check and log each store's backend;
    off where the registry is built over and over (maintenance rounds).
    """

    def __init__(self, conf, check_backends=True):
        conf.register_opts(store_opts, group=base.GROUP)
        conf.register_opts(multi_store_opts)
        self._by_id = {}
        self._types = {}
        if conf.enabled_backends:
            self._drivers = self._several(conf, conf.enabled_backends)
        else:
            self._drivers = self._one_of_each(conf)
        self._by_scheme = {}
        for driver in self._drivers:
            for scheme in driver.schemes:
                sharing = self._by_scheme.setdefault(scheme, [])
                if sharing and type(sharing[0]) is not type(driver):
                    raise exception.ConfigError(
                        'Stores %r and %r both claim the scheme %r'
                        % (sharing[0].store_id or sharing[0].name,
                           driver.store_id or driver.name, scheme))
                sharing.append(driver)
        self._default = self._default_driver(conf)
        if base.WRITE not in self._default.capabilities:
            raise exception.ConfigError(
                'The default store %r is read-only; uploads need a store '
                'that accepts data, such as file'
                % (self._default.store_id or self._default.name))
        # Image import's staging area, a filesystem store: imported here,
        # as drivers are, so that importing this package loads none.
        from glance.store import staging
        self.staging = staging.StagingArea(conf)
        self.staging.configure()
        if check_backends:
            for driver in self._drivers:
                self._check_backend(driver)

    @staticmethod
    def _check_backend(driver):
        """Log, once the configuration is known to be sound, a store
        whose backend cannot be used (Driver.check_backend)."""
        problem = driver.check_backend()
        if problem is None:
            return
        name = ('Store %r (%s)' % (driver.store_id, driver.name)
                if driver.store_id else 'The %s store' % driver.name)
        LOG.error('%s is unusable: %s.  It answers 503 until its backend '
                  'can be used; the other stores serve as usual.', name,
                  problem)

    def _one_of_each(self, conf):
        by_class = {}
        for name in conf[base.GROUP].stores:
            cls = driver_class(name)
            if cls not in by_class:
                by_class[cls] = cls(conf)
                by_class[cls].configure()
        return tuple(by_class.values())

    def _several(self, conf, backends):
        drivers = []
        for store_id, store_type in backends.items():
            if not store_id or store_id.startswith(RESERVED_PREFIX):
                raise exception.ConfigError(
                    'Store id %r in enabled_backends is not allowed: ids '
                    'starting %r are reserved' % (store_id, RESERVED_PREFIX))
            cls = driver_class(store_type, option='enabled_backends (store '
                                                  '%r)' % store_id)
            conf.register_opts(backend_opts, group=store_id)
            driver = cls(conf, group=store_id, store_id=store_id)
            driver.configure()
            self._by_id[store_id] = driver
            self._types[store_id] = store_type
            drivers.append(driver)
        return tuple(drivers)

    def _default_driver(self, conf):
        if self.multiple:
            default_id = conf[base.GROUP].default_backend
            if default_id not in self._by_id:
                raise exception.ConfigError(
                    '[%s] default_backend %r is not one of enabled_backends '
                    '(%s)' % (base.GROUP, default_id, ', '.join(self._by_id)))
            return self._by_id[default_id]
        default_store = conf[base.GROUP].default_store
        try:
            return self.driver_for_scheme(default_store)
        except exception.UnknownScheme:
            raise exception.ConfigError(
                'default_store %r is not one of the enabled stores (%s)'
                % (default_store, ', '.join(self._by_scheme))) from None

    @property
    def multiple(self):
        """Whether several stores are enabled (enabled_backends)."""
        return bool(self._by_id)

    def __iter__(self):
        return iter(self._drivers)

    def store_type(self, store_id):
        """The type enabled_backends gives the store ``store_id``."""
        return self._types[store_id]

    def details(self, store_id):
        """The properties GET /v2/info/stores/detail shows of a store."""
        driver = self._by_id[store_id]
        shown = {name: driver.opts[option] for name, option in
                 DETAIL_PROPERTIES.get(self._types[store_id], {}).items()
                 if option in driver.opts}
        if shown.get('data_dir') == '':
            # filesystem_store_datadirs: the directory of highest priority,
            # the first new images go to.
            shown['data_dir'] = driver.datadir
        return shown

    def weight(self, store_id):
        """The ``weight`` of the store ``store_id``; 0 for no enabled
        store."""
        driver = self._by_id.get(store_id)
        return driver.opts.weight if driver is not None else 0

    def driver_for_store(self, store_id):
        """The store of id ``store_id``; UnknownScheme if none is enabled
        (always, with a single store)."""
        try:
            return self._by_id[store_id]
        except (KeyError, TypeError):
            raise exception.UnknownScheme(scheme=store_id) from None

    def driver_for_scheme(self, scheme):
        """The (first) driver serving ``scheme`` (or store name);
        UnknownScheme."""
        try:
            return self._by_scheme[scheme.lower()][0]
        except KeyError:
            raise exception.UnknownScheme(scheme=scheme) from None

    def _serving(self, uri):
        """The driver whose data ``uri`` names, or None."""
        sharing = self._by_scheme.get(uri.partition('://')[0].lower(), ())
        if len(sharing) == 1:
            return sharing[0]
        return next((driver for driver in sharing if driver.serves(uri)),
                    None)

    def store_id_for(self, uri):
        """The id of the enabled store holding the data at ``uri``; None
        if no enabled store does, and always with a single store."""
        driver = self._serving(uri) if self.multiple else None
        return driver.store_id if driver is not None else None

    def driver_for_uri(self, uri):
        """The driver serving a location.

        Raises BadStoreUri, UnknownScheme, or StoreUnavailable for an
        external source scheme (e.g. swift) no enabled store serves.
        """
        scheme, separator, _rest = uri.partition('://')
        if not separator:
            raise exception.BadStoreUri(
                'A store location starts with a scheme, such as file://.')
        driver = self._serving(uri)
        if driver is not None:
            return driver
        try:
            return self.driver_for_scheme(scheme)
        except exception.UnknownScheme:
            if scheme.lower() not in EXTERNAL_SOURCE_SCHEMES:
                raise
            raise exception.StoreUnavailable(
                reason='no store serving %s:// locations is enabled in this '
                       'service, so their data cannot be read'
                       % scheme.lower()) from None

    def driver_for_location(self, location):
        """The driver of a Location: the store its metadata names if that
        one is enabled, else the one serving its URI."""
        return self._driver(location.url, location.metadata.get('store'))

    def _capable(self, uri, capability):
        driver = self._serving(uri)
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
        """The enabled drivers, in the order of ``stores`` or
        ``enabled_backends``."""
        return self._drivers

    def default_driver(self):
        return self._default

    def writable_store_ids(self):
        """The ids of the stores that accept image data (several stores):
        what an import into ``all_stores`` targets."""
        return [store_id for store_id, driver in self._by_id.items()
                if base.WRITE in driver.capabilities]

    def driver_for_upload(self, name=None):
        """The store receiving an upload: ``name`` (a store id with several
        stores, a store name with one), or the default store.

        UnknownScheme if no enabled store has that id, InvalidParameterValue
        if no enabled store has that name or it is read-only.
        """
        if name is None:
            return self._default
        if self.multiple:
            driver = self.driver_for_store(name)
        else:
            driver = self._by_scheme.get(name.lower(), [None])[0]
        if driver is None or base.WRITE not in driver.capabilities:
            raise exception.InvalidParameterValue(
                param='store', value=name,
                extra='no enabled store of this name accepts image data; '
                      'writable stores: %s' % ', '.join(
                          self.writable_store_ids() if self.multiple else
                          sorted(scheme for scheme, d in
                                 self._by_scheme.items()
                                 if base.WRITE in d[0].capabilities)))
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

    def _driver(self, uri, store_id):
        driver = self._by_id.get(store_id)
        return driver if driver is not None else self.driver_for_uri(uri)

    def delete(self, uri, store_id=None):
        """Driver.delete through the store ``store_id`` if enabled (the
        one a location records), else the one serving ``uri``."""
        return self._driver(uri, store_id).delete(uri)

    def check_deletable(self, uri, store_id=None):
        return self._driver(uri, store_id).check_deletable(uri)

    def keeps_acls(self, uri):
        """Whether the store of ``uri`` decides with ACLs who reads it."""
        driver = self._serving(uri)
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
