import sqlite3

import pytest
import sqlalchemy as sa
from oslo_config import cfg

from glance.common import exception
from glance.db import models
from glance.db import session


def pragma(engine, name):
    with engine.connect() as connection:
        return connection.exec_driver_sql('PRAGMA %s' % name).scalar()


def test_sqlite_connections_are_set_up_for_several_processes(
        sqlite_engine):
    engine = sqlite_engine
    assert pragma(engine, 'journal_mode') == 'wal'
    assert pragma(engine, 'foreign_keys') == 1
    assert pragma(engine, 'busy_timeout') == \
        session.SQLITE_BUSY_TIMEOUT * 1000


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.execute(sa.insert(models.ImageTag).values(
                image_id='missing', value='tag', created_at=sa.func.now()))


def lock_is_free(engine):
    other = sqlite3.connect(engine.url.database, timeout=0,
                            isolation_level=None)
    try:
        other.execute('BEGIN IMMEDIATE')
        other.execute('ROLLBACK')
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_sqlite_writer_transactions_take_the_write_lock_when_they_begin(
        sqlite_engine):
    engine = sqlite_engine
    with session.writer(engine).begin() as connection:
        connection.execute(sa.select(models.Image.id)).all()
        assert not lock_is_free(engine)
    assert lock_is_free(engine)


def test_sqlite_reading_transactions_leave_the_write_lock_free(
        sqlite_engine):
    engine = sqlite_engine
    with engine.begin() as connection:
        connection.execute(sa.select(models.Image.id)).all()
        assert lock_is_free(engine)


@pytest.fixture
def no_engine(monkeypatch):
    monkeypatch.setattr(session, '_engine', None)
    yield
    if session._engine is not None:
        session._engine.dispose()
    cfg.CONF.clear_override('connection', group='database')


def test_get_engine_without_connection_is_a_config_error(no_engine):
    cfg.CONF.set_override('connection', None, group='database')

    with pytest.raises(exception.ConfigError) as error:
        session.get_engine()
    assert '[database]' in str(error.value)


def test_get_engine_is_one_engine_for_the_configured_url(no_engine,
                                                         tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'configured.db')
    cfg.CONF.set_override('connection', url, group='database')

    engine = session.get_engine()

    assert str(engine.url) == url and session.get_engine() is engine
