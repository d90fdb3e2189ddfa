import pytest

from glance.db import migration
from glance.db import repository
from glance.db import session


@pytest.fixture
def engine(tmp_path):
    """An engine on a fresh SQLite file migrated to the newest schema."""
    engine = session.create_engine('sqlite:///%s' % (tmp_path / 'glance.db'))
    migration.db_sync(engine=engine)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine):
    return repository.SqlImageRepository(engine)
