"""Migration 0002_metadefs on SQLite, PostgreSQL and MySQL: Glance's
tables with their unique constraints and indexes, enforced."""

import datetime

import pytest
import sqlalchemy as sa

UNIQUE = {
    'metadef_namespaces': {('namespace',)},
    'metadef_resource_types': {('name',)},
    'metadef_properties': {('namespace_id', 'name')},
    'metadef_objects': {('namespace_id', 'name')},
    'metadef_tags': {('namespace_id', 'name')},
}
INDEXED = {
    'metadef_namespaces': {('owner',)},
    'metadef_namespace_resource_types': {('namespace_id',)},
    'metadef_properties': {('name',)},
    'metadef_objects': {('name',)},
    'metadef_tags': {('name',)},
}


def test_metadef_tables_have_their_constraints_and_indexes(engine):
    inspector = sa.inspect(engine)
    for table, expected in UNIQUE.items():
        unique = {tuple(constraint['column_names']) for constraint in
                  inspector.get_unique_constraints(table)}
        # MySQL reports a unique constraint as a unique index too.
        unique |= {tuple(index['column_names'])
                   for index in inspector.get_indexes(table)
                   if index['unique']}
        assert expected <= unique, table
    for table, expected in INDEXED.items():
        indexed = {tuple(index['column_names'])
                   for index in inspector.get_indexes(table)}
        assert expected <= indexed, table
    assert inspector.get_pk_constraint(
        'metadef_namespace_resource_types')['constrained_columns'] == [
        'resource_type_id', 'namespace_id']


def test_names_are_unique_in_a_namespace(engine):
    now = datetime.datetime(2026, 1, 1)
    namespaces = sa.table('metadef_namespaces', sa.column('id'),
                          sa.column('namespace'), sa.column('visibility'),
                          sa.column('created_at'))
    tags = sa.table('metadef_tags', sa.column('namespace_id'),
                    sa.column('name'), sa.column('created_at'))
    with engine.begin() as connection:
        connection.execute(namespaces.insert(), [
            {'id': 1, 'namespace': 'a', 'visibility': 'public',
             'created_at': now},
            {'id': 2, 'namespace': 'b', 'visibility': 'public',
             'created_at': now}])
        connection.execute(tags.insert(), [
            {'namespace_id': 1, 'name': 'gold', 'created_at': now},
            {'namespace_id': 2, 'name': 'gold', 'created_at': now},
            {'namespace_id': 1, 'name': 'Gold', 'created_at': now}])
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.execute(tags.insert(), {
                'namespace_id': 1, 'name': 'gold', 'created_at': now})
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.execute(namespaces.insert(), {
                'id': 3, 'namespace': 'a', 'visibility': 'private',
                'created_at': now})
