"""The xattr cache driver: records in extended attributes of the entry
files themselves (``user.glance.*``), no database at all.  The cache
directory's filesystem must support user xattrs (ext4, xfs; mounted with
``user_xattr`` where that is an option)."""

import os

from glance.common import exception
from glance.image_cache.drivers import base

PREFIX = 'user.glance.'


def _get(path, name, default=None):
    try:
        return os.getxattr(path, PREFIX + name).decode('ascii')
    except OSError:
        return default


def _set(path, name, value):
    os.setxattr(path, PREFIX + name, str(value).encode('ascii'))


class Driver(base.Driver):

    def configure(self):
        probe = os.path.join(self.directory, '.xattr-probe')
        try:
            with open(probe, 'wb'):
                pass
            _set(probe, 'probe', 1)
        except OSError as error:
            raise exception.ConfigError(
                'image_cache_driver xattr needs a filesystem with user '
                'extended attributes for image_cache_dir %s: %s'
                % (self.directory, error.strerror))
        finally:
            try:
                os.unlink(probe)
            except OSError:
                pass

    def _path(self, image_id):
        return os.path.join(self.directory, image_id)

    def record(self, entry, path):
        _set(path, 'hits', 0)
        _set(path, 'last_accessed', entry.last_accessed)
        if entry.checksum:
            _set(path, 'checksum', entry.checksum)

    def touch(self, image_id, now):
        path = self._path(image_id)
        try:
            _set(path, 'hits', int(_get(path, 'hits', 0)) + 1)
            _set(path, 'last_accessed', now)
        except OSError:
            pass  # evicted meanwhile

    def forget(self, image_id):
        pass  # the attributes go with the file

    def entries(self, files):
        entries = {}
        for image_id, stat in files.items():
            path = self._path(image_id)
            entry = base.from_stat(image_id, stat)
            entry.hits = int(_get(path, 'hits', 0))
            entry.last_accessed = float(
                _get(path, 'last_accessed', stat.st_mtime))
            entry.checksum = _get(path, 'checksum')
            entries[image_id] = entry
        return entries
