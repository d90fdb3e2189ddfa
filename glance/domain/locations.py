"""Image locations: who sees them, and the two ways to change them.

* JSON-patch of ``/locations`` (``show_multiple_locations``, deprecated as
  in Glance): add at an index, replace the whole list, remove by index,
  behind policies ``set_image_location`` and ``delete_image_location``.
  A queued image gets active when it gets a location.
* Image API 2.17: ``POST /v2/images/{id}/locations`` for queued images
  (policy ``add_image_location``) and ``GET`` (``fetch_image_location``,
  services only).  The data at the new location is read in the background
  by a ``location_import`` task (``do_secure_hash``): its hashes are
  recorded, and checked against the validation_data given, in which case
  the image waits in importing and gets the location only if they match.

A new location must be one an enabled store reads, with data (a size);
file:// and swift+config:// locations name this service's own files and
credentials, so only administrators may register them (OSSN-0065).
Removing a location removes its data when it is in a store of this
service.  Nothing here reads image data in a request.
"""

import dataclasses
import hashlib
import logging

from glance.common import exception
from glance.domain import access as access_mod
from glance.domain import image as image_mod
from glance.domain import lifecycle
from glance.domain import task as task_mod
from glance import store

LOG = logging.getLogger(__name__)

RESTRICTED_SCHEMES = frozenset({'file', 'filesystem', 'swift+config'})
# Schemes an end user (no service role) may add through Image API 2.17:
# the http store's, as in Glance.
END_USER_SCHEMES = frozenset({'http', 'https'})
MD5_HEX_LENGTH = 32


@dataclasses.dataclass
class LocationChange:
    """One JSON-patch operation on /locations: op is add (``position``:
    an index or '-'; ``value``: a location), replace (the whole list as
    ``value``) or remove (``position``)."""
    op: str
    position: str | None = None
    value: object = None


def _position(text, length, adding):
    """The list index a JSON pointer's last segment names ('-': the end),
    or None if it names none (Glance: 400)."""
    if text == '-':
        position = length if adding else length - 1
    elif text.isdigit():
        position = int(text)
    else:
        return None
    if adding:
        return position if position <= length else None
    return position if 0 <= position < length else None


def check_validation_data(image, items, hashing_algorithm):
    """The data attributes the validation_data of ``items`` sets on
    ``image`` (JSON-patch), as Glance checks them: Conflict if they
    disagree with each other or with what the image has, or if the image
    is not queued, or the values are not hashes of the right size."""
    wanted = {}
    for item in items:
        for key, value in (item.get('validation_data') or {}).items():
            if wanted.get(key, value) != value:
                raise exception.Conflict('Conflicting values for %s' % key)
            wanted[key] = value
    new = {}
    for key, value in wanted.items():
        current = getattr(image, key)
        if value == current:
            continue
        if current:
            raise exception.Conflict(
                '%s is already set with a different value' % key)
        new[key] = value
    if not new:
        return {}
    if image.status != lifecycle.QUEUED:
        raise exception.Conflict(
            "New value(s) for %s may only be provided when image status is "
            "'queued'" % ', '.join(sorted(new)))
    if 'checksum' in new:
        _check_hex('checksum', new['checksum'], MD5_HEX_LENGTH, 'md5',
                   exception.Conflict)
    algo = new.get('os_hash_algo')
    if algo != hashing_algorithm:
        raise exception.Conflict('os_hash_algo must be %s, not %s'
                                 % (hashing_algorithm, algo))
    _check_hex('os_hash_value', new.get('os_hash_value'),
               hashlib.new(algo).digest_size * 2, algo, exception.Conflict)
    return new


def _check_hex(name, value, length, algo, error):
    try:
        bytes.fromhex(value or '')
    except ValueError:
        raise error('%s (%s) is not a valid hexadecimal value'
                    % (name, value)) from None
    if len(value or '') != length:
        raise error('%s (%s) is not the correct size for %s (should be %d '
                    'bytes)' % (name, value, algo, length // 2))


class ImageLocations:

    def __init__(self, access, repo, data, stores, conf, runner, lock,
                 protections, quotas, acls):
        self.access = access
        self.repo = repo
        self.data = data
        self.stores = stores
        self.conf = conf
        self.runner = runner
        self.lock = lock
        self.protections = protections
        self.quotas = quotas
        self.acls = acls

    # -- reading ----------------------------------------------------------

    def visible(self, context, image):
        """The locations of ``image`` that ``context`` may see in image
        views (direct_url, show_multiple_locations): all of them if policy
        get_image_location allows, else none."""
        if not image.locations or not (
                self.conf.show_image_direct_url or
                self.conf.show_multiple_locations):
            return []
        status = access_mod.membership(self.repo, context, image)
        if not self.access.authorizer.check(context, 'get_image_location',
                                            image, status):
            return []
        return list(image.locations)

    def list(self, context, image_id):
        """Image API 2.17's GET: every location of the image."""
        return self._image(context, image_id,
                           'fetch_image_location').locations

    def _image(self, context, image_id, rule, change=None):
        """The image, if ``rule`` lets the caller act on it.  As Glance's
        API policy does for these rules, get_image is asked only when
        ``rule`` refuses, to answer 404 rather than 403: a service user
        need not hold the reader role."""
        image = access_mod.visible_image(self.repo, context, image_id)
        status = access_mod.membership(self.repo, context, image)
        if not self.access.authorizer.check(context, rule, image, status):
            if not self.access.authorizer.check(context, 'get_image', image,
                                                status):
                raise exception.ImageNotFound(image_id=image_id)
            raise exception.Forbidden(
                'You are not authorized to complete %s action.' % rule)
        if change is not None:
            self.access.require_change(context, image, change)
        return image

    # -- JSON-patch of /locations -----------------------------------------

    def patch(self, context, image_id, changes):
        """Apply LocationChanges (add, replace, remove) in order and save
        the result at once: a queued image gets active, removed data of
        this service's stores goes."""
        verbs = {'add': 'add', 'replace': 'update', 'remove': 'remove'}
        if not self.conf.show_multiple_locations:
            raise exception.Forbidden(
                "It's not allowed to %s locations if locations are "
                "invisible." % verbs[changes[0].op])
        image = self.access.image(context, image_id, 'get_image',
                                  change='modify')
        current = list(image.locations)
        validation = []
        for change in changes:
            self.access.authorize(
                context, 'delete_image_location' if change.op == 'remove'
                else 'set_image_location', image)
            if change.op == 'remove':
                current = self._remove(image, current, change)
            else:
                items = change.value if change.op == 'replace' \
                    else [change.value]
                validation.extend(items)
                current = self._add_or_replace(context, image, current,
                                               change, items)
        values = check_validation_data(image, validation,
                                       self.conf.hashing_algorithm)
        return self.protections.shown(
            context, self._save(context, image, current, values))

    def _add_or_replace(self, context, image, current, change, items):
        if image.status not in (lifecycle.QUEUED, lifecycle.ACTIVE):
            raise exception.BadRequest(
                "It's not allowed to %s locations if image status is %s."
                % ('add' if change.op == 'add' else 'replace', image.status))
        new = [self._location(item['url'], item['metadata'])
               for item in items]
        if change.op == 'replace':
            urls = sorted(location.url for location in new)
            if urls == sorted(location.url for location in current):
                return new
            if current:
                raise exception.Invalid(
                    'Original locations is not empty: %s' % ', '.join(
                        store.display_uri(location.url)
                        for location in current))
            for location in new:
                self._check_new(context, location.url, new)
            return new
        position = _position(change.position, len(current), adding=True)
        if position is None:
            raise exception.BadRequest(
                'Invalid position for adding a location.')
        self._check_new(context, new[0].url, current + new)
        return current[:position] + new + current[position:]

    @staticmethod
    def _remove(image, current, change):
        if image.status != lifecycle.ACTIVE:
            raise exception.Forbidden(
                "It's not allowed to remove locations if image status is "
                "%s." % image.status)
        if len(current) == 1:
            raise exception.Forbidden(
                'Cannot remove last location in the image.')
        position = _position(change.position, len(current), adding=False)
        if position is None:
            raise exception.BadRequest(
                'Invalid position for removing a location.')
        return current[:position] + current[position + 1:]

    def _location(self, url, metadata=None):
        """A new Location, its metadata naming its store when there are
        several (``store``), as Glance's."""
        metadata = dict(metadata or {})
        store_id = self.stores.store_id_for(url)
        if store_id is not None:
            metadata['store'] = store_id
        return image_mod.Location(url, metadata)

    def _check_new(self, context, uri, locations):
        """Refuse a location no one may add here, or twice."""
        if [location.url for location in locations].count(uri) > 1:
            raise exception.DuplicateLocation(location=store.display_uri(uri))
        scheme = uri.partition('://')[0].lower()
        if scheme in RESTRICTED_SCHEMES and not context.is_admin:
            raise exception.BadStoreUri(
                'Invalid location: %s:// locations may only be added by '
                'an administrator.' % scheme)
        if not self.stores.reads(uri):
            raise exception.BadStoreUri(
                "Invalid location: no enabled store reads '%s'." % scheme)

    def _size(self, uri):
        """The size of the data at ``uri``; BadStoreUri if it has none."""
        try:
            size = self.stores.get_size(uri)
        except (exception.NotFound, exception.StoreUnavailable,
                exception.BadStoreUri, exception.UnknownScheme) as error:
            raise exception.BadStoreUri(
                'Invalid location: %s (%s)'
                % (store.display_uri(uri), error)) from None
        if not size:
            raise exception.BadStoreUri(
                'Invalid location: no data at %s' % store.display_uri(uri))
        if size > self.conf.image_size_cap:
            raise exception.ImageSizeLimitExceeded(
                'The image size of %d bytes exceeds the limit of %d bytes.'
                % (size, self.conf.image_size_cap))
        return size

    def _save(self, context, image, locations, values):
        known = {location.url for location in image.locations}
        for location in locations:
            if location.url not in known:
                size = self._size(location.url)
                if image.size is None:
                    values.setdefault('size', size)
        # Every location counts the image's size (user_storage_quota).
        storage_quota = self.quotas.storage(context)
        if image.status == lifecycle.QUEUED and locations:
            _require_formats(image)
            saved = self.data.transition(
                image.id, lifecycle.QUEUED, lifecycle.ACTIVE,
                storage_quota=storage_quota, locations=locations, **values)
        elif locations == image.locations:
            saved = image
        else:
            # Applied as a change of what the image has now, so that a
            # concurrent change of its locations (a copy, a removal from a
            # store) is neither undone nor lost.
            remove, add = _difference(image.locations, locations)
            saved = self.repo.change_locations(
                image.id, image.status, remove=remove, add=add,
                storage_quota=storage_quota,
                max_locations=self.quotas.locations)
        kept = {location.url for location in locations}
        for location in image.locations:
            if location.url not in kept and self.stores.owns(location.url):
                self._remove_data(location)
        self.acls.update(saved)
        return saved

    def _remove_data(self, location):
        """Remove the data of a location no longer recorded, through the
        store it names; a store refusing is logged (the data is then
        left, as by Glance)."""
        try:
            self.stores.delete(location.url, location.metadata.get('store'))
        except exception.NotFound:
            pass
        except exception.GlanceException as error:
            LOG.warning('Could not remove the data of a removed location '
                        '%s: %s', store.display_uri(location.url), error)

    # -- Image API 2.17 ---------------------------------------------------

    def add(self, context, image_id, url, validation_data=None):
        """Add the first location of a queued image; its hashes are
        computed in the background (``do_secure_hash``).  Returns the task
        doing it."""
        image = self._image(context, image_id, 'add_image_location',
                            change='add a location to')
        if image.status != lifecycle.QUEUED:
            raise exception.Conflict(
                'The location can only be added to an image in queued '
                'status, not %s.' % image.status)
        _require_formats(image)
        scheme = url.partition('://')[0].lower()
        if scheme not in END_USER_SCHEMES and not context.is_admin and \
                not self.access.authorizer.check(context, 'service_api'):
            raise exception.Forbidden(
                'Only services may add %s:// locations; end users may add '
                'http and https ones.' % scheme)
        self._check_new(context, url, [image_mod.Location(url)])
        validation_data = _validation(validation_data)
        size = self._size(url)
        task = task_mod.Task(
            type=task_mod.LOCATION_IMPORT, owner=context.owner,
            image_id=image.id, request_id=context.request_id,
            user_id=context.user_id,
            input={'loc_url': url, 'validation_data': validation_data})
        self.repo.add_task(task)
        storage_quota = self.quotas.storage(context)
        location = self._location(url)

        def first_step():
            if validation_data and self.conf.do_secure_hash:
                # Checked before it counts: the location is recorded once
                # the data read matches.
                self.data.transition(image.id, lifecycle.QUEUED,
                                     lifecycle.IMPORTING, size=size)
            else:
                self.acls.update(self.data.transition(
                    image.id, lifecycle.QUEUED, lifecycle.ACTIVE,
                    size=size, locations=[location],
                    storage_quota=storage_quota, **validation_data))

        # Held until the task ends, as by every import.
        self.lock.start(image, task.id, first_step)
        if self.conf.do_secure_hash:
            self.runner.submit(context, task.id, self._work)
        else:
            self.runner.finish(task.id, task_mod.SUCCESS,
                               from_status=task_mod.PENDING, result={})
            self.lock.drop(image.id, task.id)
        return task

    def _work(self, context, task):
        """The location_import task: hash the data at the location; the
        import lock goes when it ends."""
        try:
            return self._hash_location(context, task)
        finally:
            self.lock.drop(task.image_id, task.id)

    def _hash_location(self, context, task):
        url = task.input['loc_url']
        wanted = task.input.get('validation_data') or {}
        algo = wanted.get('os_hash_algo', self.conf.hashing_algorithm)
        image_id = task.image_id
        if not wanted:
            try:
                size, md5, value = self._hash(url, algo)
            except exception.GlanceException as error:
                # As Glance: the location stays, the image stays active.
                LOG.warning('Hash calculation failed for image %s data: %s',
                            image_id, error)
                return {}
            self.data.transition(image_id, lifecycle.ACTIVE, lifecycle.ACTIVE,
                                 checksum=md5, os_hash_algo=algo,
                                 os_hash_value=value)
            return {}
        try:
            size, md5, value = self._hash(url, algo)
            if value != wanted['os_hash_value']:
                raise exception.InvalidParameterValue(
                    param='os_hash_value', value=wanted['os_hash_value'],
                    extra='not matched with actual os_hash_value: (%s)'
                          % value)
            self.lock.assert_held(image_id, task.id)
            image = self.data.transition(
                image_id, lifecycle.IMPORTING, lifecycle.ACTIVE, size=size,
                checksum=md5, os_hash_algo=algo, os_hash_value=value,
                locations=[self._location(url)],
                storage_quota=self.quotas.storage(context))
        except exception.ImportLockLost:
            raise
        except BaseException:
            # Unlocked first, so that whoever sees it queued may add again.
            self.lock.drop(image_id, task.id)
            self.data.transition_quietly(image_id, lifecycle.IMPORTING,
                                         lifecycle.QUEUED)
            raise
        self.acls.update(image)
        return {}

    def _hash(self, url, algo):
        """(size, md5, ``algo`` hex digest) of the data at ``url``, read
        again up to ``http_retries`` times when a read fails."""
        attempts = self.conf.http_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                md5, other, size = hashlib.md5(), hashlib.new(algo), 0
                with self.stores.get(url) as data:
                    for chunk in data:
                        md5.update(chunk)
                        other.update(chunk)
                        size += len(chunk)
                return size, md5.hexdigest(), other.hexdigest()
            except (OSError, exception.StoreUnavailable) as error:
                LOG.debug('[%d/%d] Hash calculation failed due to %s',
                          attempt, attempts, error)
                if attempt == attempts:
                    raise exception.InvalidSource(
                        uri=store.display_uri(url), reason=error) from None


def _difference(old, new):
    """What turns the list of locations ``old`` into ``new``: the urls
    to remove and the locations to append.  What follows their common
    beginning goes, and comes back in its new order."""
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    return [location.url for location in old[same:]], new[same:]


def _require_formats(image):
    if image.disk_format is None or image.container_format is None:
        raise exception.Invalid(
            'Properties disk_format, container_format must be set prior '
            'to saving data.')


def _validation(validation_data):
    """Image API 2.17's validation_data: os_hash_algo (a hashlib
    algorithm) and os_hash_value (its hex digest), both or neither."""
    if not validation_data:
        return {}
    algo = validation_data.get('os_hash_algo')
    value = validation_data.get('os_hash_value')
    if not algo or not value:
        raise exception.BadRequest(
            'validation_data needs os_hash_algo and os_hash_value.')
    if algo not in hashlib.algorithms_available:
        raise exception.BadRequest(
            'os_hash_algo: %s is not a supported hashing algorithm' % algo)
    _check_hex('os_hash_value', value, hashlib.new(algo).digest_size * 2,
               algo, exception.BadRequest)
    return {'os_hash_algo': algo, 'os_hash_value': value}
