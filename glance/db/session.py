"""The database engine: options, pooling, and each database made safe.

Several API worker processes may share one SQLite file.  Each connection
therefore runs in WAL mode (readers never block the writer), enforces
foreign keys, and waits up to ``sqlite_busy_timeout`` for a busy database
instead of failing at once with "database is locked": in short sleeps that
let the other green threads of an eventlet worker run (see
glance.db.sqlite_busy); as each waiting request holds a connection, the
pool of a SQLite engine has no limit.  Transactions opened through
``writer(engine)`` start with ``BEGIN IMMEDIATE``: they take the write lock
first, so a read-then-write transaction never finds its snapshot stale half
way.

PostgreSQL and MySQL transactions run at READ COMMITTED whatever the
server's default: a conditional UPDATE that waited for another writer's row
lock then sees that writer's change and matches no row (Conflict), where
REPEATABLE READ or SERIALIZABLE would fail with a serialization error, and
MySQL takes no gap locks that could deadlock writers of different images.
MySQL sessions get ``mysql_sql_mode`` (strict by default), so a value that
does not fit is refused rather than silently cut.

Pooled connections are checked before use (a server restart costs no
failed request) and replaced after ``connection_recycle_time``.  The
process-wide engine of ``get_engine`` retries its first connection
``max_retries`` times, so services may start before their database.  A
database that cannot serve (full disk, lock held too long, connection lost)
raises exception.DatabaseUnavailable (see glance.db.errors).

glance-api runs under eventlet: psycopg's C wait would stop every green
thread of a process during each query, so under eventlet psycopg waits with
the (green) select instead.
"""

import logging
import os
import sys
import time

import sqlalchemy as sa
from oslo_config import cfg

from glance.common import exception
from glance.db import errors
from glance.db import sqlite_busy

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

database_opts = [
    cfg.StrOpt('connection', secret=True,
               help='SQLAlchemy URL of the image metadata database: '
                    '"postgresql+psycopg://glance:secret@db/glance" '
                    '(PostgreSQL), '
                    '"mysql+pymysql://glance:secret@db/glance?charset=utf8mb4" '
                    '(MariaDB or MySQL) or '
                    '"sqlite:////var/lib/glance/glance.sqlite".'),
    cfg.IntOpt('connection_recycle_time', default=3600, min=-1,
               help='Seconds after which a pooled connection is replaced '
                    'rather than reused, so servers that drop idle '
                    'connections never hand out a dead one; -1 never.'),
    cfg.IntOpt('max_pool_size', default=5, min=0,
               help='Connections each process keeps open to the database; '
                    '0 means no limit.  Not used with SQLite.'),
    cfg.IntOpt('max_overflow', default=50, min=0,
               help='Connections a process may open beyond max_pool_size '
                    'under load.  Not used with SQLite.'),
    cfg.IntOpt('pool_timeout', default=30, min=1,
               help='Seconds to wait for a free pooled connection before '
                    'failing.  Not used with SQLite.'),
    cfg.IntOpt('connection_debug', default=0, min=0, max=100,
               help='How much SQL to log: 0 none, 50 statements, 100 '
                    'statements and results.'),
    cfg.IntOpt('max_retries', default=10, min=-1,
               help='How many times a service retries its first connection '
                    'to the database at startup before giving up; -1 '
                    'retries for ever.  Not used with SQLite.'),
    cfg.IntOpt('retry_interval', default=10, min=0,
               help='Seconds between two of those startup connection '
                    'attempts.'),
    cfg.IntOpt('sqlite_busy_timeout', default=30, min=0,
               help='Seconds a statement waits for a SQLite database that '
                    'another connection holds locked (another process '
                    'writing) before the request fails with 503.  The wait '
                    'lets the other requests of the process run.  Only '
                    'used with SQLite.'),
    cfg.StrOpt('mysql_sql_mode', default='TRADITIONAL',
               help='SQL mode of MySQL sessions, overriding the server\'s. '
                    'The default, TRADITIONAL, refuses a value that does not '
                    'fit its column instead of truncating it; set it empty '
                    'to keep the server\'s SQL mode.'),
]

CONF.register_opts(database_opts, group='database')

_WRITE_OPTION = 'glance_write'

# URL schemes served as "mysql+pymysql": MySQL and MariaDB URLs naming no
# driver (SQLAlchemy would take mysqlclient, which glance does not install;
# for PostgreSQL it takes psycopg already), and "mariadb+pymysql", so that
# the MySQL settings here and in the migrations apply (SQLAlchemy's mysql
# dialect serves MariaDB too).
PYMYSQL_SCHEMES = ('mysql', 'mariadb', 'mariadb+pymysql')

_engine = None


def create_engine(url, conf=CONF):
    """An engine for ``url`` pooled per ``[database]``, set up for its
    database."""
    db = _database_options(conf)
    echo = 'debug' if db.connection_debug >= 100 else db.connection_debug >= 50
    kwargs = {'pool_recycle': db.connection_recycle_time,
              'pool_pre_ping': True, 'echo': echo}
    url = _with_installed_driver(url)
    backend = url.get_backend_name()
    if backend != 'sqlite':
        kwargs.update(pool_size=db.max_pool_size,
                      max_overflow=db.max_overflow,
                      pool_timeout=db.pool_timeout,
                      isolation_level='READ COMMITTED')
    if backend == 'postgresql':
        _cooperate_with_eventlet()
    if backend == 'sqlite':
        # SQLite itself never waits (timeout 0): sqlite_busy.Connection does.
        kwargs['connect_args'] = {'factory': sqlite_busy.Connection,
                                  'timeout': 0}
        if url.database not in (None, '', ':memory:'):
            # Each request waiting for the write lock holds a connection:
            # a bounded pool would leave none to the readers.
            kwargs['max_overflow'] = -1
    try:
        engine = sa.create_engine(url, **kwargs)
    except (ImportError, sa.exc.NoSuchModuleError) as error:
        raise exception.ConfigError(
            'No driver for the database URL %s (%s): glance comes with '
            'postgresql+psycopg://, mysql+pymysql:// and sqlite://.'
            % (url, error)) from None
    if backend == 'sqlite':
        sa.event.listen(engine, 'connect',
                        _sqlite_connection_setter(db.sqlite_busy_timeout))
        sa.event.listen(engine, 'begin', _begin_sqlite_transaction)
    elif backend == 'mysql' and db.mysql_sql_mode:
        sa.event.listen(engine, 'connect',
                        _mysql_sql_mode_setter(db.mysql_sql_mode))
    errors.raise_unavailable(engine)
    return engine


def _with_installed_driver(url):
    """``url`` parsed, with the driver of PYMYSQL_SCHEMES applied."""
    try:
        url = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        raise exception.ConfigError(
            'Invalid database URL in [database] connection: %s' % error)
    if url.drivername in PYMYSQL_SCHEMES:
        url = url.set(drivername='mysql+pymysql')
    return url


def _mysql_sql_mode_setter(sql_mode):
    def set_sql_mode(dbapi_connection, connection_record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute('SET SESSION sql_mode = %s', [sql_mode])
    return set_sql_mode


def _cooperate_with_eventlet():
    patcher = sys.modules.get('eventlet.patcher')
    if patcher is not None and patcher.is_monkey_patched('select'):
        from psycopg import waiting
        waiting.wait = waiting.wait_select


def _sqlite_connection_setter(busy_timeout):
    def configure(dbapi_connection, connection_record):
        # Leave BEGIN to _begin_sqlite_transaction instead of pysqlite,
        # which would start transactions late and only before data changes.
        dbapi_connection.isolation_level = None
        dbapi_connection.busy_timeout = busy_timeout
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA journal_mode = WAL')
        cursor.execute('PRAGMA foreign_keys = ON')
        cursor.close()
    return configure


def _begin_sqlite_transaction(connection):
    if connection.get_execution_options().get(_WRITE_OPTION):
        connection.exec_driver_sql('BEGIN IMMEDIATE')
    else:
        connection.exec_driver_sql('BEGIN')


def writer(engine):
    """The engine to open transactions that will write.

    On SQLite they begin by taking the write lock (waiting for it up to
    ``sqlite_busy_timeout``, then DatabaseUnavailable); elsewhere this
    changes nothing.
    """
    return engine.execution_options(**{_WRITE_OPTION: True})


def get_engine(conf=CONF):
    """The process-wide engine for ``[database] connection``, once it has
    connected (see ``max_retries``)."""
    global _engine
    if _engine is None:
        db = _database_options(conf)
        if not db.connection:
            raise exception.ConfigError(
                'No database configured: set "connection" in the '
                '[database] section of the configuration file.')
        engine = create_engine(db.connection, conf)
        if engine.dialect.name != 'sqlite':
            _wait_for_database(engine, db.max_retries, db.retry_interval)
        _engine = engine
    return _engine


def _wait_for_database(engine, max_retries, retry_interval):
    """Connect once, retrying; ConfigError naming the server if it never
    answers."""
    attempt = 0
    while True:
        try:
            engine.connect().close()
            return
        except (sa.exc.OperationalError,
                exception.DatabaseUnavailable) as error:
            reason = str(error.__cause__ or error).strip().splitlines()[0]
            if attempt == max_retries:
                engine.dispose()
                raise exception.ConfigError(
                    'Cannot connect to the database at %s (%d attempt%s): %s'
                    % (engine.url, attempt + 1, 's' if attempt else '',
                       reason))
            attempt += 1
            LOG.warning('Cannot connect to the database at %s (%s); attempt '
                        '%d in %d s', engine.url, reason, attempt + 1,
                        retry_interval)
            time.sleep(retry_interval)


def _database_options(conf):
    # Idempotent; lets callers pass a ConfigOpts other than the global one.
    conf.register_opts(database_opts, group='database')
    return conf.database


def _drop_inherited_connections():
    # A forked worker must not use the connections its parent opened.
    if _engine is not None:
        _engine.dispose(close=False)


os.register_at_fork(after_in_child=_drop_inherited_connections)
