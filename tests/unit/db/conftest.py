import pytest

from glance.db import migration
from glance.db import repository
from glance.db import session
from tests.databases import database_url, new_database  # noqa: F401


def migrated_engine(url):
    engine = session.create_engine(url)
    migration.db_sync(engine=engine)
    return engine


@pytest.fixture
def engine(database_url):
    """An engine on a new database migrated to the newest schema, on
    SQLite, PostgreSQL and MySQL in turn."""
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    """The same on SQLite alone, for what only SQLite has."""
    engine = migrated_engine('sqlite:///%s' % (tmp_path / 'glance.db'))
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine):
    return repository.SqlImageRepository(engine)
