"""SQLite connections that wait for a busy database without stopping others.

SQLite's own busy timeout sleeps inside C: under eventlet every green
thread of the process shares that OS thread, so one request waiting for
another process's write lock would stop the whole worker (and a green
thread of the same process holding the lock could never release it).
These connections run with SQLite's busy timeout at 0 and retry a
statement, or a COMMIT, that found the database busy after a ``time.sleep``
(green under eventlet) until ``busy_timeout`` seconds have passed; then the
"database is locked" error propagates.

What may find the database busy, in WAL mode: BEGIN IMMEDIATE while another
connection writes; a read while another process recovers the WAL after a
crash, holds the database in exclusive locking mode or deletes the WAL as it
closes; COMMIT only outside WAL mode, where it waits for readers.  A busy
error inside a read transaction whose snapshot another writer made stale
(SQLITE_BUSY_SNAPSHOT) is not retried: only a new transaction can succeed.
"""

import sqlite3
import time

SQLITE_BUSY = 5
SQLITE_BUSY_SNAPSHOT = 517

# Pauses between attempts, growing as SQLite's own busy handler does; the
# last one repeats.
_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


def is_busy(error):
    """Whether ``error`` means another connection holds a lock we need."""
    code = getattr(error, 'sqlite_errorcode', None)
    return code is not None and code & 0xff == SQLITE_BUSY \
        and code != SQLITE_BUSY_SNAPSHOT


def retry_while_busy(busy_timeout, call, *args):
    """``call(*args)``, attempted again while the database is busy, for up
    to ``busy_timeout`` seconds."""
    give_up_at = time.monotonic() + busy_timeout
    attempt = 0
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            remaining = give_up_at - time.monotonic()
            if not is_busy(error) or remaining <= 0:
                raise
        time.sleep(min(_PAUSES[min(attempt, len(_PAUSES) - 1)], remaining))
        attempt += 1


class Cursor(sqlite3.Cursor):

    def execute(self, sql, parameters=()):
        return retry_while_busy(self.connection.busy_timeout,
                                super().execute, sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        # In a transaction only the first execution can find the database
        # busy (it then holds the lock it needs), so a retry repeats none.
        return retry_while_busy(self.connection.busy_timeout,
                                super().executemany, sql,
                                list(seq_of_parameters))


class Connection(sqlite3.Connection):
    """Pass as ``factory`` to sqlite3.connect; set ``busy_timeout``."""

    busy_timeout = 0

    def cursor(self, factory=Cursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self):
        retry_while_busy(self.busy_timeout, super().commit)
