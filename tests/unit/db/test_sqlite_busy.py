import contextlib
import sqlite3

import pytest

from glance.db import sqlite_busy


@pytest.fixture
def path(tmp_path):
    path = str(tmp_path / 'busy.sqlite')
    with contextlib.closing(plain(path)) as setup:
        setup.execute('PRAGMA journal_mode = WAL')
        setup.execute('CREATE TABLE t (v)')
    return path


def connect(path, busy_timeout=30):
    connection = sqlite3.connect(path, timeout=0, isolation_level=None,
                                 factory=sqlite_busy.Connection)
    connection.busy_timeout = busy_timeout
    return connection


def plain(path):
    return sqlite3.connect(path, timeout=0, isolation_level=None)


@pytest.fixture
def sleeps(monkeypatch):
    """The pauses of retry_while_busy; ``sleeps.then(n, action)`` runs
    ``action`` at the n-th (releasing a lock, say)."""
    class Sleeps(list):
        actions = {}

        def then(self, number, action):
            self.actions[number] = action

    recorded = Sleeps()

    def sleep(seconds):
        recorded.append(seconds)
        recorded.actions.pop(len(recorded), lambda: None)()

    monkeypatch.setattr(sqlite_busy.time, 'sleep', sleep)
    return recorded


def test_begin_immediate_waits_in_sleeps_for_another_writer(path, sleeps):
    holder = plain(path)
    holder.execute('BEGIN IMMEDIATE')
    sleeps.then(3, holder.rollback)
    waiting = connect(path)

    waiting.execute('BEGIN IMMEDIATE')
    waiting.execute("INSERT INTO t VALUES ('written')")
    waiting.commit()

    assert len(sleeps) == 3 and sleeps == sorted(sleeps)
    assert plain(path).execute('SELECT v FROM t').fetchall() == \
        [('written',)]


def test_a_read_waits_for_a_connection_holding_the_database_exclusively(
        path, sleeps):
    holder = plain(path)
    holder.execute('PRAGMA locking_mode = EXCLUSIVE')
    holder.execute('BEGIN IMMEDIATE')
    holder.execute("INSERT INTO t VALUES ('mine')")
    holder.execute('COMMIT')
    sleeps.then(2, holder.close)
    reader = connect(path)

    reader.execute('BEGIN')
    assert reader.execute('SELECT v FROM t').fetchall() == [('mine',)]
    assert len(sleeps) == 2


def test_commit_waits_for_readers_outside_wal_mode(tmp_path, sleeps):
    path = str(tmp_path / 'journal.sqlite')
    with contextlib.closing(plain(path)) as setup:
        setup.execute('CREATE TABLE t (v)')
    reader = plain(path)
    reader.execute('BEGIN')
    reader.execute('SELECT * FROM t').fetchall()
    sleeps.then(2, reader.rollback)
    writer = connect(path)
    writer.execute('BEGIN IMMEDIATE')
    writer.execute("INSERT INTO t VALUES ('committed')")

    writer.commit()

    assert len(sleeps) == 2
    assert plain(path).execute('SELECT v FROM t').fetchall() == \
        [('committed',)]


def test_the_wait_ends_with_database_is_locked_after_busy_timeout(path):
    holder = plain(path)
    holder.execute('BEGIN IMMEDIATE')
    waiting = connect(path, busy_timeout=0.2)

    with pytest.raises(sqlite3.OperationalError) as error:
        waiting.execute('BEGIN IMMEDIATE')

    assert sqlite_busy.is_busy(error.value)


def test_a_stale_snapshot_is_not_retried(path, sleeps):
    reader = connect(path)
    reader.execute('BEGIN')
    reader.execute('SELECT * FROM t').fetchall()
    plain(path).execute("INSERT INTO t VALUES ('newer')")

    with pytest.raises(sqlite3.OperationalError) as error:
        reader.execute("INSERT INTO t VALUES ('stale')")

    assert error.value.sqlite_errorcode == sqlite_busy.SQLITE_BUSY_SNAPSHOT
    assert sleeps == []


def test_executemany_takes_any_iterable_of_parameters(path, sleeps):
    holder = plain(path)
    holder.execute('BEGIN IMMEDIATE')
    sleeps.then(1, holder.rollback)
    writer = connect(path)

    writer.executemany('INSERT INTO t VALUES (?)', ((n,) for n in range(3)))

    assert plain(path).execute('SELECT count(*) FROM t').fetchone() == (3,)
