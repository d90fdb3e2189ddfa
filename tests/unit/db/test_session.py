import contextlib
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from oslo_config import cfg

from glance.common import exception
from glance.db import models
from glance.db import session
from glance.db import sqlite_busy
from tests import databases as test_databases


def pragma(engine, name):
    with engine.connect() as connection:
        return connection.exec_driver_sql('PRAGMA %s' % name).scalar()


def test_sqlite_connections_are_set_up_for_several_processes(
        sqlite_engine):
    engine = sqlite_engine
    assert pragma(engine, 'journal_mode') == 'wal'
    assert pragma(engine, 'foreign_keys') == 1
    # Waiting for a busy database is sqlite_busy's, never SQLite's own.
    assert pragma(engine, 'busy_timeout') == 0
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
        assert isinstance(dbapi_connection, sqlite_busy.Connection)
        assert dbapi_connection.busy_timeout == 30


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


def hold_write_lock(engine):
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    holder.execute('BEGIN IMMEDIATE')
    return holder


def test_sqlite_writers_wait_for_another_writer_in_sleeps(
        sqlite_engine, monkeypatch):
    """Sleeps: under eventlet, time.sleep lets the other requests run."""
    holder = hold_write_lock(sqlite_engine)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            holder.rollback()

    monkeypatch.setattr(sqlite_busy.time, 'sleep', sleep)
    with session.writer(sqlite_engine).begin() as connection:
        connection.execute(sa.select(models.Image.id)).all()

    assert len(sleeps) == 3


def test_sqlite_connections_are_never_short(sqlite_engine):
    """Requests waiting for the write lock hold theirs: readers need more.
    """
    with contextlib.ExitStack() as stack:
        for _ in range(40):
            stack.enter_context(sqlite_engine.connect())


def test_a_sqlite_writer_waiting_beyond_sqlite_busy_timeout_is_refused(
        tmp_path, conf):
    conf.set_override('sqlite_busy_timeout', 1, group='database')
    engine = session.create_engine(
        test_databases.migrate('sqlite:///%s' % (tmp_path / 'g.sqlite')),
        conf)
    holder = hold_write_lock(engine)
    started = time.monotonic()
    try:
        with pytest.raises(exception.DatabaseUnavailable) as error:
            with session.writer(engine).begin():
                pass
        waited = time.monotonic() - started
        with engine.begin() as connection:
            assert connection.execute(
                sa.select(models.Image.id)).all() == []
    finally:
        holder.close()
        engine.dispose()

    assert 'locked' in str(error.value)
    assert 1 <= waited < 5


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


# -- PostgreSQL and MySQL ----------------------------------------------------

SERVERS = pytest.mark.parametrize('databases', ['postgresql', 'mysql'],
                                  indirect=True)


@pytest.fixture
def conf():
    conf = cfg.ConfigOpts()
    conf.register_opts(session.database_opts, group='database')
    conf([])
    return conf


@SERVERS
def test_first_connection_is_retried_until_the_database_exists(
        databases, conf, monkeypatch, caplog):
    """Here the database appears during the wait, as a server would."""
    server = test_databases.database_server(databases.backend)
    name = test_databases.unique_name()
    conf.set_override('connection', server.url_of(name), group='database')
    conf.set_override('retry_interval', 0, group='database')
    waits = []

    def create_meanwhile(seconds):
        waits.append(seconds)
        if len(waits) == 2:
            server.create_database(name)

    monkeypatch.setattr(session, '_engine', None)
    monkeypatch.setattr(session.time, 'sleep', create_meanwhile)
    try:
        engine = session.get_engine(conf)
        with engine.connect() as connection:
            assert connection.scalar(sa.text('SELECT 1')) == 1
        engine.dispose()
    finally:
        server.drop_database(name)
    assert waits == [0, 0]
    assert caplog.text.count('Cannot connect to the database') == 2


def test_an_unreachable_database_fails_after_max_retries(conf, caplog,
                                                         monkeypatch):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    conf.set_override(
        'connection', 'postgresql+psycopg://glance:secret@127.0.0.1:%d/glance'
        % port, group='database')
    conf.set_override('max_retries', 2, group='database')
    conf.set_override('retry_interval', 0, group='database')
    monkeypatch.setattr(session, '_engine', None)

    with pytest.raises(exception.ConfigError) as error:
        session.get_engine(conf)

    message = str(error.value)
    assert '127.0.0.1:%d' % port in message and '(3 attempts)' in message
    assert 'refused' in message and 'secret' not in message
    assert caplog.text.count('Cannot connect to the database') == 2
    assert session._engine is None


@pytest.mark.parametrize('databases', ['mysql'], indirect=True)
@pytest.mark.parametrize('sql_mode, strict', [('TRADITIONAL', True),
                                              ('ANSI_QUOTES', False)])
def test_mysql_sessions_take_the_configured_sql_mode(databases, conf,
                                                     sql_mode, strict):
    conf.set_override('mysql_sql_mode', sql_mode, group='database')
    engine = session.create_engine(databases.new(), conf)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql('CREATE TABLE t (v VARCHAR(3))')
            insert = sa.text("INSERT INTO t VALUES ('four')")
            if strict:
                with pytest.raises(sa.exc.DataError):
                    connection.execute(insert)
            else:
                connection.execute(insert)
                assert connection.exec_driver_sql(
                    'SELECT v FROM t').scalar() == 'fou'
    finally:
        engine.dispose()


GREEN_QUERY = '''
import sys
import eventlet
eventlet.monkey_patch()
import sqlalchemy as sa
from glance.db import session

engine = session.create_engine(sys.argv[1])
ticks = []
query = eventlet.spawn(lambda: engine.connect().execute(
    sa.text('SELECT pg_sleep(1)')).all())
while not query.dead:
    ticks.append(1)
    eventlet.sleep(0.01)
query.wait()
print(len(ticks))
'''


@pytest.mark.parametrize('databases', ['postgresql'], indirect=True)
def test_a_query_under_eventlet_lets_other_green_threads_run(databases):
    result = subprocess.run([sys.executable, '-c', GREEN_QUERY,
                             databases.new()],
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    # Blocked for the whole query, the loop would have run about once.
    assert int(result.stdout) > 10


@pytest.mark.parametrize('databases', ['mysql'], indirect=True)
@pytest.mark.parametrize('scheme', ['mysql', 'mariadb', 'mariadb+pymysql'])
def test_mysql_urls_without_pymysql_use_it(databases, scheme):
    url = databases.new().replace('mysql+pymysql', scheme, 1)

    engine = session.create_engine(url)
    try:
        assert engine.dialect.name == 'mysql'
        with engine.connect() as connection:
            assert 'STRICT_ALL_TABLES' in connection.scalar(
                sa.text('SELECT @@SESSION.sql_mode'))
    finally:
        engine.dispose()


@pytest.mark.parametrize('url, words', [
    ('postgresql+psycopg2://glance:secret@db/glance',
     ['postgresql+psycopg2://glance:***@db/glance', 'psycopg2',
      'postgresql+psycopg://']),
    ('nosuchdb://db/glance', ['nosuchdb']),
    ('not a url', ['Invalid database URL']),
])
def test_a_url_glance_has_no_driver_for_is_a_config_error(url, words):
    with pytest.raises(exception.ConfigError) as error:
        session.create_engine(url)

    assert all(word in str(error.value) for word in words), error.value
    assert 'secret' not in str(error.value)
