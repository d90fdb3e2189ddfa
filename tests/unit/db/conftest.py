import pytest

from glance.db import metadefs
from glance.db import repository
from glance.db import session


@pytest.fixture
def engine(databases):
    """An engine on a database at the newest schema with empty tables, on
    SQLite, PostgreSQL and MySQL in turn."""
    engine = session.create_engine(databases.migrated())
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine):
    return repository.SqlImageRepository(engine)


@pytest.fixture
def metadef_repo(engine):
    return metadefs.SqlMetadefRepository(engine)
