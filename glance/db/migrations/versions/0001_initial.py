"""Image metadata: images, properties, tags, locations and members.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01 00:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None

# Collations comparing text by code point with trailing spaces significant
# (MariaDB, MySQL 8), in order of preference; utf8mb4_bin if neither.
MYSQL_BINARY_COLLATIONS = ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')

# Sort keys of an image list; each gets an index (key, id) for paging.
NOT_NULL_SORT_KEYS = ('status', 'created_at', 'visibility', 'min_disk',
                      'min_ram', 'protected', 'os_hidden')
NULLABLE_SORT_KEYS = ('name', 'container_format', 'disk_format', 'size',
                      'updated_at', 'owner', 'virtual_size')

# The planner statistics SQLite would gather from a table of 100 000
# images, as "rows, rows per key value, rows per (key, id)".  Without
# statistics SQLite takes any equality on an indexed column as selective,
# and would answer "os_hidden = 0 ORDER BY created_at" by fetching every
# visible image through the os_hidden index and sorting them all.  A later
# ANALYZE replaces these with the real figures.
SQLITE_IMAGE_INDEX_STATS = {
    'ix_images_name_id': '100000 2 1',
    'ix_images_status_id': '100000 20000 1',
    'ix_images_container_format_id': '100000 10000 1',
    'ix_images_disk_format_id': '100000 10000 1',
    'ix_images_size_id': '100000 2 1',
    'ix_images_created_at_id': '100000 2 1',
    'ix_images_updated_at_id': '100000 2 1',
    'ix_images_visibility_id': '100000 25000 1',
    'ix_images_owner_id': '100000 100 1',
    'ix_images_min_disk_id': '100000 10000 1',
    'ix_images_min_ram_id': '100000 10000 1',
    'ix_images_virtual_size_id': '100000 2 1',
    'ix_images_protected_id': '100000 50000 1',
    'ix_images_os_hidden_id': '100000 50000 1',
    'ix_images_checksum': '100000 1',
}


# MySQL's DATETIME alone keeps whole seconds.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def bookkeeping_columns():
    return [
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME),
        sa.Column('deleted_at', DATETIME),
        sa.Column('deleted', sa.Boolean, nullable=False,
                  server_default=sa.false()),
    ]


def image_id_column():
    return sa.Column('image_id', sa.String(36), sa.ForeignKey('images.id'),
                     nullable=False)


def table_args(bind):
    args = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}
    if bind.dialect.name == 'mysql':
        args['mysql_collate'] = mysql_binary_collation(bind)
    return args


def mysql_binary_collation(bind):
    """Text compared as on SQLite and PostgreSQL: "a", "A", "a " differ."""
    available = set(bind.exec_driver_sql(
        "SHOW COLLATION WHERE Charset = 'utf8mb4'").scalars())
    return next((name for name in MYSQL_BINARY_COLLATIONS
                 if name in available), 'utf8mb4_bin')


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    options = table_args(bind)
    op.create_table(
        'images',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255)),
        sa.Column('disk_format', sa.String(20)),
        sa.Column('container_format', sa.String(20)),
        sa.Column('size', sa.BigInteger),
        sa.Column('virtual_size', sa.BigInteger),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('visibility', sa.String(10), nullable=False,
                  server_default='shared'),
        sa.Column('checksum', sa.String(32)),
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),
        sa.Column('min_disk', sa.Integer, nullable=False,
                  server_default='0'),
        sa.Column('min_ram', sa.Integer, nullable=False, server_default='0'),
        sa.Column('owner', sa.String(255)),
        sa.Column('protected', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('os_hidden', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        *bookkeeping_columns(),
        **options)
    for key in NOT_NULL_SORT_KEYS:
        op.create_index('ix_images_%s_id' % key, 'images', [key, 'id'])
    for key in NULLABLE_SORT_KEYS:
        # The repository orders NULL first on PostgreSQL, whose indexes
        # put it last unless told.
        column = sa.text('%s NULLS FIRST' % key) if dialect == 'postgresql' \
            else key
        op.create_index('ix_images_%s_id' % key, 'images', [column, 'id'])
    op.create_index('ix_images_checksum', 'images', ['checksum'])

    op.create_table(
        'image_properties',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        image_id_column(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('value', sa.Text),
        *bookkeeping_columns(),
        sa.UniqueConstraint('image_id', 'name',
                            name='ix_image_properties_image_id_name'),
        **options)
    if dialect == 'postgresql':
        # A btree entry there cannot hold an unbounded text value.
        op.create_index('ix_image_properties_name', 'image_properties',
                        ['name'])
    else:
        op.create_index('ix_image_properties_name_value', 'image_properties',
                        ['name', 'value'], mysql_length={'value': 255})

    op.create_table(
        'image_tags',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        image_id_column(),
        sa.Column('value', sa.String(255), nullable=False),
        *bookkeeping_columns(),
        sa.UniqueConstraint('image_id', 'value',
                            name='ix_image_tags_image_id_value'),
        **options)
    op.create_index('ix_image_tags_value', 'image_tags', ['value'])

    op.create_table(
        'image_locations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        image_id_column(),
        sa.Column('value', sa.Text, nullable=False),
        sa.Column('meta_data', sa.Text),
        sa.Column('status', sa.String(30), nullable=False,
                  server_default='active'),
        *bookkeeping_columns(),
        **options)
    op.create_index('ix_image_locations_image_id', 'image_locations',
                    ['image_id'])

    op.create_table(
        'image_members',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        image_id_column(),
        sa.Column('member', sa.String(255), nullable=False),
        sa.Column('can_share', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('status', sa.String(20), nullable=False,
                  server_default='pending'),
        *bookkeeping_columns(),
        sa.UniqueConstraint('image_id', 'member', 'deleted_at',
                            name='image_members_image_id_member_deleted_at'),
        **options)
    op.create_index('ix_image_members_member', 'image_members', ['member'])

    if dialect == 'sqlite':
        seed_sqlite_statistics()


def seed_sqlite_statistics():
    # ANALYZE of the empty schema creates sqlite_stat1 for the rows below.
    op.execute('ANALYZE')
    stat1 = sa.table('sqlite_stat1', sa.column('tbl'), sa.column('idx'),
                     sa.column('stat'))
    op.execute(stat1.delete().where(stat1.c.tbl == 'images'))
    op.bulk_insert(stat1, [
        {'tbl': 'images', 'idx': index, 'stat': stat}
        for index, stat in SQLITE_IMAGE_INDEX_STATS.items()])
    # Makes this connection load them too; others load them when opened.
    op.execute('ANALYZE sqlite_master')
