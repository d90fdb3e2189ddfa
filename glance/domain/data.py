"""Image data: upload, copy from a URL, external locations, download,
and the removal of data when an image goes.

Every status change goes through ``transition``: legal per the lifecycle
table, and a conditional update in the repository, so of two uploads of one
image exactly one wins.  A failed upload leaves no data stored; data is
removed before an image is marked deleted, so nothing is left behind in a
store: an image whose data could not be removed waits in pending_delete
until maintenance (glance.domain.maintenance) removes it.

With several stores (enabled_backends) each location records its store
(``metadata.store``); an image may have its data in several stores
(``copy``), a download reads from the first that answers, and one store's
copy may go (``remove_from_store``).

Data counts towards the caller's user_storage_quota (glance.domain.quotas):
an upload may stream only what is left of it, and the move that activates
the image checks the quota again, in the repository, against concurrent
uploads of the same owner.  With Keystone's unified limits instead
(glance.domain.limits), an upload starts only below image_size_total and,
once its image is saving, within image_count_uploading.
"""

import contextlib
import logging
import time

from glance.common import exception
from glance.common import hashing
from glance.common import streams
from glance.domain import formats
from glance.domain import image as image_mod
from glance.domain import lifecycle
from glance.domain import limits as limits_mod
from glance import store

LOG = logging.getLogger(__name__)

# How often an upload proves it is alive (see maintenance).
UPLOAD_HEARTBEAT_SECONDS = 30


class ImageData:

    def __init__(self, access, repo, stores, conf, protections, quotas,
                 acls, limits):
        formats.register_opts(conf)
        self.acls = acls
        self.access = access
        self.repo = repo
        self.stores = stores
        self.conf = conf
        self.protections = protections
        self.quotas = quotas
        self.limits = limits

    def transition(self, image_id, from_status, to_status,
                   storage_quota=None, **values):
        """Every status change: legal per the table, atomic in the repo,
        within image_location_quota and ``storage_quota``.  A staged image
        going back to queued loses the size of the staged data it no longer
        has (recorded for image_stage_total)."""
        lifecycle.check_transition(from_status, to_status)
        if to_status == lifecycle.QUEUED and from_status in (
                lifecycle.UPLOADING, lifecycle.IMPORTING):
            values.setdefault('size', None)
        unknown = set(values) - set(image_mod.DATA_ATTRIBUTES) - {
            'locations', 'deleted'}
        if unknown:
            raise TypeError('a transition cannot set %s'
                            % ', '.join(sorted(unknown)))
        if values.get('locations'):
            self.quotas.check_locations(values['locations'])
        return self.repo.transition(image_id, from_status, to_status,
                                    storage_quota=storage_quota, **values)

    # -- in ---------------------------------------------------------------

    def upload(self, context, image_id, source, size=None, checksum=None,
               store_name=None, store_id=None):
        """Store image data streamed from ``source`` and activate the image.

        Exactly one of several concurrent uploads wins the queued -> saving
        transition; the others get Conflict.  ``size`` is the declared size
        and ``checksum`` the md5 the data must have: a mismatch removes the
        data, kills the image and raises ChecksumMismatch.  Any other
        failure leaves no data stored and returns the image to queued.
        ``store_name`` picks a writable store other than the default one;
        ``store_id`` one of several (enabled_backends), ignored with a
        single store as Glance ignores X-Image-Meta-Store then.
        """
        image = self._queued(context, image_id, 'upload_image')
        driver = self.stores.driver_for_upload(
            store_id if self.stores.multiple and store_id is not None
            else store_name)
        self._start_saving(context, image.id)
        return self.protections.shown(context, self._save(
            context, image.id, driver, source, size, checksum,
            disk_format=image.disk_format))

    def copy_from(self, context, image_id, source_uri, checksum=None,
                  store_name=None):
        """Store the data found at an external ``source_uri``.

        The source is streamed into the store through the same path as an
        upload, with its hashing, checksum check and size cap; failures end
        as for ``upload``.  A source that cannot be read is Invalid.
        """
        image = self._queued(context, image_id, 'upload_image')
        self.check_source(context, source_uri, copy=True)
        driver = self.stores.driver_for_upload(store_name)
        self._start_saving(context, image.id)
        try:
            data = _read_source(self.stores.get, source_uri)
        except BaseException:
            self._abandon_upload(image.id)
            raise
        with data:
            return self.protections.shown(context, self._save(
                context, image.id, driver, _DataReader(data), data.size,
                checksum, disk_format=image.disk_format))

    def _start_saving(self, context, image_id):
        """queued -> saving for an upload, within the unified limits: the
        owner below image_size_total, and its uploads, this one counted,
        within image_count_uploading (else back to queued)."""
        self.limits.claim(
            context, {limits_mod.IMAGE_SIZE_TOTAL: 0,
                      limits_mod.IMAGE_COUNT_UPLOADING: 0},
            lambda: self.transition(image_id, lifecycle.QUEUED,
                                    lifecycle.SAVING),
            lambda _: self._abandon_upload(image_id))

    def set_location(self, context, image_id, uri, size=None, checksum=None):
        """Activate a queued image whose data stays at ``uri``.

        Nothing is copied; downloads read from there, so a store must read
        ``uri`` (else Invalid).  The size is the one the store reports when
        it can (``size``, if given, must match it, else Conflict), else
        ``size``.  ``checksum`` is recorded as given.
        """
        image = self._queued(context, image_id, 'modify_image')
        self.check_source(context, uri, copy=False)
        stored_size = _read_source(self.stores.get_size, uri)
        if None not in (size, stored_size) and size != stored_size:
            raise exception.Conflict(
                'Provided image size must match the stored image size. '
                '(provided size: %d, stored size: %d)' % (size, stored_size))
        size = size if stored_size is None else stored_size
        if size is not None and size > self.conf.image_size_cap:
            raise exception.ImageSizeLimitExceeded(
                'The image size of %d bytes exceeds the limit of %d bytes.'
                % (size, self.conf.image_size_cap))
        image = self.transition(
            image.id, lifecycle.QUEUED, lifecycle.ACTIVE, size=size,
            checksum=checksum, locations=[self.location(uri)],
            storage_quota=self.quotas.storage(context))
        self.acls.update(image)
        return self.protections.shown(context, image)

    def stage(self, image_id, source, size, status):
        """Stream ``source`` into the staging area for an image in
        ``status`` (uploading: a stage; importing: a web-download); the
        image's status is the caller's to change."""
        self.stores.staging.purge(image_id)
        return self._write(image_id, status, self.stores.staging, source,
                           size)

    def download_to_stage(self, image_id, uri, check):
        """web-download: stream the data at ``uri`` into the staging area
        for an image in importing, ``check`` filtering every URL fetched
        (the URL and its redirects).  A source that cannot be read is
        InvalidSource."""
        data = _read_source(lambda url: self.stores.fetch(url, check), uri)
        with data:
            return self.stage(image_id, _DataReader(data), data.size,
                              lifecycle.IMPORTING)

    def import_staged(self, context, image_id, store_ids=(None,),
                      required=True, on_stored=None):
        """Store the staged data of an image in importing into the stores
        ``store_ids`` (None: the default store) and activate it, within
        ``context``'s storage quota; a failure returns it to queued.  A
        store that fails is left out if not ``required`` (unless all do);
        ``on_stored(store_id)`` after each store written.  Returns the ids
        of the stores left out.  The staged data stays."""
        drivers = [self.stores.driver_for_upload(store_id)
                   for store_id in store_ids]
        disk_format = self.repo.get(image_id).disk_format
        _image, failed = self._save_to(
            context, image_id,
            [(driver, lambda: self._staged(image_id)) for driver in drivers],
            None, lifecycle.IMPORTING, disk_format, required,
            on_stored and (lambda driver: on_stored(driver.store_id)))
        return [driver.store_id for driver in failed]

    @contextlib.contextmanager
    def _staged(self, image_id):
        with self.stores.staging.open(image_id) as staged:
            yield _DataReader(staged), staged.size

    def copy(self, context, image_id, store_id):
        """Copy the data of an active image into the store ``store_id``
        (copy-image), streamed from one of its locations and checked
        against its checksum, and add the new location to those the image
        has then (``change_locations``: a concurrent change of its other
        locations is kept).  Within ``context``'s quotas
        (``check_copy``).  Raises Conflict if the image left active
        meanwhile; the copied data is then removed, as after any
        failure."""
        image = self.repo.get(image_id)
        driver = self.stores.driver_for_upload(store_id)
        if store_id in store.store_ids(image.locations):
            raise exception.Conflict("Image is already present at store '%s'"
                                     % store_id)
        self.check_copy(context, image, 1)
        # What a copy whose process died left published but unrecorded.
        driver.purge(image.id)
        with self.read(image) as data:
            stored = self._write(image.id, lifecycle.ACTIVE, driver,
                                 _DataReader(data), image.size,
                                 checksum=image.checksum)[0]
        try:
            image = self.repo.change_locations(
                image_id, lifecycle.ACTIVE,
                add=[self.location(stored.uri, driver)],
                storage_quota=self.quotas.storage(context),
                max_locations=self.quotas.locations)
        except BaseException:
            self._remove_quietly(stored.uri, driver)
            raise
        self.acls.update(image)
        return image

    def check_copy(self, context, image, copies):
        """Refuse ``copies`` more copies of ``image``'s data that would take
        the caller's owner over user_storage_quota, each location counting
        (StorageQuotaFull), or that start while it is over Keystone's
        image_size_total (LimitExceeded), as Glance checks them."""
        self.limits.check(context, {limits_mod.IMAGE_SIZE_TOTAL: 0})
        quota = self.quotas.storage(context)
        if quota is None or not image.size:
            return
        used = self.repo.storage_used(quota.owner)
        if used + image.size * copies > quota.limit:
            raise exception.StorageQuotaFull(
                image_size=image.size * copies,
                remaining=max(quota.limit - used, 0))

    def remove_copies(self, image_id, store_ids):
        """Remove the copies of an active image's data in ``store_ids``
        (those a failed copy-image made), locations and data; what cannot
        be removed is logged and stays recorded."""
        for location in self.repo.get(image_id).locations:
            if location.metadata.get('store') in store_ids:
                try:
                    self._drop_location(image_id, location)
                except exception.GlanceException as error:
                    LOG.warning('Copy of image %s in store %s not removed: '
                                '%s', image_id,
                                location.metadata.get('store'), error)

    def _drop_location(self, image_id, location):
        """Remove one location of an active image, then its data.  The
        record goes first, in one transaction that keeps another location,
        so two removals cannot leave the image without data; data that
        cannot be removed gets its location back, and the error raises."""
        self.repo.change_locations(image_id, lifecycle.ACTIVE,
                                   remove=[location.url])
        try:
            self._remove_data(location)
        except BaseException:
            try:
                self.repo.change_locations(image_id, lifecycle.ACTIVE,
                                           add=[location])
            except exception.GlanceException as error:
                LOG.warning('Image %s: the location %s could not be '
                            'recorded again (%s); its data goes with the '
                            'image', image_id,
                            store.display_uri(location.url), error)
            raise

    def location(self, uri, driver=None):
        """The Location of data at ``uri`` (stored by ``driver``, if known),
        naming its store when several are enabled."""
        store_id = driver.store_id if driver is not None \
            else self.stores.store_id_for(uri)
        if not self.stores.multiple or store_id is None:
            return image_mod.Location(uri)
        return image_mod.Location(uri, metadata={'store': store_id})

    def check_source(self, context, uri, copy):
        """Refuse an external source the caller may not use.

        ``copy``: the data is to be copied (policy ``copy_from``), else
        registered as the image's location (``set_image_location``), which
        an enabled store must read.  Only http(s), swift and s3 sources are
        accepted (BadStoreUri).
        """
        self.access.authorize(
            context, 'copy_from' if copy else 'set_image_location')
        store.check_external_source(uri)
        if not copy and not self.stores.reads(uri):
            raise exception.BadStoreUri(
                "No enabled store reads '%s'." % uri.partition('://')[0])

    def check_store(self, store_name):
        """Refuse a store name no upload could go to (InvalidParameterValue).
        """
        self.stores.driver_for_upload(store_name)

    def kill(self, context, image_id):
        """Mark a queued image killed: its data will not come.  An image no
        longer queued is left as it is."""
        image = self.access.image(context, image_id, 'upload_image')
        if image.status == lifecycle.QUEUED:
            self.transition_quietly(image.id, lifecycle.QUEUED,
                                    lifecycle.KILLED)

    def _queued(self, context, image_id, rule):
        image = self.access.image(context, image_id, rule,
                                  change='upload data to')
        if image.status not in lifecycle.UPLOADABLE:
            raise exception.Conflict(
                'Image status must be queued to upload data, not %s.'
                % image.status)
        if image.disk_format is None or image.container_format is None:
            raise exception.Invalid(
                'Properties disk_format, container_format must be set prior '
                'to saving data.')
        return image

    def _write(self, image_id, status, driver, source, size, checksum=None,
               size_cap=None, disk_format=None):
        """Stream ``source`` into ``driver`` for an image in ``status``:
        the one path image data takes in (upload, copy-from, stage, import),
        with its heartbeat, hashing and size cap (``size_cap``, by default
        image_size_cap), and, given the ``disk_format`` it declares, its
        format inspection (glance.domain.formats: ImageFormatRefused).
        Returns ``(stored, size, md5, os_hash, virtual_size)``; on any
        failure nothing is left in the store."""
        reader = stored = inspection = virtual_size = None
        try:
            if disk_format is not None:
                inspection = formats.Inspection(disk_format, self.conf)
            reader = hashing.HashingReader(
                _Heartbeat(source, lambda: self.repo.touch(image_id, status)),
                expected_size=size,
                size_cap=self.conf.image_size_cap if size_cap is None
                else size_cap,
                algorithms=('md5', self.conf.hashing_algorithm),
                inspect=inspection and inspection.feed)
            stored = driver.add(image_id, reader, size)
            size, md5, os_hash = reader.finish()
            if checksum is not None and checksum != md5:
                raise exception.ChecksumMismatch(supplied=checksum,
                                                 computed=md5)
            if inspection is not None:
                virtual_size = inspection.finish()
        except BaseException:
            if reader is not None:
                reader.abort()
            if stored is not None:
                self._remove_quietly(stored.uri, driver)
            raise
        return stored, size, md5, os_hash, virtual_size

    def _save(self, context, image_id, driver, source, size, checksum,
              status=lifecycle.SAVING, disk_format=None):
        """Stream ``source`` into ``driver`` for an image in ``status``
        (saving, or importing) and activate it, within the caller's storage
        quota, its data inspected as ``disk_format``; a failure returns it
        to queued (killed for a checksum mismatch)."""
        image, _failed = self._save_to(
            context, image_id,
            [(driver, lambda: contextlib.nullcontext((source, size)))],
            checksum, status, disk_format)
        return image

    def _save_to(self, context, image_id, targets, checksum, status,
                 disk_format, required=True, on_stored=None):
        """``_save`` into several stores: ``targets`` are (driver, open)
        pairs, ``open()`` a context manager giving (stream, size) to read
        for that driver.  The image becomes active, with a location in each
        store written, once all are written.  A store that fails is left
        out if not ``required`` (unless all fail); ``on_stored(driver)``
        after each one written.  Returns the image and the drivers left
        out."""
        written, failed = [], []
        size = quota_left = None
        storage_quota = self.quotas.storage(context)
        try:
            size_cap, quota_left = self._size_cap(storage_quota, image_id)
            for driver, open_source in targets:
                try:
                    with open_source() as (source, size):
                        written.append((driver, self._write(
                            image_id, status, driver, source, size, checksum,
                            size_cap, disk_format)))
                except Exception as error:
                    if required or len(failed) + 1 == len(targets):
                        raise
                    LOG.warning('Image %s not stored in store %s: %s',
                                image_id, driver.store_id, error)
                    failed.append(driver)
                    continue
                if on_stored is not None:
                    on_stored(driver)
            _stored, size, md5, os_hash, virtual_size = written[0][1]
            image = self.transition(
                image_id, status, lifecycle.ACTIVE,
                size=size, virtual_size=virtual_size, checksum=md5,
                os_hash_algo=self.conf.hashing_algorithm,
                os_hash_value=os_hash,
                locations=[self.location(result[0].uri, driver)
                           for driver, result in written],
                storage_quota=storage_quota)
        except BaseException as error:
            for driver, result in written:
                self._remove_quietly(result[0].uri, driver)
            self._abandon_upload(image_id, kill=isinstance(
                error, exception.ChecksumMismatch), status=status)
            if isinstance(error, exception.ImageSizeLimitExceeded) and \
                    quota_left is not None:
                raise exception.StorageQuotaFull(
                    image_size=size if size is not None else 'unknown',
                    remaining=quota_left) from None
            raise
        self.acls.update(image)
        return image, failed

    def _size_cap(self, storage_quota, image_id):
        """The most bytes an upload may stream: image_size_cap, or what is
        left of the storage quota if that is less; and what is left of
        the quota when it is what limits (None otherwise)."""
        cap = self.conf.image_size_cap
        if storage_quota is None:
            return cap, None
        left = max(storage_quota.limit - self.repo.storage_used(
            storage_quota.owner, excluding=image_id), 0)
        if left >= cap:
            return cap, None
        return left, left

    def _remove_quietly(self, uri, driver):
        """Remove what ``driver`` stored at ``uri`` for a failed write."""
        try:
            self.stores.delete(uri, driver.store_id)
        except Exception:
            LOG.exception('Could not remove the data of a failed upload at '
                          '%s; it goes when its image is deleted', uri)

    def _abandon_upload(self, image_id, kill=False, status=lifecycle.SAVING):
        """End a failed upload: back to queued, or killed."""
        self.transition_quietly(image_id, status,
                                lifecycle.KILLED if kill else lifecycle.QUEUED)

    def transition_quietly(self, image_id, from_status, to_status):
        """A transition that may find the image gone or changed: logged."""
        try:
            self.transition(image_id, from_status, to_status)
        except (exception.NotFound, exception.Conflict):
            LOG.info('Image %s left %s meanwhile; left as it is',
                     image_id, from_status)

    # -- out --------------------------------------------------------------

    def download(self, context, image_id, choose_range=None, source=None):
        """The image and an ImageData for its bytes, or None if no data.

        ``choose_range(image)``, called once the image is known to have
        data the caller may read and before any is opened, returns the
        ``(offset, length)`` to read or None for all of it; it may raise to
        refuse, or to answer without the data (a conditional request that
        the caller's copy satisfies, a HEAD).
        ``source(image, offset, length)`` opens the bytes once the caller
        is allowed them: ``read`` by default, the image cache's own.
        """
        image = self.access.image(context, image_id, 'download_image')
        if image.status == lifecycle.DEACTIVATED and not context.is_admin:
            raise exception.Forbidden(
                'The requested image has been deactivated. Image data '
                'download is forbidden.')
        shown = self.protections.shown(context, image)
        if image.status not in (lifecycle.ACTIVE, lifecycle.DEACTIVATED) \
                or not image.locations:
            return shown, None
        offset, length = 0, None
        if choose_range is not None:
            offset, length = choose_range(shown) or (0, None)
        return shown, (source or self.read)(image, offset, length)

    def read(self, image, offset=0, length=None):
        """ImageData of ``image``'s bytes, no check made: for callers that
        made the access check (``download``).

        The locations are tried in turn (stores of higher ``weight``
        first): one that cannot be opened (store down, data missing) is
        logged and the next tried, so a read fails only when none answers,
        with the first location's error.
        """
        failures = []
        for location in self._by_weight(image.locations):
            try:
                driver = self.stores.driver_for_location(location)
                return driver.get(location.url, offset, length)
            except (exception.NotFound, exception.StoreUnavailable,
                    exception.UnknownScheme) as error:
                LOG.warning('Image %s: its data at %s cannot be read (%s)%s',
                            image.id, store.display_uri(location.url), error,
                            '; trying its next location'
                            if len(failures) + 1 < len(image.locations)
                            else '')
                failures.append(error)
        raise failures[0]

    def _by_weight(self, locations):
        if not self.stores.multiple:
            return locations
        return sorted(locations, key=lambda location: -self.stores.weight(
            location.metadata.get('store')))

    # -- removal ----------------------------------------------------------

    def discard(self, image):
        """Delete ``image``: it goes to pending_delete (no longer shown),
        its data, any partial upload and any data published under its id
        but never recorded (a crash between the two) are removed from the
        stores, then it is deleted.  Returns True when that is done, False
        when some data could not be removed: the image then waits in
        pending_delete for maintenance to retry (``remove_pending``).

        InUseByStore, the image left as it was, if a store says its data
        is in use outside this service (an RBD snapshot with clones)."""
        for location in image.locations:
            if self.stores.owns(location.url):
                self._check_deletable(location)
        image = self.transition(image.id, image.status,
                                lifecycle.PENDING_DELETE, deleted=True)
        return self.remove_pending(image)

    def remove_pending(self, image):
        """Remove the data of an image in pending_delete, then mark it
        deleted; False (and left pending) if a store refused."""
        try:
            for location in image.locations:
                if self.stores.owns(location.url):
                    self._remove_data(location)
            self.stores.purge(image.id)
        except (exception.StoreUnavailable, exception.InUseByStore) as error:
            LOG.warning('Data of image %s not removed yet (%s); it stays '
                        'pending_delete until it is', image.id, error)
            return False
        self.transition_quietly(image.id, lifecycle.PENDING_DELETE,
                                lifecycle.DELETED)
        return True

    def remove_from_store(self, context, store_id, image_id):
        """Remove an active image's data from one store of several (``DELETE
        /v2/stores/{store_id}/{image_id}``): its location goes, then the
        data (``_drop_location``).  Never the last location: the image
        would have no data (Forbidden; Conflict when a concurrent removal
        took the others).  NotFound with a single store."""
        if not self.stores.multiple:
            raise exception.NotFound('Multi backend is not supported at this '
                                     'site.')
        try:
            self.stores.driver_for_store(store_id)
        except exception.UnknownScheme:
            raise exception.Conflict(
                'The selected store %s is not available on this node.'
                % store_id) from None
        image = self.access.image(context, image_id, 'get_image_location')
        self.access.authorize(context, 'delete_image_location', image)
        if image.status != lifecycle.ACTIVE:
            raise exception.Conflict(
                "It's not allowed to remove image data from store if image "
                "status is not 'active'")
        if len(image.locations) == 1:
            raise exception.Forbidden(
                'Cannot delete image data from the only store containing '
                'it. Consider deleting the image instead.')
        location = next((location for location in image.locations
                         if location.metadata.get('store') == store_id), None)
        if location is None:
            raise exception.NotFound('Image %s is not stored in store %s.'
                                     % (image_id, store_id))
        self.stores.check_deletable(location.url,
                                    location.metadata.get('store'))
        self._drop_location(image.id, location)

    def _check_deletable(self, location):
        """InUseByStore if the data at ``location`` may not go.  A store
        that cannot tell now (unreachable) is asked again when the data is
        removed, by maintenance if need be."""
        try:
            self.stores.check_deletable(location.url,
                                        location.metadata.get('store'))
        except (exception.NotFound, exception.StoreUnavailable) as error:
            LOG.info('Could not ask whether the data at %s is in use: %s',
                     store.display_uri(location.url), error)

    def _remove_data(self, location):
        """Remove the data at ``location``, from the store it names."""
        try:
            self.stores.delete(location.url, location.metadata.get('store'))
        except exception.NotFound:
            pass


def _read_source(read, uri):
    """``read(uri)``; an external source that cannot be read is the
    caller's error (Invalid, with the reason), not the service's."""
    try:
        return read(uri)
    except (exception.NotFound, exception.StoreUnavailable,
            exception.InvalidRange) as error:
        raise exception.InvalidSource(uri=store.display_uri(uri),
                                      reason=error) from None


class _DataReader:
    """Reads the chunks of an ImageData as a stream, for copying it."""

    def __init__(self, data):
        self._chunks = iter(data)
        self._pending = b''

    def read(self, size):
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b''
            self._pending = chunk
        piece, self._pending = self._pending[:size], self._pending[size:]
        return piece


class _Heartbeat:
    """Wraps an input stream, calling ``beat`` at most every
    UPLOAD_HEARTBEAT_SECONDS."""

    def __init__(self, source, beat):
        self._source = source
        self._beat = beat
        self._last = time.monotonic()

    def readinto(self, buffer):
        now = time.monotonic()
        if now - self._last >= UPLOAD_HEARTBEAT_SECONDS:
            self._last = now
            self._beat()
        return streams.read_into(self._source, buffer)
