"""What the metadefs domain needs from storage, and the vocabulary of
namespace lists.

Implemented by ``glance.db.metadefs`` (SQL) and
``glance.registry.metadefs_repository`` (through glance-registry).
Contents of a namespace come by kind: ``properties``, ``objects``,
``tags`` (entities.KINDS), each unique by name in its namespace.
"""

import abc
import dataclasses

from glance.common import exception
from glance.domain import visibility

SORT_KEYS = ('created_at', 'updated_at', 'namespace', 'display_name',
             'visibility', 'protected', 'owner')
SORT_DIRECTIONS = ('asc', 'desc')


@dataclasses.dataclass
class NamespaceQuery:
    """A namespace list request: namespaces ``viewer`` sees (rules.listed),
    of ``visibility`` if given, associated with any of ``resource_types``
    if given, ordered by ``sort_key`` (then namespace), after the
    namespace named ``marker``, at most ``limit``."""
    viewer: visibility.Viewer = dataclasses.field(
        default_factory=lambda: visibility.Viewer(is_admin=True))
    visibility: str | None = None
    resource_types: list = dataclasses.field(default_factory=list)
    marker: str | None = None
    limit: int = 25
    sort_key: str = 'created_at'
    sort_dir: str = 'desc'

    def check(self):
        if self.sort_key not in SORT_KEYS:
            raise exception.InvalidSortKey(key=self.sort_key)
        if self.sort_dir not in SORT_DIRECTIONS:
            raise exception.InvalidSortDir(direction=self.sort_dir)
        if self.visibility not in (None, 'public', 'private'):
            raise exception.InvalidParameterValue(
                param='visibility', value=self.visibility,
                extra='must be public or private')
        return self


ITEM_SORT_KEYS = ('name', 'created_at', 'updated_at')


@dataclasses.dataclass
class ItemPage:
    """A page of the objects or tags of a namespace: ordered by
    ``sort_key`` (then name), after the item named ``marker``, at most
    ``limit`` (None: all)."""
    marker: str | None = None
    limit: int | None = None
    sort_key: str = 'name'
    sort_dir: str = 'asc'

    def check(self):
        if self.sort_key not in ITEM_SORT_KEYS:
            raise exception.InvalidSortKey(key=self.sort_key)
        if self.sort_dir not in SORT_DIRECTIONS:
            raise exception.InvalidSortDir(direction=self.sort_dir)
        return self

    def of(self, items, kind, namespace):
        """The page of ``items`` (entities of ``kind``); MetadefItemNotFound
        for a marker naming none."""
        ordered = sorted(items, key=lambda item: (
            getattr(item, self.sort_key), item.name),
            reverse=self.sort_dir == 'desc')
        if self.marker is not None:
            names = [item.name for item in ordered]
            if self.marker not in names:
                raise exception.MetadefItemNotFound(
                    kind=kind, name=self.marker, namespace=namespace)
            ordered = ordered[names.index(self.marker) + 1:]
        return ordered if self.limit is None else ordered[:self.limit]


class MetadefRepository(abc.ABC):

    @abc.abstractmethod
    def list_namespaces(self, query):
        """The Namespaces of a NamespaceQuery, each paired with its
        Associations; MetadefNamespaceNotFound for a marker naming
        none."""

    @abc.abstractmethod
    def get_namespace(self, name):
        """The Namespace ``name``; MetadefNamespaceNotFound if none."""

    @abc.abstractmethod
    def add_definition(self, definition):
        """Store a whole entities.Definition at once (its resource types
        created as needed); Duplicate if the namespace exists."""

    @abc.abstractmethod
    def save_namespace(self, name, namespace):
        """Write ``namespace``'s attributes over those of ``name`` (which
        it may rename); Duplicate if the new name is taken."""

    @abc.abstractmethod
    def delete_namespace(self, name):
        """Remove a namespace and everything it holds."""

    @abc.abstractmethod
    def list_items(self, kind, namespace):
        """The entities of ``kind`` in ``namespace``, by name."""

    @abc.abstractmethod
    def get_item(self, kind, namespace, name):
        """One; MetadefItemNotFound if none."""

    @abc.abstractmethod
    def add_items(self, kind, namespace, items, replace=False):
        """Add entities of ``kind`` (all or none); with ``replace``, those
        of the namespace are removed first.  Duplicate if a name is
        taken.  Returns the stored entities."""

    @abc.abstractmethod
    def save_item(self, kind, namespace, name, item):
        """Write ``item`` over the entity ``name`` (which it may rename).
        Returns the stored entity."""

    @abc.abstractmethod
    def delete_item(self, kind, namespace, name):
        """Remove one; MetadefItemNotFound if none."""

    @abc.abstractmethod
    def delete_items(self, kind, namespace):
        """Remove every entity of ``kind`` in ``namespace``."""

    @abc.abstractmethod
    def list_resource_types(self):
        """Every ResourceType, by name."""

    @abc.abstractmethod
    def associations(self, namespace):
        """The Associations of ``namespace``, by resource type name."""

    @abc.abstractmethod
    def add_association(self, namespace, association):
        """Associate (creating the resource type if unknown); Duplicate if
        already associated.  Returns the stored Association."""

    @abc.abstractmethod
    def delete_association(self, namespace, resource_type):
        """MetadefItemNotFound if not associated."""
