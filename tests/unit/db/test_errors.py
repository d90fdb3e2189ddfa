import sqlite3

import psycopg
import pymysql
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from glance.common import exception
from glance.db import errors
from glance.db import models
from glance.db import session
from tests import databases as test_databases

SERVERS = pytest.mark.parametrize('databases', ['postgresql', 'mysql'],
                                  indirect=True)


def fill(connection):
    connection.exec_driver_sql('CREATE TABLE filler (data BLOB)')
    for _ in range(20):
        connection.execute(sa.text('INSERT INTO filler VALUES (:data)'),
                           {'data': b'x' * 100000})


@pytest.fixture
def full_sqlite_url(tmp_path):
    return 'sqlite:///%s' % (tmp_path / 'full.sqlite')


def limit_pages(engine):
    """Let the connections of ``engine`` hold a few pages only: writing
    more fails as on a full disk (SQLITE_FULL, "database or disk is
    full")."""
    @sa.event.listens_for(engine, 'connect')
    def limit(dbapi_connection, connection_record):
        dbapi_connection.execute('PRAGMA max_page_count = 20')


def test_a_full_sqlite_database_is_unavailable(full_sqlite_url):
    engine = session.create_engine(full_sqlite_url)
    limit_pages(engine)
    try:
        with pytest.raises(exception.DatabaseUnavailable) as error:
            with session.writer(engine).begin() as connection:
                fill(connection)
        with engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'filler'"
            ).scalar() == 0
    finally:
        engine.dispose()

    assert str(error.value) == \
        'The image database is unavailable: its disk is full'
    assert isinstance(error.value.__cause__, sqlite3.OperationalError)


def test_translate_errors_covers_engines_made_elsewhere(full_sqlite_url):
    engine = sa.create_engine(full_sqlite_url)
    limit_pages(engine)

    @errors.translate_errors()
    def write():
        with engine.begin() as connection:
            fill(connection)

    try:
        with pytest.raises(exception.DatabaseUnavailable) as error:
            write()
    finally:
        engine.dispose()
    assert 'disk is full' in str(error.value)
    assert isinstance(error.value.__cause__, sa.exc.OperationalError)


def test_errors_that_are_bugs_pass_through(sqlite_engine):
    with pytest.raises(sa.exc.OperationalError) as error:
        with errors.translate_errors(), sqlite_engine.connect() as connection:
            connection.exec_driver_sql('SELECT * FROM no_such_table')
    assert 'no such table' in str(error.value)

    with pytest.raises(sa.exc.IntegrityError):
        with errors.translate_errors(), sqlite_engine.begin() as connection:
            connection.execute(sa.insert(models.ImageTag).values(
                image_id='missing', value='tag', created_at=sa.func.now()))


def database_pid(connection):
    if connection.dialect.name == 'postgresql':
        return connection.scalar(sa.text('SELECT pg_backend_pid()'))
    return connection.scalar(sa.text('SELECT connection_id()'))


def kill(backend, pid):
    server = test_databases.database_server(backend)
    if backend == 'postgresql':
        server.execute('SELECT pg_terminate_backend(%d)' % pid)
    else:
        server.execute('KILL %d' % pid)


@SERVERS
def test_a_connection_lost_mid_transaction_is_unavailable(databases):
    engine = session.create_engine(databases.new())
    try:
        with pytest.raises(exception.DatabaseUnavailable) as error:
            with engine.begin() as connection:
                kill(databases.backend, database_pid(connection))
                connection.execute(sa.text('SELECT 1')).all()
        with engine.connect() as connection:
            assert connection.scalar(sa.text('SELECT 1')) == 1
    finally:
        engine.dispose()
    assert 'connection to it failed' in str(error.value)


@pytest.fixture
def one_connection_conf():
    conf = cfg.ConfigOpts()
    conf.register_opts(session.database_opts, group='database')
    conf([])
    conf.set_override('max_pool_size', 1, group='database')
    conf.set_override('max_overflow', 0, group='database')
    conf.set_override('pool_timeout', 1, group='database')
    return conf


@pytest.mark.parametrize('databases', ['postgresql'], indirect=True)
def test_translate_errors_turns_a_pool_timeout_unavailable(
        databases, one_connection_conf):
    engine = session.create_engine(databases.new(), one_connection_conf)
    try:
        with engine.connect():
            with pytest.raises(exception.DatabaseUnavailable) as error:
                with errors.translate_errors():
                    engine.connect()
    finally:
        engine.dispose()
    assert 'no connection to it was free' in str(error.value)


@pytest.mark.parametrize('error, reason', [
    (sa.exc.TimeoutError(), errors.NO_FREE_CONNECTION),
    (sa.exc.OperationalError('SELECT 1', {}, Exception('gone'),
                             connection_invalidated=True),
     errors.NO_CONNECTION),
    (sa.exc.OperationalError('SELECT 1', {}, Exception('odd')), None),
    (ValueError('not a database error'), None),
])
def test_unavailable_reason_without_a_driver_code(error, reason):
    assert errors.unavailable_reason(error) == reason


@pytest.mark.parametrize('error, reason', [
    (psycopg.errors.DiskFull('no space left'), errors.FULL),
    (psycopg.errors.TooManyConnections('too many'), errors.BUSY_SERVER),
    (psycopg.errors.AdminShutdown('terminating'), errors.NO_CONNECTION),
    (psycopg.errors.CannotConnectNow('starting up'), errors.BUSY_SERVER),
    (psycopg.errors.DeadlockDetected('deadlock'), errors.CONFLICT),
    (psycopg.errors.ReadOnlySqlTransaction('standby'), errors.READ_ONLY),
    (psycopg.OperationalError('connection refused'), errors.NO_CONNECTION),
    (psycopg.errors.UniqueViolation('duplicate'), None),
    (psycopg.errors.UndefinedTable('no such table'), None),
    (pymysql.err.OperationalError(1114, 'The table is full'), errors.FULL),
    (pymysql.err.OperationalError(1205, 'Lock wait timeout'),
     errors.LOCKED),
    (pymysql.err.OperationalError(2013, 'Lost connection'),
     errors.NO_CONNECTION),
    (pymysql.err.OperationalError(1054, 'Unknown column'), None),
    (pymysql.err.IntegrityError(1062, 'Duplicate entry'), None),
])
def test_unavailable_reason_of_server_errors(error, reason):
    assert errors.unavailable_reason(error) == reason
