import pytest
import sqlalchemy as sa
from alembic import autogenerate
from alembic import migration as alembic_migration
from alembic import util as alembic_util

from glance.db import migration
from glance.db import models
from glance.db import session


@pytest.fixture
def empty_engine(database_url):
    engine = session.create_engine(database_url)
    yield engine
    engine.dispose()


def test_a_new_database_has_no_version(empty_engine):
    assert migration.db_version(engine=empty_engine) is None


def test_db_sync_upgrades_to_the_newest_revision(empty_engine):
    migration.db_sync(engine=empty_engine)

    head = migration.head_revision()
    assert head is not None
    assert migration.db_version(engine=empty_engine) == head
    assert {'images', 'image_properties', 'image_tags', 'image_locations',
            'image_members'} <= set(sa.inspect(empty_engine).get_table_names())


def test_db_sync_again_keeps_the_data(engine):
    with engine.begin() as connection:
        connection.execute(sa.insert(models.Image).values(
            id='kept', status='active', created_at=sa.func.now()))

    migration.db_sync(engine=engine)

    with engine.connect() as connection:
        assert connection.scalar(sa.select(models.Image.id)) == 'kept'
    assert migration.db_version(engine=engine) == migration.head_revision()


def test_db_sync_to_an_unknown_revision_fails(empty_engine):
    with pytest.raises(alembic_util.CommandError):
        migration.db_sync('no-such-revision', engine=empty_engine)


def test_migrated_schema_matches_the_models(engine, databases):
    """What db_sync builds is what the models describe, on this database."""
    from_models = session.create_engine(databases.new())
    models.Base.metadata.create_all(from_models)
    described = sa.MetaData()
    described.reflect(from_models)
    from_models.dispose()

    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'compare_type': True,
                              'compare_server_default': True})
        differences = autogenerate.compare_metadata(context, described)

    assert differences == []
    assert {index.name for index in described.tables['images'].indexes} == \
        {index.name for index in models.Image.__table__.indexes}


@pytest.mark.parametrize('databases', ['mysql'], indirect=True)
def test_mysql_tables_compare_text_by_code_point(engine):
    with engine.connect() as connection:
        collations = dict(connection.execute(sa.text(
            'SELECT table_name, table_collation FROM information_schema.tables'
            ' WHERE table_schema = DATABASE()'
            " AND table_name != 'alembic_version'")).all())

    assert set(collations) == set(models.Base.metadata.tables)
    assert set(collations.values()) == {'utf8mb4_nopad_bin'}


def test_sqlite_has_planner_statistics_for_every_image_index(
        sqlite_engine):
    with sqlite_engine.connect() as connection:
        analyzed = set(connection.scalars(sa.text(
            "SELECT idx FROM sqlite_stat1 WHERE tbl = 'images'")))

    assert analyzed == {index.name
                        for index in models.Image.__table__.indexes}
