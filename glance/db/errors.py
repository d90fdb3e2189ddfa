"""Database failures that are no bug of the request: DatabaseUnavailable.

A full disk, a lock held beyond the wait allowed, a lost or refused
connection, a server shutting down: the request may succeed later, so the
client gets a 503, where SQLAlchemy's OperationalError would be a 500.

Engines of ``glance.db.session.create_engine`` raise DatabaseUnavailable
from their statements already (``raise_unavailable``).  ``translate_errors``
also covers what happens outside a statement, such as waiting for a pooled
connection, and engines made elsewhere: wrap each repository method in it.
Errors that are bugs (a constraint violated, a missing table, bad SQL) pass
through unchanged.
"""

import contextlib
import logging
import sys

import sqlalchemy as sa

from glance.common import exception

LOG = logging.getLogger(__name__)

LOCKED = 'it stayed locked by another writer longer than allowed'
FULL = 'its disk is full'
DISK_FAILED = 'its disk failed'
READ_ONLY = 'it is read-only'
DAMAGED = 'its file is damaged'
NO_CONNECTION = 'the connection to it failed'
NO_FREE_CONNECTION = 'no connection to it was free in time'
BUSY_SERVER = 'the server is out of resources or shutting down'
CONFLICT = 'the transaction conflicted with another; try again'
TIMED_OUT = 'it took longer than allowed to answer'

# SQLite primary result codes.
_SQLITE = {
    5: LOCKED,  # SQLITE_BUSY
    6: LOCKED,  # SQLITE_LOCKED
    7: BUSY_SERVER,  # SQLITE_NOMEM
    8: READ_ONLY,  # SQLITE_READONLY
    10: DISK_FAILED,  # SQLITE_IOERR
    11: DAMAGED,  # SQLITE_CORRUPT
    13: FULL,  # SQLITE_FULL
    14: DISK_FAILED,  # SQLITE_CANTOPEN
    15: LOCKED,  # SQLITE_PROTOCOL
    26: DAMAGED,  # SQLITE_NOTADB
}

# PostgreSQL SQLSTATEs, or their first two characters (the class).
_POSTGRESQL = {
    '08': NO_CONNECTION,  # connection exception
    '53100': FULL,  # disk_full
    '53': BUSY_SERVER,  # insufficient resources
    '57P01': NO_CONNECTION,  # admin_shutdown: terminated, or shutdown
    '57P02': NO_CONNECTION,  # crash_shutdown
    '57P03': BUSY_SERVER,  # cannot_connect_now
    '57014': TIMED_OUT,  # query_canceled (statement_timeout)
    '55P03': LOCKED,  # lock_not_available (lock_timeout)
    '40001': CONFLICT,  # serialization_failure
    '40P01': CONFLICT,  # deadlock_detected
    '25006': READ_ONLY,  # read_only_sql_transaction (a standby)
}

# MySQL and MariaDB error numbers.
_MYSQL = {
    3: FULL,  # EE_WRITE: error writing file
    1021: FULL,  # ER_DISK_FULL
    1114: FULL,  # ER_RECORD_FILE_FULL: the table is full
    1030: DISK_FAILED,  # ER_GET_ERRNO: error from the storage engine
    1040: BUSY_SERVER,  # ER_CON_COUNT_ERROR: too many connections
    1203: BUSY_SERVER,  # ER_TOO_MANY_USER_CONNECTIONS
    1053: BUSY_SERVER,  # ER_SERVER_SHUTDOWN
    1205: LOCKED,  # ER_LOCK_WAIT_TIMEOUT
    1213: CONFLICT,  # ER_LOCK_DEADLOCK
    1290: READ_ONLY,  # ER_OPTION_PREVENTS_STATEMENT: --read-only
    1792: READ_ONLY,  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    1927: NO_CONNECTION,  # ER_CONNECTION_KILLED (MariaDB)
    2002: NO_CONNECTION,  # CR_CONNECTION_ERROR
    2003: NO_CONNECTION,  # CR_CONN_HOST_ERROR
    2006: NO_CONNECTION,  # CR_SERVER_GONE_ERROR
    2013: NO_CONNECTION,  # CR_SERVER_LOST
    4031: NO_CONNECTION,  # ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
}


def unavailable_reason(error, is_disconnect=False):
    """Why ``error`` (a DBAPI or SQLAlchemy exception) means the database
    cannot serve now, or None if it is some other failure."""
    if isinstance(error, sa.exc.TimeoutError):
        return NO_FREE_CONNECTION
    if isinstance(error, sa.exc.DBAPIError):
        is_disconnect = is_disconnect or error.connection_invalidated
        error = error.orig
    reason = _driver_reason(error)
    if reason is None and is_disconnect:
        return NO_CONNECTION
    return reason


def _driver_reason(error):
    code = getattr(error, 'sqlite_errorcode', None)
    if code is not None:
        return _SQLITE.get(code & 0xff)
    psycopg = sys.modules.get('psycopg')
    if psycopg is not None and isinstance(error, psycopg.Error):
        if error.sqlstate is None:
            # From the client library: the server was never reached, or the
            # connection broke.
            return NO_CONNECTION \
                if isinstance(error, psycopg.OperationalError) else None
        return _POSTGRESQL.get(error.sqlstate,
                               _POSTGRESQL.get(error.sqlstate[:2]))
    pymysql = sys.modules.get('pymysql')
    if pymysql is not None and isinstance(error, pymysql.MySQLError) \
            and error.args and isinstance(error.args[0], int):
        return _MYSQL.get(error.args[0])
    return None


def unavailable(error, is_disconnect=False):
    """The DatabaseUnavailable ``error`` amounts to, or None."""
    reason = unavailable_reason(error, is_disconnect)
    if reason is None:
        return None
    LOG.warning('Database unavailable (%s): %s', reason, error)
    return exception.DatabaseUnavailable(reason=reason)


@contextlib.contextmanager
def translate_errors():
    """Turn the failures of an unavailable database into
    DatabaseUnavailable.  A context manager, or a decorator:
    ``@errors.translate_errors()``."""
    try:
        yield
    except (sa.exc.DBAPIError, sa.exc.TimeoutError) as error:
        translated = unavailable(error)
        if translated is None:
            raise
        raise translated from error


def raise_unavailable(engine):
    """Make ``engine`` raise DatabaseUnavailable from its statements and
    connections instead of SQLAlchemy's errors, where they mean it."""
    sa.event.listen(engine, 'handle_error', _on_error)


def _on_error(context):
    if context.is_pre_ping:
        # The pool then replaces the connection; the caller never sees it.
        return None
    return unavailable(context.sqlalchemy_exception
                       or context.original_exception, context.is_disconnect)
