"""The centralized_db cache driver: records in the image database, one row
per node and image, the node named by ``worker_self_reference_url`` (the
option image import declares), so
the API can tell which nodes hold an image (``GET /v2/cache/nodes/{id}``).

It needs the database itself: glance-api with ``data_api =
glance.db.registry.api`` cannot use it and refuses to start.
"""

import datetime

import sqlalchemy as sa

from glance.common import exception
from glance.image_cache.drivers import base

REGISTRY_API = 'glance.db.registry.api'


def _datetime(timestamp):
    return datetime.datetime.fromtimestamp(
        timestamp, datetime.timezone.utc).replace(tzinfo=None)


def _timestamp(value):
    return value.replace(tzinfo=datetime.timezone.utc).timestamp()


class Driver(base.Driver):

    def configure(self):
        if self.conf.data_api == REGISTRY_API:
            raise exception.ConfigError(
                'image_cache_driver centralized_db needs the database: it '
                'cannot be used with data_api = %s; use sqlite or xattr'
                % REGISTRY_API)
        self.url = self.conf.worker_self_reference_url
        if not self.url:
            raise exception.ConfigError(
                'image_cache_driver centralized_db needs '
                'worker_self_reference_url: the URL other nodes reach this '
                'glance-api at')
        from glance.db import models
        from glance.db import session
        self._session = session
        self._nodes = models.NodeReference.__table__
        self._images = models.CachedImage.__table__
        self._node_id = None

    def _engine(self):
        return self._session.get_engine(self.conf)

    def _node(self):
        """This node's id, its row inserted the first time."""
        if self._node_id is None:
            with self._session.writer(self._engine()).begin() as db:
                select = sa.select(self._nodes.c.node_reference_id).where(
                    self._nodes.c.node_reference_url == self.url)
                self._node_id = db.scalar(select)
                if self._node_id is None:
                    self._node_id = db.execute(self._nodes.insert().values(
                        node_reference_url=self.url)).inserted_primary_key[0]
        return self._node_id

    def _mine(self, image_id=None):
        clause = self._images.c.node_reference_id == self._node()
        if image_id is not None:
            clause = sa.and_(clause, self._images.c.image_id == image_id)
        return clause

    def record(self, entry, path):
        node = self._node()
        with self._session.writer(self._engine()).begin() as db:
            db.execute(self._images.delete().where(self._mine(entry.image_id)))
            db.execute(self._images.insert().values(
                image_id=entry.image_id, node_reference_id=node,
                last_accessed=_datetime(entry.last_accessed),
                last_modified=_datetime(entry.last_modified),
                size=entry.size, hits=0, checksum=entry.checksum))

    def touch(self, image_id, now):
        with self._session.writer(self._engine()).begin() as db:
            db.execute(self._images.update().where(self._mine(image_id))
                       .values(hits=self._images.c.hits + 1,
                               last_accessed=_datetime(now)))

    def forget(self, image_id):
        with self._session.writer(self._engine()).begin() as db:
            db.execute(self._images.delete().where(self._mine(image_id)))

    def entries(self, files):
        columns = self._images.c
        with self._engine().connect() as db:
            rows = db.execute(sa.select(
                columns.image_id, columns.last_accessed,
                columns.last_modified, columns.hits, columns.checksum
            ).where(self._mine())).all()
        recorded = {row.image_id: row for row in rows}
        entries = {}
        for image_id, stat in files.items():
            entry = base.from_stat(image_id, stat)
            row = recorded.get(image_id)
            if row is not None:
                entry.last_accessed = _timestamp(row.last_accessed)
                entry.last_modified = _timestamp(row.last_modified)
                entry.hits = row.hits
                entry.checksum = row.checksum
            entries[image_id] = entry
        for image_id in set(recorded) - set(files):
            self.forget(image_id)
        return entries

    def nodes(self, image_id):
        with self._engine().connect() as db:
            return list(db.scalars(
                sa.select(self._nodes.c.node_reference_url)
                .join(self._images, self._images.c.node_reference_id ==
                      self._nodes.c.node_reference_id)
                .where(self._images.c.image_id == image_id)
                .order_by(self._nodes.c.node_reference_url)))
