"""Tasks: image imports run from rows, so that they survive a restart.

Revision ID: 0003_tasks
Revises: 0002_metadefs
Create Date: 2026-12-06 00:00:00
"""

import importlib

from alembic import op
import sqlalchemy as sa

revision = '0003_tasks'
down_revision = '0002_metadefs'
branch_labels = None
depends_on = None

# The column types and table options every table shares.
initial = importlib.import_module(
    'glance.db.migrations.versions.0001_initial')


def upgrade():
    op.create_table(
        'tasks',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('type', sa.String(30), nullable=False),
        sa.Column('status', sa.String(30), nullable=False),
        sa.Column('owner', sa.String(255)),
        sa.Column('input', sa.Text),
        sa.Column('result', sa.Text),
        sa.Column('message', sa.Text),
        sa.Column('image_id', sa.String(36)),
        sa.Column('request_id', sa.String(64)),
        sa.Column('user_id', sa.String(64)),
        sa.Column('expires_at', initial.DATETIME),
        *initial.bookkeeping_columns(),
        **initial.table_args(op.get_bind()))
    op.create_index('ix_tasks_owner', 'tasks', ['owner'])
    op.create_index('ix_tasks_image_id', 'tasks', ['image_id'])
    op.create_index('ix_tasks_status_updated_at', 'tasks',
                    ['status', 'updated_at'])
    op.create_index('ix_tasks_created_at_id', 'tasks', ['created_at', 'id'])
