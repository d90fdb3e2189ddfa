"""What the domain needs from image metadata storage.

Two implementations serve this interface: the SQL one (``glance.db``) and,
later, the registry client.  The domain never sees SQL or HTTP.
"""

import abc
import dataclasses
import datetime


@dataclasses.dataclass
class ImageQuery:
    """A validated image list request.

    ``filters`` maps a base attribute (name, status, visibility, owner,
    disk_format, container_format, protected, os_hidden, id, checksum,
    min_disk, min_ram) to the list of values it may take (several values come
    from the ``in:`` operator).  ``property_filters`` does the same for
    extra properties.  ``tags``: every tag must be on the image.  ``ranges``
    are ``(attribute, operator, value)`` with operator one of eq, neq, gt,
    gte, lt, lte, on size, created_at and updated_at.  ``sort`` is a list of
    ``(key, 'asc'|'desc')``; the repository appends ``id`` to make paging
    total.  ``marker`` is the id of the last image of the previous page.

    ``viewer_owner`` and ``viewer_is_admin`` describe the caller.  When
    ``filters`` has no visibility:
      - an admin sees every image except community images not its own;
      - anyone else sees public images, their own images, and shared
        images of which they are a member whose status is
        ``member_status`` ('accepted' by default, 'all' for any).
    With a visibility filter, only images of that visibility the caller
    could see (community: all community images).
    ``os_hidden`` defaults to False: hidden images are listed only when
    the filter asks for them.

    Image API v1 adds three features:
      - ``admin_as_user``: the domain lists for an admin as for anyone
        else (v1's default listing);
      - ``is_public``: True keeps only public images, False only the
        others, among those listed;
      - ``changes_since``: only images whose updated_at is later than
        this naive UTC datetime, deleted images included (they come back
        with ``deleted`` True and ``deleted_at`` set); the marker may
        then name a deleted image too.
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
    admin_as_user: bool = False
    is_public: bool | None = None
    changes_since: datetime.datetime | None = None
    viewer_owner: str | None = None
    viewer_is_admin: bool = False


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
    def save(self, image, require_status=None):
        """Persist the client-mutable attributes, properties and tags.

        Status, size, hashes and locations are not written here: they
        change only through ``transition``.  With ``require_status`` the
        write happens only if the stored status still equals it, else
        Conflict.  Sets and returns the new ``updated_at``.
        Raises ImageNotFound if the image is gone.
        """

    @abc.abstractmethod
    def transition(self, image_id, from_status, to_status, **values):
        """Move an image from one status to another, atomically.

        ``UPDATE ... SET status=to_status, <values> WHERE id=image_id AND
        status=from_status``.  ``values`` may set size, virtual_size,
        checksum, os_hash_algo, os_hash_value; ``locations`` (a list of
        Location) replaces the image's locations; ``deleted=True`` soft
        deletes the row.  Returns the updated Image.  Raises Conflict when
        the stored status is not ``from_status`` and ImageNotFound when the
        image is gone.
        """

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
    def save_member(self, member):
        """Add the Member, or update can_share and status if it exists.

        Returns the stored Member.  Raises ImageNotFound if the image is
        gone.
        """

    @abc.abstractmethod
    def remove_member(self, image_id, member_id):
        """Remove a membership; MemberNotFound if there is none."""

    @abc.abstractmethod
    def replace_members(self, image_id, members):
        """Make the image's memberships exactly ``members``, atomically.

        A member kept keeps its status; ``can_share`` is taken from
        ``members``.
        """

    @abc.abstractmethod
    def stalled(self, status, older_than):
        """Images in ``status`` whose updated_at is before ``older_than``."""
