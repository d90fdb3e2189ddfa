"""Metadata definitions: namespaces, resource types and their
associations, properties, objects and tags.

Revision ID: 0002_metadefs
Revises: 0001_initial
Create Date: 2026-12-06 00:00:00
"""

import importlib

from alembic import op
import sqlalchemy as sa

revision = '0002_metadefs'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

NAME = sa.String(80)

initial = importlib.import_module(
    'glance.db.migrations.versions.0001_initial')


def timestamps():
    return [sa.Column('created_at', initial.DATETIME, nullable=False),
            sa.Column('updated_at', initial.DATETIME)]


def namespace_child(name, *columns, options):
    """A table of named rows of a namespace, unique by name in it."""
    op.create_table(
        name,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('namespace_id', sa.Integer,
                  sa.ForeignKey('metadef_namespaces.id'), nullable=False),
        sa.Column('name', NAME, nullable=False),
        *columns,
        *timestamps(),
        sa.UniqueConstraint('namespace_id', 'name',
                            name='uq_%s_namespace_id_name' % name),
        **options)
    op.create_index('ix_%s_name' % name, name, ['name'])


def upgrade():
    options = initial.table_args(op.get_bind())
    op.create_table(
        'metadef_namespaces',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('namespace', NAME, nullable=False),
        sa.Column('display_name', NAME),
        sa.Column('description', sa.Text),
        sa.Column('visibility', sa.String(32), nullable=False),
        sa.Column('protected', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column('owner', sa.String(255)),
        *timestamps(),
        sa.UniqueConstraint('namespace',
                            name='uq_metadef_namespaces_namespace'),
        **options)
    op.create_index('ix_metadef_namespaces_owner', 'metadef_namespaces',
                    ['owner'])

    op.create_table(
        'metadef_resource_types',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('name', NAME, nullable=False),
        sa.Column('protected', sa.Boolean, nullable=False,
                  server_default=sa.false()),
        *timestamps(),
        sa.UniqueConstraint('name', name='uq_metadef_resource_types_name'),
        **options)

    op.create_table(
        'metadef_namespace_resource_types',
        sa.Column('resource_type_id', sa.Integer,
                  sa.ForeignKey('metadef_resource_types.id'),
                  primary_key=True),
        sa.Column('namespace_id', sa.Integer,
                  sa.ForeignKey('metadef_namespaces.id'), primary_key=True),
        sa.Column('properties_target', NAME),
        sa.Column('prefix', NAME),
        *timestamps(),
        **options)
    op.create_index('ix_metadef_ns_res_types_namespace_id',
                    'metadef_namespace_resource_types', ['namespace_id'])

    namespace_child('metadef_properties',
                    sa.Column('json_schema', sa.Text, nullable=False),
                    options=options)
    namespace_child('metadef_objects',
                    sa.Column('description', sa.Text),
                    sa.Column('required', sa.Text),
                    sa.Column('json_schema', sa.Text, nullable=False),
                    options=options)
    namespace_child('metadef_tags', options=options)
