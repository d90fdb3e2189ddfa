import pytest
import sqlalchemy as sa
from alembic import autogenerate
from alembic import migration as alembic_migration
from alembic import util as alembic_util

from glance.db import migration
from glance.db import models
from glance.db import session


@pytest.fixture
def empty_engine(tmp_path):
    engine = session.create_engine('sqlite:///%s' % (tmp_path / 'new.db'))
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


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        differences = autogenerate.compare_metadata(context,
                                                    models.Base.metadata)

    assert differences == []


def test_sqlite_has_planner_statistics_for_every_image_index(engine):
    with engine.connect() as connection:
        analyzed = set(connection.scalars(sa.text(
            "SELECT idx FROM sqlite_stat1 WHERE tbl = 'images'")))

    assert analyzed == {index.name
                        for index in models.Image.__table__.indexes}
