"""A third-party store driver, packaged outside the project.

The example of doc/stores.md "Writing a driver": it keeps each image in a
file of one directory, under ``notes://<image id>``.  The functional test
installs it as a distribution of its own (a dist-info with an entry point
in ``glance.store.drivers``) and runs glance-api with it, to show that a
driver plugs in without a change to glance.
"""

import os

from oslo_config import cfg

from glance.common import exception
from glance.common import streams
from glance.store import base


class NotesDriver(base.Driver):
    name = 'notes'
    schemes = ('notes',)
    capabilities = base.READ_WRITE
    options = [cfg.StrOpt('notes_store_dir',
                          help='Directory holding the images.')]

    def configure(self):
        if not self.opts.notes_store_dir:
            raise exception.ConfigError(
                '[%s] notes_store_dir is required' % self.group)
        os.makedirs(self.opts.notes_store_dir, exist_ok=True)

    def _path(self, uri):
        image_id = uri.partition('://')[2]
        base.check_image_id(image_id)
        return os.path.join(self.opts.notes_store_dir, image_id)

    def add(self, image_id, reader, size=None):
        base.check_image_id(image_id)
        final = os.path.join(self.opts.notes_store_dir, image_id)
        if os.path.exists(final):
            raise exception.Duplicate('image %s is stored' % image_id)
        partial = os.path.join(self.opts.notes_store_dir,
                               base.partial_name(image_id))
        buffer = memoryview(bytearray(self.write_chunk_size))
        written = 0
        try:
            with open(partial, 'wb') as out:
                while count := streams.fill(reader, buffer):
                    out.write(buffer[:count])
                    written += count
                out.flush()
                os.fsync(out.fileno())
            os.rename(partial, final)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return base.StoredImage('notes://' + image_id, written)

    def get(self, uri, offset=0, length=None):
        try:
            return base.FileImageData(self._path(uri), offset, length)
        except FileNotFoundError:
            raise exception.NotFound('no data at %s' % uri) from None

    def get_size(self, uri):
        try:
            return os.path.getsize(self._path(uri))
        except FileNotFoundError:
            raise exception.NotFound('no data at %s' % uri) from None

    def delete(self, uri):
        try:
            os.unlink(self._path(uri))
        except FileNotFoundError:
            raise exception.NotFound('no data at %s' % uri) from None
