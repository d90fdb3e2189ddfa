"""The interface of a cache driver.

A driver keeps, for each complete entry, its hits, when it was last read,
when it was written, its size and checksum.  It knows nothing of files
being written: the cache records an entry just before it publishes its
file, so a record without a file (a crash in between) is dropped on the
next listing, and a file without a record is listed with the file's own
times.
"""

import abc
import dataclasses


@dataclasses.dataclass
class Entry:
    image_id: str
    size: int
    last_modified: float
    last_accessed: float
    hits: int = 0
    checksum: str = None

    def as_dict(self):
        return dataclasses.asdict(self)


class Driver(abc.ABC):

    def __init__(self, conf, directory):
        self.conf = conf
        self.directory = directory

    def configure(self):
        """Check the driver can work here (ConfigError otherwise)."""

    @abc.abstractmethod
    def record(self, entry, path):
        """Remember an entry about to be published; its file is at
        ``path`` until then."""

    @abc.abstractmethod
    def touch(self, image_id, now):
        """Count a hit on ``image_id`` at ``now``."""

    @abc.abstractmethod
    def forget(self, image_id):
        """Drop what is recorded about ``image_id`` (idempotent)."""

    @abc.abstractmethod
    def entries(self, files):
        """The Entry of every file of ``files`` ({image_id: os.stat_result}),
        by image id, from the records, or from the stat alone."""

    def nodes(self, image_id):
        """URLs of the nodes whose cache holds ``image_id``: only
        centralized_db knows other nodes; the others answer None."""
        return None


def from_stat(image_id, stat):
    return Entry(image_id=image_id, size=stat.st_size,
                 last_modified=stat.st_mtime, last_accessed=stat.st_mtime)
