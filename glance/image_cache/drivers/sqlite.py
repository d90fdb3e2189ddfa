"""The sqlite cache driver: records in a SQLite file of the cache directory
(``image_cache_sqlite_db``), one per node, as Glance's sqlite driver.

Connections are glance.db.sqlite_busy's: SQLite's own busy wait sleeps
inside C, which would stop every green thread of a glance-api worker;
these retry after a green sleep instead.
"""

import os
import sqlite3

from glance.common import exception
from glance.db import sqlite_busy
from glance.image_cache.drivers import base

SCHEMA = """
CREATE TABLE IF NOT EXISTS cached_images (
    image_id TEXT PRIMARY KEY,
    last_accessed REAL DEFAULT 0.0,
    last_modified REAL DEFAULT 0.0,
    size INTEGER DEFAULT 0,
    hits INTEGER DEFAULT 0,
    checksum TEXT
)"""
# Seconds a statement waits for another process's write lock.
BUSY_TIMEOUT = 10


class Driver(base.Driver):

    def configure(self):
        name = self.conf.image_cache_sqlite_db
        self.path = os.path.join(self.directory, name)
        try:
            self._execute('PRAGMA journal_mode = WAL')
            self._execute(SCHEMA)
        except sqlite3.Error as error:
            raise exception.ConfigError(
                'image_cache_sqlite_db %s cannot be used: %s'
                % (self.path, error))

    def _execute(self, sql, parameters=()):
        """The rows of one statement, in a connection of its own."""
        db = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                             factory=sqlite_busy.Connection)
        db.busy_timeout = BUSY_TIMEOUT
        try:
            return db.execute(sql, parameters).fetchall()
        finally:
            db.close()

    def record(self, entry, path):
        self._execute(
            'INSERT OR REPLACE INTO cached_images (image_id, '
            'last_accessed, last_modified, size, hits, checksum) '
            'VALUES (?, ?, ?, ?, 0, ?)',
            (entry.image_id, entry.last_accessed, entry.last_modified,
             entry.size, entry.checksum))

    def touch(self, image_id, now):
        self._execute('UPDATE cached_images SET hits = hits + 1, '
                      'last_accessed = ? WHERE image_id = ?',
                      (now, image_id))

    def forget(self, image_id):
        self._execute('DELETE FROM cached_images WHERE image_id = ?',
                      (image_id,))

    def entries(self, files):
        rows = self._execute(
            'SELECT image_id, last_accessed, last_modified, hits, '
            'checksum FROM cached_images')
        recorded = {row[0]: row for row in rows}
        entries = {}
        for image_id, stat in files.items():
            entry = base.from_stat(image_id, stat)
            row = recorded.get(image_id)
            if row is not None:
                (_, entry.last_accessed, entry.last_modified, entry.hits,
                 entry.checksum) = row
            entries[image_id] = entry
        for image_id in set(recorded) - set(files):
            self.forget(image_id)
        return entries
