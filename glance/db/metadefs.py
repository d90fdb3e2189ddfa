"""Metadata definitions kept in an SQL database: the SQL MetadefRepository.

Each write is one transaction.  Uniqueness (a namespace name, a name
within a namespace, one association per resource type and namespace) is
the database's to enforce: an insert or rename that breaks it is
Duplicate, whichever writer came second.
"""

import collections
import json

import sqlalchemy as sa
from sqlalchemy import orm

from glance.common import exception
from glance.db import models
from glance.db import repository as image_repository
from glance.db import session as db_session
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository

_translated = image_repository._translated

ITEM_MODELS = {'properties': models.MetadefProperty,
               'objects': models.MetadefObject,
               'tags': models.MetadefTag}
ITEM_KINDS = {'properties': 'property', 'objects': 'object', 'tags': 'tag'}


def _item_columns(kind, item):
    """The columns of an entity of ``kind`` other than its name."""
    if kind == 'properties':
        return {'json_schema': json.dumps(item.schema)}
    if kind == 'objects':
        return {'description': item.description,
                'required': json.dumps(item.required),
                'json_schema': json.dumps(item.properties)}
    return {}


def _to_item(kind, row):
    if kind == 'properties':
        return entities.Property(name=row.name,
                                 schema=json.loads(row.json_schema))
    if kind == 'objects':
        return entities.MetadefObject(
            name=row.name, description=row.description,
            required=json.loads(row.required or '[]'),
            properties=json.loads(row.json_schema or '{}'),
            created_at=row.created_at,
            updated_at=row.updated_at or row.created_at)
    return entities.Tag(name=row.name, created_at=row.created_at,
                        updated_at=row.updated_at or row.created_at)


def _to_namespace(row):
    return entities.Namespace(
        namespace=row.namespace, display_name=row.display_name,
        description=row.description, visibility=row.visibility,
        protected=row.protected, owner=row.owner, created_at=row.created_at,
        updated_at=row.updated_at or row.created_at)


def _listed(viewer):
    """Namespaces a viewer sees (glance.domain.metadefs.rules.can_see)."""
    namespace = models.MetadefNamespace
    if viewer.is_admin:
        return sa.true()
    seen = [namespace.owner.is_(None), namespace.visibility == 'public']
    if viewer.owner is not None:
        seen.append(namespace.owner == viewer.owner)
    return sa.or_(*seen)


def _duplicate(what):
    return exception.Duplicate('%s already exists.' % what)


class SqlMetadefRepository(repository.MetadefRepository):

    def __init__(self, engine):
        self._reader = orm.sessionmaker(engine)
        self._writer = orm.sessionmaker(db_session.writer(engine))

    # Namespaces.

    @_translated
    def list_namespaces(self, query):
        namespace = models.MetadefNamespace
        statement = sa.select(namespace).where(_listed(query.viewer))
        if query.visibility is not None:
            statement = statement.where(
                namespace.visibility == query.visibility)
        if query.resource_types:
            association = models.MetadefNamespaceResourceType
            resource_type = models.MetadefResourceType
            statement = statement.where(namespace.id.in_(
                sa.select(association.namespace_id).join(
                    resource_type,
                    resource_type.id == association.resource_type_id).where(
                    resource_type.name.in_(query.resource_types))))
        key = getattr(namespace, query.sort_key)
        with self._reader() as session:
            if query.marker is not None:
                marker = self._namespace_row(session, query.marker)
                statement = statement.where(_after(
                    key, namespace.namespace, getattr(marker, query.sort_key),
                    marker.namespace, query.sort_dir))
            order = sa.desc if query.sort_dir == 'desc' else sa.asc
            # NULL first ascending, last descending, on every database.
            statement = statement.order_by(
                order(key.is_not(None)), order(key),
                order(namespace.namespace)).limit(query.limit)
            rows = session.scalars(statement).all()
            associations = collections.defaultdict(list)
            for association, name in self._association_rows(
                    session, [row.id for row in rows]):
                associations[association.namespace_id].append(
                    self._to_association(association, name))
            return [(_to_namespace(row), associations[row.id])
                    for row in rows]

    @staticmethod
    def _namespace_row(session, name, lock=False):
        statement = sa.select(models.MetadefNamespace).where(
            models.MetadefNamespace.namespace == name)
        if lock:
            statement = statement.with_for_update()
        row = session.scalars(statement).first()
        if row is None:
            raise exception.MetadefNamespaceNotFound(namespace=name)
        return row

    @_translated
    def get_namespace(self, name):
        with self._reader() as session:
            return _to_namespace(self._namespace_row(session, name))

    @_translated
    def add_definition(self, definition):
        namespace = definition.namespace
        now = entities.utcnow()
        with self._writer.begin() as session:
            row = models.MetadefNamespace(
                created_at=now, updated_at=now,
                **{field: getattr(namespace, field)
                   for field in entities.Namespace.FIELDS})
            session.add(row)
            self._flush(session, 'Namespace %s' % namespace.namespace)
            for association in definition.associations:
                self._associate(session, row, association, now)
            for kind in entities.KINDS:
                self._insert(session, kind, row,
                             getattr(definition, kind), now)

    @_translated
    def save_namespace(self, name, namespace):
        with self._writer.begin() as session:
            row = self._namespace_row(session, name, lock=True)
            for field in entities.Namespace.FIELDS:
                setattr(row, field, getattr(namespace, field))
            row.updated_at = entities.utcnow()
            self._flush(session, 'Namespace %s' % namespace.namespace)

    @_translated
    def delete_namespace(self, name):
        with self._writer.begin() as session:
            row = self._namespace_row(session, name, lock=True)
            self._delete_contents(session, row.id)
            session.delete(row)

    @staticmethod
    def _delete_contents(session, namespace_id):
        for model in (*ITEM_MODELS.values(),
                      models.MetadefNamespaceResourceType):
            session.execute(sa.delete(model).where(
                model.namespace_id == namespace_id),
                execution_options=image_repository.UNSYNCHRONIZED)

    @staticmethod
    def _flush(session, what):
        try:
            session.flush()
        except sa.exc.IntegrityError:
            raise _duplicate(what) from None

    # Properties, objects, tags.

    def _item_rows(self, session, kind, namespace_id, name=None):
        model = ITEM_MODELS[kind]
        statement = sa.select(model).where(
            model.namespace_id == namespace_id).order_by(model.name)
        if name is not None:
            statement = statement.where(model.name == name)
        return session.scalars(statement).all()

    def _item_row(self, session, kind, namespace, name, lock=False):
        row = self._namespace_row(session, namespace, lock=lock)
        rows = self._item_rows(session, kind, row.id, name)
        if not rows:
            raise exception.MetadefItemNotFound(
                kind=ITEM_KINDS[kind], name=name, namespace=namespace)
        return rows[0]

    @_translated
    def list_items(self, kind, namespace):
        with self._reader() as session:
            row = self._namespace_row(session, namespace)
            return [_to_item(kind, item)
                    for item in self._item_rows(session, kind, row.id)]

    @_translated
    def get_item(self, kind, namespace, name):
        with self._reader() as session:
            return _to_item(kind, self._item_row(session, kind, namespace,
                                                 name))

    def _insert(self, session, kind, namespace_row, items, now):
        rows = [ITEM_MODELS[kind](namespace_id=namespace_row.id,
                                  name=item.name, created_at=now,
                                  updated_at=now, **_item_columns(kind, item))
                for item in items]
        session.add_all(rows)
        self._flush(session, 'A %s of namespace %s with one of the names '
                    '%s' % (ITEM_KINDS[kind], namespace_row.namespace,
                            ', '.join(item.name for item in items)))
        return rows

    @_translated
    def add_items(self, kind, namespace, items, replace=False):
        now = entities.utcnow()
        with self._writer.begin() as session:
            row = self._namespace_row(session, namespace, lock=True)
            if replace:
                model = ITEM_MODELS[kind]
                session.execute(sa.delete(model).where(
                    model.namespace_id == row.id),
                    execution_options=image_repository.UNSYNCHRONIZED)
            rows = self._insert(session, kind, row, items, now)
            return [_to_item(kind, item) for item in rows]

    @_translated
    def save_item(self, kind, namespace, name, item):
        with self._writer.begin() as session:
            row = self._item_row(session, kind, namespace, name, lock=True)
            row.name = item.name
            for column, value in _item_columns(kind, item).items():
                setattr(row, column, value)
            row.updated_at = entities.utcnow()
            self._flush(session, 'A %s named %s in namespace %s' % (
                ITEM_KINDS[kind], item.name, namespace))
            return _to_item(kind, row)

    @_translated
    def delete_item(self, kind, namespace, name):
        with self._writer.begin() as session:
            session.delete(self._item_row(session, kind, namespace, name,
                                          lock=True))

    @_translated
    def delete_items(self, kind, namespace):
        model = ITEM_MODELS[kind]
        with self._writer.begin() as session:
            row = self._namespace_row(session, namespace, lock=True)
            session.execute(sa.delete(model).where(
                model.namespace_id == row.id),
                execution_options=image_repository.UNSYNCHRONIZED)

    # Resource types and associations.

    @_translated
    def list_resource_types(self):
        with self._reader() as session:
            return [entities.ResourceType(
                name=row.name, protected=row.protected,
                created_at=row.created_at,
                updated_at=row.updated_at or row.created_at)
                for row in session.scalars(sa.select(
                    models.MetadefResourceType).order_by(
                    models.MetadefResourceType.name))]

    @staticmethod
    def _association_rows(session, namespace_ids):
        """The associations of the namespaces ``namespace_ids``, with
        their resource type's name, by name."""
        association = models.MetadefNamespaceResourceType
        resource_type = models.MetadefResourceType
        return session.execute(
            sa.select(association, resource_type.name).join(
                resource_type,
                resource_type.id == association.resource_type_id).where(
                association.namespace_id.in_(namespace_ids)).order_by(
                resource_type.name)).all()

    @staticmethod
    def _to_association(row, name):
        return entities.Association(
            name=name, prefix=row.prefix,
            properties_target=row.properties_target,
            created_at=row.created_at,
            updated_at=row.updated_at or row.created_at)

    @_translated
    def associations(self, namespace):
        with self._reader() as session:
            row = self._namespace_row(session, namespace)
            return [self._to_association(association, name) for
                    association, name in self._association_rows(session,
                                                                [row.id])]

    def _resource_type_id(self, session, name, now):
        """The id of the resource type ``name``, created if unknown."""
        resource_type = models.MetadefResourceType
        found = session.scalar(sa.select(resource_type.id).where(
            resource_type.name == name))
        if found is not None:
            return found
        row = resource_type(name=name, protected=False, created_at=now,
                            updated_at=now)
        session.add(row)
        self._flush(session, 'Resource type %s' % name)
        return row.id

    def _associate(self, session, namespace_row, association, now):
        row = models.MetadefNamespaceResourceType(
            namespace_id=namespace_row.id,
            resource_type_id=self._resource_type_id(session,
                                                    association.name, now),
            prefix=association.prefix,
            properties_target=association.properties_target,
            created_at=now, updated_at=now)
        session.add(row)
        self._flush(session, 'The association of namespace %s with %s' % (
            namespace_row.namespace, association.name))
        return self._to_association(row, association.name)

    @_translated
    def add_association(self, namespace, association):
        with self._writer.begin() as session:
            row = self._namespace_row(session, namespace, lock=True)
            return self._associate(session, row, association,
                                   entities.utcnow())

    @_translated
    def delete_association(self, namespace, resource_type):
        association = models.MetadefNamespaceResourceType
        with self._writer.begin() as session:
            row = self._namespace_row(session, namespace, lock=True)
            for found, name in self._association_rows(session, [row.id]):
                if name == resource_type:
                    session.execute(sa.delete(association).where(
                        association.namespace_id == row.id,
                        association.resource_type_id ==
                        found.resource_type_id),
                        execution_options=image_repository.UNSYNCHRONIZED)
                    return
        raise exception.MetadefItemNotFound(
            kind='resource_type', name=resource_type, namespace=namespace)

    @_translated
    def delete_all(self):
        """Every namespace and what it holds, and the resource types that
        are not protected: what ``glance-manage db unload_metadefs``
        does."""
        with self._writer.begin() as session:
            for model in (*ITEM_MODELS.values(),
                          models.MetadefNamespaceResourceType,
                          models.MetadefNamespace):
                session.execute(sa.delete(model))
            session.execute(sa.delete(models.MetadefResourceType).where(
                models.MetadefResourceType.protected == sa.false()))


def _after(key, name, key_value, name_value, direction):
    """Rows after the marker (key_value, name_value) in the list order."""
    def later(column, value):
        # A bound parameter: SQLAlchemy compares no column with a Python
        # bool by < or >.
        value = sa.bindparam(None, value, type_=column.type)
        return column < value if direction == 'desc' else column > value
    if key is name:
        return later(name, name_value)
    if key_value is None:
        # NULL sorts first ascending, last descending (list_namespaces).
        return sa.or_(key.is_not(None), sa.and_(key.is_(None),
                                                later(name, name_value))) \
            if direction == 'asc' else sa.and_(key.is_(None),
                                               later(name, name_value))
    after = sa.or_(later(key, key_value), sa.and_(
        key == sa.bindparam(None, key_value, type_=key.type),
        later(name, name_value)))
    if direction == 'desc':
        after = sa.or_(after, key.is_(None))
    return after
