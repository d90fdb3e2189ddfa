"""The image lifecycle: every API version and tool goes through here.

``ImageService`` owns the rules (who may see, change, upload, download or
delete an image, and which status changes are legal); the repository stores
metadata and the store registry moves bytes.  Nothing here knows HTTP.
"""

import dataclasses
import datetime
import logging
import time

from glance.common import exception
from glance.common import hashing
from glance.domain import image as image_mod
from glance.domain import lifecycle
from glance import store

LOG = logging.getLogger(__name__)

# How often an upload proves it is alive, and how long a silent upload is
# left alone before recovery returns its image to queued.
UPLOAD_HEARTBEAT_SECONDS = 30
UPLOAD_STALL_SECONDS = 600

FORMAT_ATTRIBUTES = ('disk_format', 'container_format')


@dataclasses.dataclass
class Change:
    """One PATCH operation: op is add, replace or remove."""
    op: str
    name: str
    value: object = None


class ImageService:

    def __init__(self, repo, stores, authorizer, conf):
        self.repo = repo
        self.stores = stores
        self.authorizer = authorizer
        self.conf = conf

    # -- visibility and ownership -----------------------------------------

    def _can_see(self, context, image):
        if context.is_admin or image.visibility in ('public', 'community'):
            return True
        if image.owner is not None and image.owner == context.owner:
            return True
        if image.owner is None:
            return True
        if image.visibility == 'shared' and context.owner:
            return self.repo.member_status(image.id, context.owner) is not None
        return False

    def _can_modify(self, context, image):
        return context.is_admin or (
            image.owner is not None and image.owner == context.owner)

    def _require_mutable(self, context, image, action):
        if context.read_only or not self._can_modify(context, image):
            raise exception.Forbidden(
                'You are not permitted to %s this image.' % action)

    def _get_visible(self, context, image_id):
        if not image_mod.is_uuid(image_id):
            raise exception.ImageNotFound(image_id=image_id)
        image = self.repo.get(image_id)
        if not self._can_see(context, image):
            raise exception.ImageNotFound(image_id=image_id)
        return image

    def _authorize_visibility(self, context, image, visibility):
        if visibility == 'public':
            self.authorizer.authorize(context, 'publicize_image', image)
        elif visibility == 'community':
            self.authorizer.authorize(context, 'communitize_image', image)

    # -- validation -------------------------------------------------------

    def _validate_attribute(self, name, value):
        if name in image_mod.READ_ONLY:
            raise exception.ReadonlyProperty(property=name)
        if name in image_mod.RESERVED or name.startswith('os_glance'):
            raise exception.ReservedProperty(property=name)
        allowed = {'disk_format': self.conf.disk_formats,
                   'container_format': self.conf.container_formats,
                   'visibility': image_mod.VISIBILITIES}.get(name)
        if allowed is not None and value is not None and value not in allowed:
            raise exception.InvalidParameterValue(
                value=value, param=name,
                extra='must be one of %s' % ', '.join(allowed))

    def _validate_property_name(self, name):
        """Extra properties may not take a name the service gives meaning."""
        self._validate_attribute(name, None)
        if name in image_mod.MUTABLE or name in ('id', 'tags'):
            raise exception.ReservedProperty(property=name)

    def _check_formats(self, image):
        """Amazon formats (aki, ari, ami) are disk and container format both.

        A queued image naming one of them in one format gets it in the other
        if that one is unset; two different formats are refused.
        """
        formats = (image.disk_format, image.container_format)
        if not any(f in image_mod.AMAZON_FORMATS for f in formats):
            return
        if None in formats:
            if image.status == lifecycle.QUEUED:
                image.disk_format = image.container_format = \
                    image.disk_format or image.container_format
            return
        if image.disk_format != image.container_format:
            raise exception.Invalid(
                "Invalid mix of disk and container formats. When setting a "
                "disk or container format to one of 'aki', 'ari', or 'ami', "
                "the container and disk formats must match.")

    def _check_quotas(self, image):
        limits = ((self.conf.image_property_quota, image.extra_properties,
                   'extra properties'),
                  (self.conf.image_tag_quota, image.tags, 'tags'))
        for limit, items, what in limits:
            if 0 <= limit < len(items):
                raise exception.LimitExceeded(
                    limit='at most %d %s per image' % (limit, what))

    def _check_owner(self, context, owner):
        if owner != context.owner and not context.is_admin:
            raise exception.Forbidden(
                "You are not permitted to create images owned by '%s'."
                % owner)

    # -- metadata ---------------------------------------------------------

    def create(self, context, attributes, extra_properties=None, tags=()):
        """Register a new image in the queued status."""
        if context.read_only:
            raise exception.Forbidden('Read-only access.')
        self.authorizer.authorize(context, 'add_image')
        attributes = dict(attributes)
        image_id = attributes.pop('id', None)
        if 'is_public' in attributes:
            is_public = attributes.pop('is_public')
            attributes.setdefault(
                'visibility', image_mod.visibility_for_is_public(is_public))
        for name, value in attributes.items():
            self._validate_attribute(name, value)
        for name in extra_properties or {}:
            self._validate_property_name(name)
        image = image_mod.Image(**attributes)
        if image_id is not None:
            if not image_mod.is_uuid(image_id):
                raise exception.InvalidParameterValue(
                    value=image_id, param='id', extra='must be a UUID')
            image.id = image_id
        if 'owner' in attributes:
            self._check_owner(context, image.owner)
        else:
            image.owner = context.owner
        image.extra_properties = dict(extra_properties or {})
        image.tags = set(tags)
        self._authorize_visibility(context, image, image.visibility)
        self._check_formats(image)
        self._check_quotas(image)
        self.repo.add(image)
        return self.repo.get(image.id)

    def get(self, context, image_id):
        self.authorizer.authorize(context, 'get_image')
        return self._get_visible(context, image_id)

    def list(self, context, query):
        """One page of the images ``query`` asks for that the caller sees.

        A marker naming no listed image is invalid input.
        """
        self.authorizer.authorize(context, 'get_images')
        query.viewer_owner = context.owner
        # An admin without a project has no images of its own to list.
        query.viewer_is_admin = context.is_admin and not (
            query.admin_as_user and context.owner is not None)
        try:
            return self.repo.list(query)
        except exception.ImageNotFound:
            if query.marker is None:
                raise
            raise exception.InvalidParameterValue(
                value=query.marker, param='marker',
                extra='no image with this id is listed') from None

    def update(self, context, image_id, changes):
        """Apply PATCH operations to base attributes and extra properties."""
        image = self._get_modifiable(context, image_id)
        return self._apply(context, image, changes)

    def update_metadata(self, context, image_id, attributes, properties,
                        purge_properties=False, require_status=None,
                        expected=None):
        """Set base attributes and extra properties at once (v1's PUT).

        ``attributes`` may give the visibility as ``is_public``.  With
        ``purge_properties`` the extra properties not in ``properties``
        are removed.  With ``require_status`` the image must be in that
        status (queued, to receive data next), else Conflict.
        ``expected`` maps read-only attributes the request repeats (id,
        status, size, checksum) to the values it gives: one that differs
        from a value the image has is Forbidden.
        """
        image = self._get_modifiable(context, image_id)
        if require_status is not None and image.status != require_status:
            raise exception.Conflict(
                'Image status must be %s to receive data, not %s.'
                % (require_status, image.status))
        for name, value in (expected or {}).items():
            current = getattr(image, name)
            if current is not None and current != value:
                raise exception.Forbidden(
                    "Forbidden to modify '%s' of image %s." % (name, image.id))
        attributes = dict(attributes)
        if 'is_public' in attributes:
            attributes['visibility'] = image_mod.visibility_for_is_public(
                attributes.pop('is_public'), image.visibility)
        changes = [Change('replace', name, value)
                   for name, value in attributes.items()]
        for name, value in properties.items():
            self._validate_property_name(name)
            changes.append(Change('add', name, value))
        if purge_properties:
            changes += [Change('remove', name)
                        for name in image.extra_properties
                        if name not in properties]
        return self._apply(context, image, changes, require_status)

    def _get_modifiable(self, context, image_id):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'modify_image', image)
        self._require_mutable(context, image, 'modify')
        return image

    def _apply(self, context, image, changes, require_status=None):
        for change in changes:
            if change.name == 'tags':
                image.tags = set(change.value or ())
            elif change.name in image_mod.MUTABLE:
                self._change_attribute(context, image, change)
                if change.name in FORMAT_ATTRIBUTES:
                    require_status = lifecycle.QUEUED
            else:
                self._change_property(image, change)
        self._check_formats(image)
        self._check_quotas(image)
        self.repo.save(image, require_status=require_status)
        return self.repo.get(image.id)

    def _change_attribute(self, context, image, change):
        if change.op == 'remove':
            raise exception.Forbidden(
                "Attribute '%s' cannot be removed." % change.name)
        self._validate_attribute(change.name, change.value)
        if change.name in FORMAT_ATTRIBUTES and \
                image.status != lifecycle.QUEUED and \
                getattr(image, change.name) != change.value:
            raise exception.Forbidden(
                'Attribute %s can be only replaced for a queued image.'
                % change.name)
        if change.name == 'visibility' and change.value != image.visibility:
            self._authorize_visibility(context, image, change.value)
        if change.name == 'owner' and change.value != image.owner and \
                not context.is_admin:
            raise exception.Forbidden('Owner can be changed by an admin only.')
        setattr(image, change.name, change.value)

    def _change_property(self, image, change):
        self._validate_property_name(change.name)
        present = change.name in image.extra_properties
        if change.op == 'remove':
            if not present:
                raise exception.Conflict(
                    'Property %s does not exist.' % change.name)
            del image.extra_properties[change.name]
        elif change.op == 'replace' and not present:
            raise exception.Conflict(
                'Property %s does not exist.' % change.name)
        else:
            image.extra_properties[change.name] = change.value

    def add_tag(self, context, image_id, tag):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'modify_image', image)
        self._require_mutable(context, image, 'modify')
        if tag not in image.tags:
            image.tags.add(tag)
            self._check_quotas(image)
            self.repo.save(image)

    def remove_tag(self, context, image_id, tag):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'modify_image', image)
        self._require_mutable(context, image, 'modify')
        if tag not in image.tags:
            raise exception.NotFound('Tag %s not found.' % tag)
        image.tags.discard(tag)
        self.repo.save(image)

    def delete(self, context, image_id):
        """Soft-delete the image and remove its data from the stores."""
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'delete_image', image)
        self._require_mutable(context, image, 'delete')
        if image.protected:
            raise exception.ProtectedImageDelete(image_id=image_id)
        self._transition(image.id, image.status, lifecycle.DELETED,
                             deleted=True)
        self._delete_data(image.locations)

    def _transition(self, image_id, from_status, to_status, **values):
        """Every status change: legal per the table, atomic in the repo."""
        lifecycle.check_transition(from_status, to_status)
        return self.repo.transition(image_id, from_status, to_status,
                                    **values)

    def _delete_data(self, locations):
        """Remove stored data; data at external locations stays where it is."""
        for location in locations:
            if not self.stores.owns(location.url):
                continue
            try:
                self.stores.delete(location.url)
            except exception.NotFound:
                pass
            except Exception:
                LOG.exception('Could not delete image data at a location; '
                              'it is left for an operator to remove')

    def set_active(self, context, image_id, active):
        """Deactivate (active=False) or reactivate (active=True) an image."""
        image = self._get_visible(context, image_id)
        rule = 'reactivate' if active else 'deactivate'
        self.authorizer.authorize(context, rule, image)
        target = lifecycle.ACTIVE if active else lifecycle.DEACTIVATED
        if image.status == target:
            return image
        if image.status not in (lifecycle.ACTIVE, lifecycle.DEACTIVATED):
            raise exception.Forbidden(
                "Not allowed to %s image in status '%s'."
                % (rule, image.status))
        return self._transition(image.id, image.status, target)

    # -- members ----------------------------------------------------------

    def _can_share(self, context, image):
        """Owners and admins share; in v1 so do members with can_share."""
        if context.read_only:
            return False
        if self._can_modify(context, image):
            return True
        return context.owner is not None and any(
            member.member_id == context.owner and member.can_share
            for member in self.repo.members(image.id))

    def _get_shareable(self, context, image_id, rule):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, rule, image)
        if not self._can_share(context, image):
            raise exception.Forbidden(
                'You are not permitted to share this image.')
        if image.visibility != 'shared':
            raise exception.Forbidden(
                "Only shared images have members; this image is %s."
                % image.visibility)
        return image

    def _check_member_quota(self, count):
        limit = self.conf.image_member_quota
        if 0 <= limit < count:
            raise exception.LimitExceeded(
                limit='at most %d members per image' % limit)

    def list_members(self, context, image_id):
        """Members of an image: all for a sharer, else one's own only."""
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'get_members', image)
        members = self.repo.members(image.id)
        if self._can_modify(context, image):
            return members
        return [member for member in members
                if member.member_id == context.owner]

    def get_member(self, context, image_id, member_id):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'get_member', image)
        for member in self.list_members(context, image.id):
            if member.member_id == member_id:
                return member
        raise exception.MemberNotFound(image_id=image_id, member_id=member_id)

    def add_member(self, context, image_id, member_id, can_share=None,
                   update_existing=False):
        """Share an image with ``member_id``.

        An existing membership is a Conflict unless ``update_existing``
        (v1 PUT), which then sets its ``can_share``.  ``can_share`` None
        keeps an existing member's and is False for a new one.
        """
        image = self._get_shareable(context, image_id, 'add_member')
        _check_member_id(member_id)
        members = {member.member_id: member
                   for member in self.repo.members(image.id)}
        member = members.get(member_id)
        if member is not None and not update_existing:
            raise exception.Duplicate(
                'Member %s is already a member of image %s.'
                % (member_id, image.id))
        if member is None:
            self._check_member_quota(len(members) + 1)
            member = image_mod.Member(image_id=image.id, member_id=member_id)
        if can_share is not None:
            member.can_share = bool(can_share)
        return self.repo.save_member(member)

    def replace_members(self, context, image_id, memberships):
        """Make the members exactly ``memberships``: (member_id, can_share).

        ``can_share`` None keeps an existing member's, False for a new one.
        """
        image = self._get_shareable(context, image_id, 'add_member')
        existing = {member.member_id: member.can_share
                    for member in self.repo.members(image.id)}
        members = []
        for member_id, can_share in memberships:
            _check_member_id(member_id)
            if can_share is None:
                can_share = existing.get(member_id, False)
            members.append(image_mod.Member(image_id=image.id,
                                            member_id=member_id,
                                            can_share=bool(can_share)))
        self._check_member_quota(len({m.member_id for m in members}))
        self.repo.replace_members(image.id, members)

    def remove_member(self, context, image_id, member_id):
        image = self._get_shareable(context, image_id, 'delete_member')
        self.repo.remove_member(image.id, member_id)

    def set_member_status(self, context, image_id, member_id, status):
        """A member accepts or rejects an image shared with it."""
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, 'modify_member', image)
        if status not in image_mod.MEMBER_STATUSES:
            raise exception.InvalidParameterValue(
                value=status, param='status',
                extra='must be one of %s' % ', '.join(
                    image_mod.MEMBER_STATUSES))
        if member_id != context.owner or context.read_only:
            raise exception.Forbidden(
                'Only the member itself may change its status.')
        member = self.get_member(context, image.id, member_id)
        member.status = status
        return self.repo.save_member(member)

    def shared_images(self, context, member_id):
        """Memberships of ``member_id`` the caller may know about.

        Admins and the member itself see them all; anyone else only those
        on images they own.
        """
        memberships = self.repo.member_images(member_id)
        if context.is_admin or member_id == context.owner:
            return memberships
        return [member for member in memberships
                if self._can_modify(context, self.repo.get(member.image_id))]

    # -- data -------------------------------------------------------------

    def upload(self, context, image_id, source, size=None, checksum=None,
               store_name=None, kill_on_failure=False):
        """Store image data streamed from ``source`` and activate the image.

        Exactly one of several concurrent uploads wins the queued -> saving
        transition; the others get Conflict.  ``size`` is the declared size
        and ``checksum`` the md5 the data must have: a mismatch removes the
        data, kills the image and raises ChecksumMismatch.  Any other
        failure leaves no data stored and returns the image to queued, or
        with ``kill_on_failure`` (v1) kills it.  ``store_name`` picks a
        writable store other than the default one.
        """
        image = self._get_queued(context, image_id, 'upload_image')
        driver = self.stores.driver_for_upload(store_name)
        self._transition(image.id, lifecycle.QUEUED, lifecycle.SAVING)
        return self._save_data(image.id, driver, source, size, checksum,
                               kill_on_failure)

    def copy_from(self, context, image_id, source_uri, checksum=None,
                  store_name=None, kill_on_failure=False):
        """Store the data found at an external ``source_uri`` (v1 copy-from).

        The source is streamed into the store through the same path as an
        upload, with its hashing, checksum check and size cap; failures end
        as for ``upload``.
        """
        image = self._get_queued(context, image_id, 'upload_image')
        self.check_source(context, source_uri, copy=True)
        driver = self.stores.driver_for_upload(store_name)
        self._transition(image.id, lifecycle.QUEUED, lifecycle.SAVING)
        try:
            data = self.stores.get(source_uri)
        except BaseException:
            self._abandon_upload(image.id, kill_on_failure)
            raise
        with data:
            return self._save_data(image.id, driver, _DataReader(data),
                                   data.size, checksum, kill_on_failure)

    def set_location(self, context, image_id, uri, size=None, checksum=None):
        """Activate a queued image whose data stays at ``uri`` (v1 location).

        Nothing is copied; downloads read from there.  The size is the one
        the location's store reports when it can (``size``, if given, must
        match it, else Conflict), else ``size``.  ``checksum`` is recorded
        as given.
        """
        image = self._get_queued(context, image_id, 'modify_image')
        self.check_source(context, uri, copy=False)
        stored_size = self.stores.get_size(uri) if self.stores.reads(uri) \
            else None
        if None not in (size, stored_size) and size != stored_size:
            raise exception.Conflict(
                'Provided image size must match the stored image size. '
                '(provided size: %d, stored size: %d)' % (size, stored_size))
        return self._transition(
            image.id, lifecycle.QUEUED, lifecycle.ACTIVE,
            size=size if stored_size is None else stored_size,
            checksum=checksum, locations=[image_mod.Location(uri)])

    def check_source(self, context, uri, copy):
        """Refuse an external source the caller may not use.

        ``copy``: the data is to be copied (policy ``copy_from``), else
        registered as the image's location (``set_image_location``).  Only
        http(s), swift and s3 sources are accepted (BadStoreUri).
        """
        self.authorizer.authorize(
            context, 'copy_from' if copy else 'set_image_location')
        store.check_external_source(uri)

    def check_store(self, store_name):
        """Refuse a store name no upload could go to (InvalidParameterValue).
        """
        self.stores.driver_for_upload(store_name)

    def _get_queued(self, context, image_id, rule):
        image = self._get_visible(context, image_id)
        self.authorizer.authorize(context, rule, image)
        self._require_mutable(context, image, 'upload data to')
        if image.status not in lifecycle.UPLOADABLE:
            raise exception.Conflict(
                'Image status must be queued to upload data, not %s.'
                % image.status)
        return image

    def _save_data(self, image_id, driver, source, size, checksum,
                   kill_on_failure):
        """Stream ``source`` into ``driver`` for an image in saving."""
        reader = stored = None
        try:
            reader = hashing.HashingReader(
                _Heartbeat(source, lambda: self.repo.touch(
                    image_id, lifecycle.SAVING)),
                expected_size=size, size_cap=self.conf.image_size_cap,
                algorithms=('md5', self.conf.hashing_algorithm))
            stored = driver.add(image_id, reader, size)
            size, md5, os_hash = reader.finish()
            if checksum is not None and checksum != md5:
                raise exception.ChecksumMismatch(supplied=checksum,
                                                 computed=md5)
        except BaseException as error:
            if reader is not None:
                reader.abort()
            if stored is not None:
                self._delete_data([image_mod.Location(stored.uri)])
            self._abandon_upload(image_id, kill_on_failure or isinstance(
                error, exception.ChecksumMismatch))
            raise
        try:
            return self._transition(
                image_id, lifecycle.SAVING, lifecycle.ACTIVE,
                size=size, checksum=md5,
                os_hash_algo=self.conf.hashing_algorithm,
                os_hash_value=os_hash,
                locations=[image_mod.Location(stored.uri)])
        except BaseException:
            self._delete_data([image_mod.Location(stored.uri)])
            raise

    def _abandon_upload(self, image_id, kill=False):
        """End a failed upload: back to queued, or killed."""
        target = lifecycle.KILLED if kill else lifecycle.QUEUED
        try:
            self._transition(image_id, lifecycle.SAVING, target)
        except (exception.NotFound, exception.Conflict):
            LOG.info('Image %s changed status during a failed upload; '
                     'left as it is', image_id)

    def download(self, context, image_id, choose_range=None):
        """The image and an ImageData for its bytes, or None if no data.

        ``choose_range(size)``, called once the image is known to have
        ``size`` > 0 bytes the caller may read, returns the ``(offset,
        length)`` to read or None for all of them; it may raise to refuse.
        """
        image = self.get(context, image_id)
        self.authorizer.authorize(context, 'download_image', image)
        if image.status == lifecycle.DEACTIVATED and not context.is_admin:
            raise exception.Forbidden(
                'The requested image has been deactivated. Image data '
                'download is forbidden.')
        if image.status not in (lifecycle.ACTIVE, lifecycle.DEACTIVATED) \
                or not image.locations:
            return image, None
        offset, length = 0, None
        if choose_range is not None and image.size:
            offset, length = choose_range(image.size) or (0, None)
        return image, self.stores.get(image.locations[0].url, offset, length)

    # -- recovery ---------------------------------------------------------

    def recover_stalled_uploads(self, stalled_for=UPLOAD_STALL_SECONDS):
        """Return images whose upload died with its server to queued."""
        older_than = image_mod.utcnow() - datetime.timedelta(
            seconds=stalled_for)
        for image in self.repo.stalled(lifecycle.SAVING, older_than):
            LOG.warning('Upload of image %s stalled; returning it to queued',
                        image.id)
            self._abandon_upload(image.id)
        for driver in self.stores.drivers():
            clean = getattr(driver, 'clean_stale_partials', None)
            if clean is not None:
                clean(stalled_for)


def _check_member_id(member_id):
    if not isinstance(member_id, str) or not 0 < len(member_id) <= 255:
        raise exception.InvalidParameterValue(
            value=member_id, param='member',
            extra='must be a project id of 1 to 255 characters')


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
    """Wraps an input stream, calling ``beat`` at most every HEARTBEAT s."""

    def __init__(self, source, beat):
        self._source = source
        self._beat = beat
        self._last = time.monotonic()

    def read(self, size=-1):
        now = time.monotonic()
        if now - self._last >= UPLOAD_HEARTBEAT_SECONDS:
            self._last = now
            self._beat()
        return self._source.read(size)
