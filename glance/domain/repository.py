"""What the domain needs from image metadata storage, and the one
vocabulary of image lists.

Two implementations serve this interface: the SQL one (``glance.db``) and
the registry one (``glance.registry.repository``).  The domain never sees
SQL or HTTP; the repositories hold no rule of their own.
"""

import abc
import dataclasses
import datetime

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import visibility

# Base attributes a list may filter on with a list of values.
FILTER_ATTRIBUTES = frozenset({
    'name', 'status', 'visibility', 'owner', 'disk_format',
    'container_format', 'protected', 'os_hidden', 'id', 'checksum',
    'os_hash_value', 'min_disk', 'min_ram'})
# Attributes a list may compare with RANGE_OPERATORS.
RANGE_ATTRIBUTES = frozenset({'size', 'created_at', 'updated_at'})
RANGE_OPERATORS = ('eq', 'neq', 'gt', 'gte', 'lt', 'lte')
# Keys a list may sort on; the database has a (key, id) index for each.
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at', 'visibility', 'owner',
             'min_disk', 'min_ram', 'virtual_size', 'protected', 'os_hidden')
SORT_DIRECTIONS = ('asc', 'desc')
MEMBER_STATUSES = image_mod.MEMBER_STATUSES + (visibility.ANY_STATUS,)


@dataclasses.dataclass
class ImageQuery:
    """An image list request.

    ``filters`` maps a base attribute of FILTER_ATTRIBUTES to the list of
    values it may take (several values come from the ``in:`` operator).
    ``property_filters`` does the same for extra properties.  ``tags``:
    every tag must be on the image.  ``ranges`` are ``(attribute, operator,
    value)`` on RANGE_ATTRIBUTES.  ``sort`` is a list of ``(key,
    'asc'|'desc')``; ``id`` is appended to make paging total.  ``marker``
    is the id of the last image of the previous page.

    Which images are listed is ``visibility.listed`` for ``viewer`` (set
    by the domain from the caller), the ``visibility`` filter and
    ``member_status`` ('accepted' by default, 'all' for any).
    ``os_hidden`` defaults to False: hidden images are listed only when
    the filter asks for them.  ``changes_since``: only images whose
    updated_at is later than this naive UTC datetime, deleted images
    included (they come back with ``deleted`` True and ``deleted_at``
    set); the marker may then name a deleted image too.
    """
    filters: dict = dataclasses.field(default_factory=dict)
    property_filters: dict = dataclasses.field(default_factory=dict)
    tags: list = dataclasses.field(default_factory=list)
    ranges: list = dataclasses.field(default_factory=list)
    sort: list = dataclasses.field(
        default_factory=lambda: [('created_at', 'desc')])
    limit: int = 25
    marker: str | None = None
    member_status: str = 'accepted'
    changes_since: datetime.datetime | None = None
    viewer: visibility.Viewer = dataclasses.field(
        default_factory=visibility.Viewer)

    def check(self):
        """Raise Invalid unless every filter, range, sort and status is
        one of the vocabulary above."""
        for attribute, values in self.filters.items():
            if attribute not in FILTER_ATTRIBUTES:
                raise exception.InvalidParameterValue(
                    param=attribute, value=values, extra='not a filter')
        for value in self.filters.get('visibility', ()):
            if value not in image_mod.VISIBILITIES:
                raise exception.InvalidParameterValue(
                    param='visibility', value=value,
                    extra='expected one of %s'
                          % ', '.join(image_mod.VISIBILITIES))
        for attribute, operator, _ in self.ranges:
            if attribute not in RANGE_ATTRIBUTES:
                raise exception.InvalidFilterRangeValue()
            if operator not in RANGE_OPERATORS:
                raise exception.InvalidFilterOperatorValue()
        for key, direction in self.sort:
            if key not in SORT_KEYS:
                raise exception.InvalidSortKey(key=key)
            if direction not in SORT_DIRECTIONS:
                raise exception.InvalidSortDir(direction=direction)
        if self.member_status not in MEMBER_STATUSES:
            raise exception.InvalidParameterValue(
                param='member_status', value=self.member_status,
                extra='must be one of %s' % ', '.join(MEMBER_STATUSES))
        if self.limit < 0:
            raise exception.InvalidParameterValue(
                param='limit', value=self.limit, extra='must not be negative')
        return self

    def sort_keys(self):
        """``sort`` with id appended to make the order total."""
        keys = list(self.sort)
        if 'id' not in {key for key, _ in keys}:
            keys.append(('id', keys[-1][1] if keys else 'desc'))
        return keys

    def rule(self):
        """The visibility term selecting the images listed."""
        return visibility.listed(self.filters.get('visibility'),
                                 self.member_status)


@dataclasses.dataclass(frozen=True)
class StorageQuota:
    """The most bytes of image data ``owner`` may store
    (user_storage_quota): the size of every image it owns that is neither
    killed nor deleted, once per location."""
    owner: str | None
    limit: int


@dataclasses.dataclass(frozen=True)
class OwnerUsage:
    """What one owner's images hold, counted as Glance counts them for
    Keystone's unified limits (glance.domain.limits)."""
    # Bytes of data stored: as StorageQuota counts them.
    stored_bytes: int
    # Bytes of data in the staging area: the size of each image uploading
    # (staged for glance-direct), or otherwise neither killed nor deleted
    # with os_glance_importing_to_stores set (an import under way).
    staged_bytes: int
    # Images neither killed nor deleted.
    images: int
    # Images saving, uploading or importing, or otherwise neither killed
    # nor deleted with os_glance_importing_to_stores set.
    uploading: int


class ImageRepository(abc.ABC):

    @abc.abstractmethod
    def get(self, image_id):
        """The image with its properties, tags and locations.

        Raises ImageNotFound for an unknown or deleted image.  Images carry
        ``deleted`` and ``deleted_at`` (see ImageQuery.changes_since).
        """

    @abc.abstractmethod
    def list(self, query):
        """One page of images (with properties and tags) for an ImageQuery.

        Raises ImageNotFound if ``query.marker`` names no visible image,
        InvalidSortKey for an unknown sort key.
        """

    @abc.abstractmethod
    def add(self, image):
        """Insert a new image with its properties and tags.

        Raises Duplicate if the id exists (even deleted).
        """

    @abc.abstractmethod
    def save(self, image_id, changes, require_status=None,
             max_properties=None, max_tags=None):
        """Write an ImageChanges to the stored image, atomically.

        Status and data attributes are not written here: they change only
        through ``transition``.  With ``require_status`` the write happens
        only if the stored status still equals it, else Conflict.  A write
        that adds properties (tags) and leaves the image with more than
        ``max_properties`` (``max_tags``) is not made:
        ImagePropertyLimitExceeded (ImageTagLimitExceeded); concurrent
        saves of one image are counted one after the other.  Returns the
        new ``updated_at``.  Raises ImageNotFound if the image is gone.
        """

    @abc.abstractmethod
    def transition(self, image_id, from_status, to_status,
                   storage_quota=None, **values):
        """Move an image from one status to another, atomically.

        ``UPDATE ... SET status=to_status, <values> WHERE id=image_id AND
        status=from_status``.  ``values`` may set the DATA_ATTRIBUTES of
        glance.domain.image; ``locations`` (a list of
        Location) replaces the image's locations; ``deleted=True`` soft
        deletes the row.  Returns the updated Image.  Raises Conflict when
        the stored status is not ``from_status`` and ImageNotFound when the
        image is gone.

        With ``storage_quota`` (a StorageQuota) the move is not made, and
        StorageQuotaFull raised, when the data of the owner's other images
        and of this one (its size once per location, as the move leaves
        it) exceed the quota; moves of one owner's images are counted one
        after the other.
        """

    @abc.abstractmethod
    def change_locations(self, image_id, status, remove=(), add=(),
                         storage_quota=None, max_locations=None):
        """Change the locations of an image in ``status`` in one
        transaction: those at the urls of ``remove`` go, then the Locations
        of ``add`` are appended.  Changes of one image's locations are made
        one after the other, so none brings back a location another
        removed or drops one another added.  Returns the updated Image.

        Conflict, and nothing changed, if the image left ``status``, no
        longer has a location ``remove`` names, has one at a url of ``add``
        (not removed by this change), or would be left with no location
        (an image loses its data only through ``transition``).
        ImageLocationLimitExceeded if it would have more than
        ``max_locations``; ``storage_quota`` as for ``transition``.
        ImageNotFound if the image is gone.
        """

    @abc.abstractmethod
    def swap_property(self, image_id, name, expected, value,
                      require_status=None):
        """Set the extra property ``name`` to ``value`` (None: remove it)
        only if it is ``expected`` now (None: absent), atomically: of
        callers expecting the same value, one wins and the others get
        Conflict.  With ``require_status``, only while the image is in that
        status (else Conflict).  ImageNotFound if the image is gone."""

    @abc.abstractmethod
    def touch(self, image_id, status):
        """Bump updated_at of an image still in ``status``; a heartbeat."""

    @abc.abstractmethod
    def member_status(self, image_id, member):
        """The status of ``member``'s membership of an image, or None."""

    @abc.abstractmethod
    def members(self, image_id):
        """The live Members of an image, oldest first."""

    @abc.abstractmethod
    def member_images(self, member_id):
        """The live Members of ``member_id`` on images not deleted."""

    @abc.abstractmethod
    def storage_used(self, owner, excluding=None):
        """Bytes of image data ``owner`` stores (see StorageQuota), the
        image ``excluding`` left out."""

    @abc.abstractmethod
    def usage(self, owner):
        """The OwnerUsage of ``owner``."""

    @abc.abstractmethod
    def save_member(self, member, max_members=None):
        """Add the Member, or update can_share and status if it exists.

        Returns the stored Member.  Raises ImageNotFound if the image is
        gone, ImageMemberLimitExceeded (and adds nothing) if the image
        would have more than ``max_members`` members; concurrent adds are
        counted one after the other.
        """

    @abc.abstractmethod
    def remove_member(self, image_id, member_id):
        """Remove a membership; MemberNotFound if there is none."""

    @abc.abstractmethod
    def replace_members(self, image_id, members, max_members=None):
        """Make the image's memberships exactly ``members``, atomically.

        A member kept keeps its status; ``can_share`` is taken from
        ``members``.  ImageMemberLimitExceeded (and nothing changed) if
        that adds members and makes more than ``max_members``.
        """

    @abc.abstractmethod
    def stalled(self, status, older_than):
        """Images in ``status`` whose updated_at is before ``older_than``."""


class TaskRepository(abc.ABC):
    """What the domain needs from task storage (glance.domain.task)."""

    @abc.abstractmethod
    def add_task(self, task):
        """Insert a new Task."""

    @abc.abstractmethod
    def get_task(self, task_id):
        """The Task; TaskNotFound for an unknown or deleted one."""

    @abc.abstractmethod
    def list_tasks(self, query):
        """One page of Tasks for a TaskQuery; TaskNotFound if the marker
        names no task of the list."""

    @abc.abstractmethod
    def transition_task(self, task_id, from_status, to_status, **values):
        """Move a task from one status to another, atomically, setting the
        RESULT_ATTRIBUTES given; the updated Task.  Conflict when the
        stored status is not ``from_status``, TaskNotFound when gone."""

    @abc.abstractmethod
    def touch_task(self, task_id, status):
        """Bump updated_at of a task still in ``status``; whether it was.
        """

    @abc.abstractmethod
    def stalled_tasks(self, status, older_than):
        """Tasks in ``status`` whose updated_at is before ``older_than``."""

    @abc.abstractmethod
    def delete_expired_tasks(self, now):
        """Soft delete the tasks whose expires_at is before ``now``; how
        many."""
