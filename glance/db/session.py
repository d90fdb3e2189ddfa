"""The database engine: options, pooling, and SQLite made safe for workers.

Several API worker processes may share one SQLite file.  Each connection
therefore runs in WAL mode (readers never block the writer), enforces
foreign keys, and waits for a busy database instead of failing with
"database is locked".  Transactions opened through ``writer(engine)`` start
with ``BEGIN IMMEDIATE``: they take the write lock first, so a
read-then-write transaction never finds its snapshot stale half way.
"""

import os

import sqlalchemy as sa
from oslo_config import cfg

from glance.common import exception

CONF = cfg.CONF

database_opts = [
    cfg.StrOpt('connection', secret=True,
               help='SQLAlchemy URL of the image metadata database, for '
                    'example "mysql+pymysql://glance:secret@db/glance" or '
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
]

CONF.register_opts(database_opts, group='database')

# Seconds an SQLite connection waits for another process's write lock.
SQLITE_BUSY_TIMEOUT = 30

_WRITE_OPTION = 'glance_write'

_engine = None


def create_engine(url, conf=CONF):
    """An engine for ``url`` pooled per ``[database]``; SQLite made safe."""
    db = _database_options(conf)
    echo = 'debug' if db.connection_debug >= 100 else db.connection_debug >= 50
    kwargs = {'pool_recycle': db.connection_recycle_time,
              'pool_pre_ping': True, 'echo': echo}
    is_sqlite = sa.engine.make_url(url).get_backend_name() == 'sqlite'
    if not is_sqlite:
        kwargs.update(pool_size=db.max_pool_size,
                      max_overflow=db.max_overflow,
                      pool_timeout=db.pool_timeout)
    engine = sa.create_engine(url, **kwargs)
    if is_sqlite:
        sa.event.listen(engine, 'connect', _configure_sqlite_connection)
        sa.event.listen(engine, 'begin', _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection, connection_record):
    # Leave BEGIN to _begin_sqlite_transaction instead of pysqlite, which
    # would start transactions late and only before data changes.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA busy_timeout = %d' % (SQLITE_BUSY_TIMEOUT * 1000))
    cursor.execute('PRAGMA journal_mode = WAL')
    cursor.execute('PRAGMA foreign_keys = ON')
    cursor.close()


def _begin_sqlite_transaction(connection):
    if connection.get_execution_options().get(_WRITE_OPTION):
        connection.exec_driver_sql('BEGIN IMMEDIATE')
    else:
        connection.exec_driver_sql('BEGIN')


def writer(engine):
    """The engine to open transactions that will write.

    On SQLite they begin by taking the write lock (waiting for it if need
    be); elsewhere this changes nothing.
    """
    return engine.execution_options(**{_WRITE_OPTION: True})


def get_engine(conf=CONF):
    """The process-wide engine for ``[database] connection``."""
    global _engine
    if _engine is None:
        url = _database_options(conf).connection
        if not url:
            raise exception.ConfigError(
                'No database configured: set "connection" in the '
                '[database] section of the configuration file.')
        _engine = create_engine(url, conf)
    return _engine


def _database_options(conf):
    # Idempotent; lets callers pass a ConfigOpts other than the global one.
    conf.register_opts(database_opts, group='database')
    return conf.database


def _drop_inherited_connections():
    # A forked worker must not use the connections its parent opened.
    if _engine is not None:
        _engine.dispose(close=False)


os.register_at_fork(after_in_child=_drop_inherited_connections)
