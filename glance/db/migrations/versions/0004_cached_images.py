"""The image cache's centralized_db driver: which node caches which image.

Revision ID: 0004_cached_images
Revises: 0003_tasks
Create Date: 2026-12-06 00:00:00
"""

import importlib

from alembic import op
import sqlalchemy as sa

revision = '0004_cached_images'
down_revision = '0003_tasks'
branch_labels = None
depends_on = None

# Its table options (MySQL collation) and datetime type apply here too.
_initial = importlib.import_module(
    'glance.db.migrations.versions.0001_initial')
DATETIME = _initial.DATETIME


def upgrade():
    options = _initial.table_args(op.get_bind())
    op.create_table(
        'node_reference',
        sa.Column('node_reference_id', sa.Integer, primary_key=True,
                  autoincrement=True),
        sa.Column('node_reference_url', sa.String(255), nullable=False,
                  unique=True),
        **options)
    op.create_table(
        'cached_images',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('image_id', sa.String(36), nullable=False),
        sa.Column('last_accessed', DATETIME, nullable=False),
        sa.Column('last_modified', DATETIME, nullable=False),
        sa.Column('size', sa.BigInteger, nullable=False),
        sa.Column('hits', sa.Integer, nullable=False, server_default='0'),
        sa.Column('checksum', sa.String(32)),
        sa.Column('node_reference_id', sa.Integer,
                  sa.ForeignKey('node_reference.node_reference_id'),
                  nullable=False),
        sa.UniqueConstraint('image_id', 'node_reference_id',
                            name='ix_cached_images_image_id_node'),
        **options)
