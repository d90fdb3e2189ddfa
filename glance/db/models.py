"""Tables of image metadata, with Glance's table and column names.

Rows are not removed: ``deleted``/``deleted_at`` mark them gone, as Glance
does, so a deleted image's id is never reused.  Datetimes are naive UTC,
kept to the microsecond on every database.

Every key an image list may be sorted by has an index ``(key, id)``: a page
is read by seeking to the marker in that index and walking ``limit``
entries, whatever the size of the table.  These indexes also serve equality
filters on their leading column (owner, status, visibility, os_hidden...).

Indexes differ by database where the databases differ (each is declared
with ``ddl_if`` for the databases that have it):

- PostgreSQL indexes nullable sort keys ``NULLS FIRST``, the order the
  repository asks for there; SQLite and MySQL put NULL first anyway.
- PostgreSQL does not index property values, unbounded text a btree entry
  could not hold: ``ix_image_properties_name`` covers the name alone.
  MySQL indexes their first ``PROPERTY_VALUE_INDEX_LENGTH`` characters.

On MySQL the migrations give every table a binary, no-pad collation, so
that text compares and sorts by code point as on SQLite and PostgreSQL:
tags "a", "A" and "a " are three tags, not one.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

from glance.domain import repository

# InnoDB with utf8mb4: 4 bytes a character, 3072 bytes an index entry.
TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

# Characters of a property value MySQL indexes; it cannot index TEXT whole.
PROPERTY_VALUE_INDEX_LENGTH = 255



# To the microsecond everywhere; MySQL's DATETIME alone keeps whole seconds.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


class Base(orm.DeclarativeBase):
    pass


class SoftDeleteMixin:
    """The bookkeeping columns every Glance table carries."""
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DATETIME, nullable=False)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DATETIME)
    deleted_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DATETIME)
    deleted: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())


class ImageChildMixin(SoftDeleteMixin):
    """A row that belongs to one image."""
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=True)
    image_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(36), sa.ForeignKey('images.id'), nullable=False)


def _not_postgresql(ddl, target, bind, *, dialect, **kw):
    return dialect.name != 'postgresql'


def only_on_postgresql(index):
    return index.ddl_if(dialect='postgresql')


def except_on_postgresql(index):
    return index.ddl_if(callable_=_not_postgresql)


class Image(SoftDeleteMixin, Base):
    __tablename__ = 'images'
    __table_args__ = (sa.Index('ix_images_checksum', 'checksum'), TABLE_ARGS)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    disk_format: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))
    container_format: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(20))
    size: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    virtual_size: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(30),
                                                nullable=False)
    visibility: orm.Mapped[str] = orm.mapped_column(
        sa.String(10), nullable=False, default='shared',
        server_default='shared')
    checksum: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    os_hash_algo: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    os_hash_value: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(128))
    min_disk: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, nullable=False, default=0, server_default='0')
    min_ram: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, nullable=False, default=0, server_default='0')
    owner: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    protected: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())
    os_hidden: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())


class ImageProperty(ImageChildMixin, Base):
    __tablename__ = 'image_properties'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'name',
                            name='ix_image_properties_image_id_name'),
        except_on_postgresql(sa.Index(
            'ix_image_properties_name_value', 'name', 'value',
            mysql_length={'value': PROPERTY_VALUE_INDEX_LENGTH})),
        only_on_postgresql(sa.Index('ix_image_properties_name', 'name')),
        TABLE_ARGS)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    value: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class ImageTag(ImageChildMixin, Base):
    __tablename__ = 'image_tags'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'value',
                            name='ix_image_tags_image_id_value'),
        sa.Index('ix_image_tags_value', 'value'),
        TABLE_ARGS)
    value: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                               nullable=False)


class ImageLocation(ImageChildMixin, Base):
    __tablename__ = 'image_locations'
    __table_args__ = (
        sa.Index('ix_image_locations_image_id', 'image_id'),
        TABLE_ARGS)
    value: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    meta_data: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(30), nullable=False, default='active',
        server_default='active')


class ImageMember(ImageChildMixin, Base):
    __tablename__ = 'image_members'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'member', 'deleted_at',
                            name='image_members_image_id_member_deleted_at'),
        sa.Index('ix_image_members_member', 'member'),
        TABLE_ARGS)
    member: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                nullable=False)
    can_share: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(20), nullable=False, default='pending',
        server_default='pending')


class NodeReference(Base):
    """A glance-api node of the image cache's centralized_db driver, by its
    worker_self_reference_url."""
    __tablename__ = 'node_reference'
    __table_args__ = (TABLE_ARGS,)
    node_reference_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    node_reference_url: orm.Mapped[str] = orm.mapped_column(
        sa.String(255), nullable=False, unique=True)


class CachedImage(Base):
    """An image held by a node's image cache (centralized_db driver)."""
    __tablename__ = 'cached_images'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'node_reference_id',
                            name='ix_cached_images_image_id_node'),
        TABLE_ARGS)
    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    image_id: orm.Mapped[str] = orm.mapped_column(sa.String(36),
                                                  nullable=False)
    last_accessed: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DATETIME, nullable=False)
    last_modified: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DATETIME, nullable=False)
    size: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, nullable=False)
    hits: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, nullable=False, default=0, server_default='0')
    checksum: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    node_reference_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey('node_reference.node_reference_id'),
        nullable=False)


def _index_sort_keys(table):
    """The ``(key, id)`` index of every sort key, NULL first."""
    for key in repository.SORT_KEYS:
        if key == 'id':
            continue
        name, column = 'ix_images_%s_id' % key, table.c[key]
        if column.nullable:
            except_on_postgresql(sa.Index(name, column, table.c.id))
            only_on_postgresql(sa.Index(name, column.nulls_first(),
                                        table.c.id))
        else:
            sa.Index(name, column, table.c.id)


_index_sort_keys(Image.__table__)


# Metadata definitions (metadefs): Glance's tables.  Rows are removed, not
# soft deleted, as in Glance: a definition has no history to keep.
METADEF_NAME_LENGTH = 80


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        DATETIME, nullable=False)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DATETIME)


class NamespaceChildMixin(TimestampMixin):
    """A row of one namespace, unique by name within it."""
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=True)
    namespace_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey('metadef_namespaces.id'), nullable=False)
    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH), nullable=False)


def _child_table_args(table):
    return (sa.UniqueConstraint('namespace_id', 'name',
                                name='uq_%s_namespace_id_name' % table),
            sa.Index('ix_%s_name' % table, 'name'),
            TABLE_ARGS)


class MetadefNamespace(TimestampMixin, Base):
    __tablename__ = 'metadef_namespaces'
    __table_args__ = (
        sa.UniqueConstraint('namespace',
                            name='uq_metadef_namespaces_namespace'),
        sa.Index('ix_metadef_namespaces_owner', 'owner'),
        TABLE_ARGS)
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=True)
    namespace: orm.Mapped[str] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH), nullable=False)
    display_name: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    visibility: orm.Mapped[str] = orm.mapped_column(sa.String(32),
                                                    nullable=False)
    protected: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())
    owner: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))


class MetadefResourceType(TimestampMixin, Base):
    __tablename__ = 'metadef_resource_types'
    __table_args__ = (
        sa.UniqueConstraint('name', name='uq_metadef_resource_types_name'),
        TABLE_ARGS)
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=True)
    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH), nullable=False)
    protected: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false())


class MetadefNamespaceResourceType(TimestampMixin, Base):
    __tablename__ = 'metadef_namespace_resource_types'
    __table_args__ = (
        sa.Index('ix_metadef_ns_res_types_namespace_id', 'namespace_id'),
        TABLE_ARGS)
    resource_type_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey('metadef_resource_types.id'),
        primary_key=True)
    namespace_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey('metadef_namespaces.id'), primary_key=True)
    properties_target: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH))
    prefix: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(METADEF_NAME_LENGTH))


class MetadefProperty(NamespaceChildMixin, Base):
    __tablename__ = 'metadef_properties'
    __table_args__ = _child_table_args(__tablename__)
    json_schema: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)


class MetadefObject(NamespaceChildMixin, Base):
    __tablename__ = 'metadef_objects'
    __table_args__ = _child_table_args(__tablename__)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    required: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    json_schema: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)


class MetadefTag(NamespaceChildMixin, Base):
    __tablename__ = 'metadef_tags'
    __table_args__ = _child_table_args(__tablename__)


class Task(SoftDeleteMixin, Base):
    """A task (glance.domain.task), its input and result as JSON text."""
    __tablename__ = 'tasks'
    __table_args__ = (
        sa.Index('ix_tasks_owner', 'owner'),
        sa.Index('ix_tasks_image_id', 'image_id'),
        sa.Index('ix_tasks_status_updated_at', 'status', 'updated_at'),
        sa.Index('ix_tasks_created_at_id', 'created_at', 'id'),
        TABLE_ARGS)

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    type: orm.Mapped[str] = orm.mapped_column(sa.String(30), nullable=False)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(30),
                                                nullable=False)
    owner: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    input: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    result: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    image_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    request_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    expires_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        DATETIME)
