"""The image entity: attributes, extra properties, tags and locations."""

import dataclasses
import datetime
import uuid

from glance.domain import lifecycle

VISIBILITIES = ('public', 'private', 'shared', 'community')

MEMBER_STATUSES = ('pending', 'accepted', 'rejected')

# Attributes the service manages itself; a client may never set them.
READ_ONLY = frozenset({
    'checksum', 'created_at', 'direct_url', 'file', 'os_hash_algo',
    'os_hash_value', 'schema', 'self', 'size', 'status', 'updated_at',
    'virtual_size', 'locations', 'deleted', 'deleted_at', 'stores'})

# Names no extra property may take: they mean something to the service.
RESERVED = frozenset({'owner_id', 'is_public', 'location', 'deleted',
                      'deleted_at', 'os_glance_importing_to_stores',
                      'os_glance_failed_import'})

# Base attributes a client may set at creation or change with PATCH.
MUTABLE = ('name', 'visibility', 'protected', 'os_hidden', 'owner',
           'disk_format', 'container_format', 'min_disk', 'min_ram')

# What describes stored data: set only by a status transition, never by
# a client (see ImageRepository.transition).
DATA_ATTRIBUTES = ('size', 'virtual_size', 'checksum', 'os_hash_algo',
                   'os_hash_value')

# Longest extra property name and value, as Glance stores them.
MAX_PROPERTY_LENGTH = 255

# Formats of Amazon kernel, ramdisk and machine images: an image using one
# of them as disk or container format must use it as both.
AMAZON_FORMATS = ('aki', 'ari', 'ami')


def utcnow():
    """Naive UTC now, to the microsecond: images created within one second
    still list in the order they came (views show whole seconds)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass
class Location:
    url: str
    metadata: dict = dataclasses.field(default_factory=dict)
    status: str = 'active'


@dataclasses.dataclass
class Image:
    id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    status: str = lifecycle.QUEUED
    name: str | None = None
    visibility: str = 'shared'
    protected: bool = False
    os_hidden: bool = False
    owner: str | None = None
    disk_format: str | None = None
    container_format: str | None = None
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    created_at: datetime.datetime = dataclasses.field(default_factory=utcnow)
    updated_at: datetime.datetime = dataclasses.field(default_factory=utcnow)
    extra_properties: dict = dataclasses.field(default_factory=dict)
    tags: set = dataclasses.field(default_factory=set)
    locations: list = dataclasses.field(default_factory=list)
    # Set on deleted images, which only lists asking for changes since a
    # time (Image API v1's changes-since) return.
    deleted: bool = False
    deleted_at: datetime.datetime | None = None

    def __post_init__(self):
        self.mark_stored()

    @property
    def is_public(self):
        """Image API v1's view of the visibility."""
        return self.visibility == 'public'

    def mark_stored(self):
        """Remember the current state as the stored one; ``changes`` is
        what differs from it.  An Image starts out as stored: repositories
        build them from what they read."""
        self._stored = (
            {name: getattr(self, name) for name in MUTABLE},
            dict(self.extra_properties), frozenset(self.tags))

    def changes(self):
        """An ImageChanges: what differs from the stored state."""
        attributes, properties, tags = self._stored
        return ImageChanges(
            attributes={name: getattr(self, name) for name in MUTABLE
                        if getattr(self, name) != attributes[name]},
            set_properties={
                name: value for name, value in self.extra_properties.items()
                if properties.get(name, _ABSENT) != value},
            removed_properties=frozenset(
                properties.keys() - self.extra_properties.keys()),
            added_tags=frozenset(self.tags - tags),
            removed_tags=frozenset(tags - self.tags))


_ABSENT = object()


@dataclasses.dataclass(frozen=True)
class ImageChanges:
    """What a save writes: the client-mutable attributes that changed,
    the extra properties set and removed, the tags added and removed.

    Writing only changes lets two requests that read the same image and
    change different things both keep their change.
    """
    attributes: dict = dataclasses.field(default_factory=dict)
    set_properties: dict = dataclasses.field(default_factory=dict)
    removed_properties: frozenset = frozenset()
    added_tags: frozenset = frozenset()
    removed_tags: frozenset = frozenset()


@dataclasses.dataclass
class Member:
    """A project an image is shared with.

    ``status`` is the member's answer (v2: pending, accepted, rejected);
    ``can_share`` lets the member share the image further (v1).
    """
    image_id: str
    member_id: str
    can_share: bool = False
    status: str = 'pending'
    created_at: datetime.datetime = dataclasses.field(default_factory=utcnow)
    updated_at: datetime.datetime = dataclasses.field(default_factory=utcnow)
