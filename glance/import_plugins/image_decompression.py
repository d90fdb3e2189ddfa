"""image_decompression: staged data compressed with gzip, bzip2, xz or zip
(one file) is replaced by what it holds, no larger than image_size_cap.
Images whose container_format is "compressed" are left as they are: their
owner says they are meant to stay compressed."""

import bz2
import gzip
import lzma
import zipfile

from glance import import_plugins

CHUNK = 1024 * 1024
# Magic numbers of the formats read, and how each is opened.
FORMATS = (
    (b'\x1f\x8b', 'gzip', gzip.open),
    (b'BZh', 'bzip2', bz2.open),
    (b'\xfd7zXZ\x00', 'xz', lzma.open),
    (b'PK\x03\x04', 'zip', None),
)


def _open_zip(path):
    archive = zipfile.ZipFile(path)
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) != 1:
        archive.close()
        raise import_plugins.failed(
            'a zip archive must hold exactly one file to be decompressed, '
            'not %d' % len(members))
    return archive.open(members[0])


class Plugin:

    def __init__(self, conf, staging):
        self.conf = conf
        self.staging = staging

    def run(self, image, path, roles):
        if image.container_format == 'compressed':
            return import_plugins.Outcome()
        with open(path, 'rb') as f:
            head = f.read(8)
        for magic, name, opener in FORMATS:
            if head.startswith(magic):
                self.staging.replace(
                    image.id, lambda target: self._decompress(
                        opener or _open_zip, name, path, target))
                break
        return import_plugins.Outcome()

    def _decompress(self, opener, name, source, target):
        cap = self.conf.image_size_cap
        written = 0
        try:
            with opener(source) as data, open(target, 'wb') as out:
                while True:
                    chunk = data.read(CHUNK)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > cap:
                        raise import_plugins.failed(
                            'decompressed, the image is larger than '
                            'image_size_cap (%d bytes)' % cap)
                    out.write(chunk)
        except (OSError, EOFError, lzma.LZMAError,
                zipfile.BadZipFile) as error:
            raise import_plugins.failed(
                'the %s data cannot be decompressed: %s' % (name, error))
