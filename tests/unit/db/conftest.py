import pytest

from glance.db import repository
from glance.db import session
from tests import databases as test_databases
from tests.databases import database_url, databases  # noqa: F401
from tests.databases import shared_databases  # noqa: F401


@pytest.fixture
def engine(databases):
    """An engine on a database at the newest schema with empty tables, on
    SQLite, PostgreSQL and MySQL in turn."""
    engine = session.create_engine(databases.migrated())
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    """A new migrated SQLite database, for what only SQLite has."""
    url = test_databases.migrate('sqlite:///%s' % (tmp_path / 'glance.db'))
    engine = session.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine):
    return repository.SqlImageRepository(engine)
