"""The staging area of image import: a filesystem store of its own.

Image data staged with ``PUT /v2/images/{id}/stage``, or fetched by
web-download, waits here as ``<dir>/<image_id>`` until its import copies
it into a store; import plugins rewrite it in place.  The directory is
``node_staging_uri`` (a ``file://`` URI), local to this API node: another
node reaches it through the node's ``worker_self_reference_url`` (see
doc/import.md).  Writes are the filesystem store's: to a partial file,
published whole, so a half-staged image is never taken for a staged one.
"""

import os

from oslo_config import cfg

from glance.common import exception
from glance.common import ids
from glance.store import base
from glance.store import filesystem

staging_opts = [
    cfg.StrOpt('node_staging_uri', default='file:///tmp/staging/',
               help='Where this API node stages image data for import '
                    '(glance-direct stage, web-download), as a file:// URI '
                    'of a local directory; not shared by several nodes '
                    '(see worker_self_reference_url).  Staged data is '
                    'removed once imported, and by maintenance once no '
                    'import needs it.'),
]

SCHEME = 'file://'
# The name Glance gives its staging area among its stores: reserved, never
# listed by /v2/info/stores nor accepted as an upload target.
STORE_ID = 'os_glance_staging_store'


class StagingArea(filesystem.FilesystemDriver):
    """Staged image data, by image id."""

    name = 'staging'
    schemes = ()
    options = filesystem.filesystem_opts
    may_be_read_only = False

    def __init__(self, conf):
        conf.register_opts(staging_opts)
        super().__init__(conf, store_id=STORE_ID)

    def configured_datadirs(self):
        uri = self.conf.node_staging_uri
        if not uri.startswith(SCHEME):
            raise exception.ConfigError(
                'node_staging_uri must be a file:// URI, not %r' % uri)
        return [(uri[len(SCHEME):], 0)], 'node_staging_uri'

    def path(self, image_id):
        if not ids.is_uuid(image_id):
            raise exception.ImageNotFound(image_id=image_id)
        return os.path.join(self.datadir, image_id)

    def holds(self, image_id):
        """Whether data of ``image_id`` is staged here, whole."""
        return os.path.isfile(self.path(image_id))

    def open(self, image_id):
        """The staged data of ``image_id``; NotFound if there is none."""
        try:
            return base.FileImageData(self.path(image_id),
                                      chunk_size=self.read_chunk_size)
        except FileNotFoundError:
            raise exception.NotFound(
                'No data of image %s is staged on this node.'
                % image_id) from None

    def staged_ids(self):
        """The image ids with data staged here."""
        return [name for name in os.listdir(self.datadir)
                if ids.is_uuid(name)]

    def replace(self, image_id, produce):
        """Rewrite the staged data: ``produce(path)`` writes the new data to
        ``path`` (a partial file of the image), which then replaces it
        whole.  A failure leaves the staged data as it was."""
        partial = os.path.join(self.datadir,
                               base.partial_name(image_id))
        try:
            produce(partial)
            os.replace(partial, self.path(image_id))
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
