"""Filesystem store: each image is one file, ``<datadir>/<image_id>``.

Locations are ``file://<datadir>/<image_id>``.  A location is only honoured
if it resolves (symlinks and ``..`` included) to a file directly inside a
datadir named by an image id, so a crafted location cannot read or delete
other files.

There is one datadir (``filesystem_store_datadir``) or several with
priorities (``filesystem_store_datadirs``, as glance_store): a new image
goes to the highest priority directory with room for it (of equal
priorities, the one with the most free space); reads and deletions find
images in any.  A datadir the service cannot write to is left out of
writes, with a warning; with none writable the store is read-only.

With ``filesystem_thin_provisioning``, write buffers holding only zeros
are not written but skipped, leaving holes: a sparse raw image takes the
space of its data.  Size and checksums are those of the whole stream.

Uploads are written to ``.<image_id>.<random>.partial`` in the datadir,
fsynced, then published with link() and the temporary name unlinked, and
the directory fsynced.  link() rather than rename() because it fails when
the target exists: two uploads of one image can never replace each other.
configure() checks the datadir supports hard links (local filesystems and
NFS do).  A crash leaves partial files, which ``delete_partial`` (one
image's) and ``clean_stale_partials`` (all old ones) remove, or, between
link() and the recording of the location, an image file no location names,
which ``purge`` removes.  An upload whose partial file is removed stops at
its next chunk.  Deletions fsync the directory too, so a deleted file
cannot come back after a power loss.

Uploads are written with direct I/O where the filesystem allows it
(glance.store.direct_io), sparing the CPU of copying them into the page
cache.  Writes and fsyncs go through glance.common.offload so a slow disk
does not stall an eventlet hub.  Downloads read 1 MiB chunks directly (page
cache reads are short) and expose the file for sendfile.
"""

import contextlib
import errno
import logging
import os
import stat
import time
import typing

from oslo_config import cfg

from glance.common import exception
from glance.common import ids
from glance.common import offload
from glance.store import base
from glance.store import direct_io

LOG = logging.getLogger(__name__)

filesystem_opts = [
    cfg.StrOpt('filesystem_store_datadir',
               default='/var/lib/glance/images/',
               help='Directory where the filesystem store keeps image '
                    'files.  Created at startup if missing; it must allow '
                    'hard links.  Locations recorded for images name it, '
                    'so moving it needs the locations updated.  Set it '
                    'empty to use filesystem_store_datadirs instead.'),
    cfg.MultiStrOpt('filesystem_store_datadirs',
                    help='Directories where the filesystem store keeps '
                         'image files, one per occurrence of the option, '
                         'written path:priority (priority 0 when left out): '
                         'a new image goes to the directory of the highest '
                         'priority that has room for it, of equal '
                         'priorities the one with the most free space; '
                         'images are read and deleted in any of them.  '
                         'Exclusive with filesystem_store_datadir, which '
                         'must then be set empty.'),
    cfg.BoolOpt('filesystem_thin_provisioning', default=False,
                help='Leave holes for the parts of an upload that hold only '
                     'zeros (in 4 MiB pieces) instead of writing them, so '
                     'that a sparse raw image takes the space of its data.  '
                     'The filesystem must support sparse files; image size '
                     'and checksum are unchanged.'),
    cfg.IntOpt('filesystem_store_file_perm', default=0,
               help='Permission bits of new image files, written as octal '
                    'digits (e.g. 640), so that another service (e.g. '
                    'Nova) may read them through the file\'s group; the '
                    'datadir then gets the matching execute bits.  0 or '
                    'less keeps what the umask gives.  Must let the owner '
                    'read.'),
    cfg.IntOpt('filesystem_store_chunk_size', default=base.READ_CHUNK_SIZE,
               min=1,
               help='Size in bytes of the chunks a download reads from an '
                    'image file.  1 MiB by default, where OpenStack Glance '
                    'uses 64 KiB: each chunk an eventlet server writes costs '
                    'a fixed ~40 us, so 64 KiB chunks halve download '
                    'throughput while 1 MiB or more matches nginx.  Unused '
                    'when the server sends the file with sendfile.'),
    cfg.BoolOpt('filesystem_store_direct_writes', default=True,
                help='Write uploaded image files with direct I/O '
                     '(O_DIRECT), past the page cache: copying each byte '
                     'into the cache costs CPU (1-2 seconds per GiB on the '
                     'virtual machines measured, as much as one of the '
                     'upload\'s two hashes) and fills the cache with data '
                     'nobody reads yet.  Turn off where direct writes are '
                     'slow (some network filesystems).  Filesystems that '
                     'refuse direct I/O are written through the page cache '
                     'either way.'),
]

_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_DENIED_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


def _disk(func, *args):
    """Run a blocking disk call, mapping full and read-only storage errors."""
    try:
        return offload.call(func, *args)
    except OSError as e:
        if e.errno in _FULL_ERRNOS:
            raise exception.StorageFull() from e
        if e.errno in _DENIED_ERRNOS:
            raise exception.StorageWriteDenied() from e
        raise


def _delete_failed(error):
    """StoreDeleteFailed for an OSError: its reason, never a path."""
    return exception.StoreDeleteFailed(reason=error.strerror or str(error))


def _remove(path):
    """Unlink ``path``: whether it was there; StoreDeleteFailed if it
    cannot be removed."""
    try:
        offload.call(os.unlink, path)
        return True
    except FileNotFoundError:
        return False
    except OSError as e:
        LOG.warning('Could not remove %s: %s', path, e)
        raise _delete_failed(e) from e


def _not_found():
    return exception.NotFound(
        'No image data at this filesystem store location.')


@contextlib.contextmanager
def _missing_is_not_found():
    try:
        yield
    except FileNotFoundError:
        raise _not_found() from None


def _duplicate(image_id):
    return exception.Duplicate(
        'Image %s already has data in the filesystem store.' % image_id)


def _fsync_directory(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path):
    """Unlink ``path`` while handling another error, which must win."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        LOG.warning('Could not remove %s: %s', path, e)


class Datadir(typing.NamedTuple):
    """A directory the store keeps image files in."""
    path: str
    real_path: str
    priority: int


def _parse_datadir(value, option):
    """(path, priority) from ``path[:priority]``."""
    if ':' not in value:
        return value, 0
    path, _colon, priority = value.rpartition(':')
    try:
        return path, int(priority)
    except ValueError:
        raise exception.ConfigError(
            '%s: the priority of %r is not a whole number' % (option, value))


def _make_datadirs(entries, option):
    """The Datadirs of (path, priority) pairs, created if missing, highest
    priority first (then in the order given); ConfigError naming
    ``option``."""
    datadirs = []
    for path, priority in entries:
        if not path or not os.path.isabs(path):
            raise exception.ConfigError(
                '%s must be an absolute path, not %r' % (option, path))
        path = os.path.normpath(path)
        if path in (datadir.path for datadir in datadirs):
            raise exception.ConfigError('%s names %s twice' % (option, path))
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise exception.ConfigError(
                'Cannot create %s %s: %s' % (option, path, e))
        datadirs.append(Datadir(path, os.path.realpath(path), priority))
    datadirs.sort(key=lambda datadir: -datadir.priority)
    return datadirs


def _free_space(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def _file_mode(value):
    """The mode ``filesystem_store_file_perm`` asks for, or None."""
    if value <= 0:
        return None
    try:
        mode = int(str(value), 8)
    except ValueError:
        mode = None
    if mode is None or mode > 0o777:
        raise exception.ConfigError(
            'filesystem_store_file_perm=%d is not a permission written in '
            'octal digits, such as 640' % value)
    if not mode & stat.S_IRUSR:
        raise exception.ConfigError(
            'filesystem_store_file_perm=%d would keep the service from '
            'reading its own image files' % value)
    return mode


class FilesystemDriver(base.Driver):
    """Images as files in local (or NFS-mounted) directories."""

    name = 'file'
    schemes = ('file', 'filesystem')
    capabilities = base.READ_WRITE
    options = filesystem_opts
    # Whether a store none of whose directories can be written starts
    # read-only (else it fails to start).
    may_be_read_only = True

    def configured_datadirs(self):
        """The directories to keep files in, as (path, priority) pairs,
        and the option naming them (for messages)."""
        opts = self.opts
        if not opts.filesystem_store_datadirs:
            return ([(opts.filesystem_store_datadir, 0)],
                    'filesystem_store_datadir')
        option = 'filesystem_store_datadirs'
        if opts.filesystem_store_datadir:
            raise exception.ConfigError(
                'Set filesystem_store_datadir or filesystem_store_datadirs, '
                'not both: set filesystem_store_datadir empty to use several '
                'directories')
        return ([_parse_datadir(value, option)
                 for value in opts.filesystem_store_datadirs], option)

    def configure(self):
        opts = self.opts
        self.file_mode = _file_mode(opts.filesystem_store_file_perm)
        self.read_chunk_size = opts.filesystem_store_chunk_size
        self.direct_writes = opts.filesystem_store_direct_writes
        self.thin_provisioning = opts.filesystem_thin_provisioning
        entries, option = self.configured_datadirs()
        datadirs = _make_datadirs(entries, option)
        self.datadirs = tuple(datadirs)
        self.datadir = datadirs[0].path
        self._real_datadirs = frozenset(d.real_path for d in datadirs)
        writable, unwritable = [], []
        for datadir in datadirs:
            problem = self._write_problem(datadir.path, option)
            if problem is None:
                writable.append(datadir)
            else:
                unwritable.append('%s (%s)' % (datadir.path, problem))
            self._open_datadir_to_file_readers(datadir.path)
        self._writable = tuple(writable)
        self.capabilities = type(self).capabilities
        if not unwritable:
            return
        if self._writable:
            LOG.warning('The %s store cannot write to %s: new images go to '
                        'its other directories.', self.name,
                        ', '.join(unwritable))
        elif self.may_be_read_only:
            # DELETE stays: deleting an image still tries to remove its
            # file (and says why it cannot), rather than leave it unseen.
            self.capabilities = self.capabilities - {base.WRITE}
            LOG.warning('The %s store is read-only: it cannot write to %s. '
                        'Images already there are served.', self.name,
                        ', '.join(unwritable))
        else:
            raise exception.ConfigError(
                '%s cannot be written to: %s' % (option,
                                                 ', '.join(unwritable)))

    def add(self, image_id, reader, size=None):
        base.check_image_id(image_id)
        if not self._writable:
            raise exception.StorageWriteDenied()
        for datadir in self.datadirs:
            if os.path.lexists(os.path.join(datadir.path, image_id)):
                raise _duplicate(image_id)
        datadir = self._datadir_for(size)
        final = os.path.join(datadir, image_id)
        partial = os.path.join(datadir, base.partial_name(image_id))
        fd = _disk(os.open, partial,
                   os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        published = False
        try:
            try:
                written = self._write_from(reader, fd)
                if self.file_mode is not None:
                    _disk(os.fchmod, fd, self.file_mode)
                _disk(os.fsync, fd)
            finally:
                os.close(fd)
            try:
                _disk(os.link, partial, final)
            except FileExistsError:
                raise _duplicate(image_id) from None
            except FileNotFoundError:
                raise exception.UploadCancelled() from None
            published = True
            try:
                _disk(os.unlink, partial)
            except FileNotFoundError:
                pass  # delete_partial came first: the image is published.
            _disk(_fsync_directory, datadir)
        except BaseException:
            _remove_quietly(partial)
            if published:
                _remove_quietly(final)
            raise
        return base.StoredImage('file://' + final, written)

    def get(self, uri, offset=0, length=None):
        path = self._path_from_uri(uri)
        with _missing_is_not_found():
            return base.FileImageData(path, offset, length,
                                      self.read_chunk_size)

    def get_size(self, uri):
        path = self._path_from_uri(uri)
        with _missing_is_not_found():
            return os.stat(path).st_size

    def delete(self, uri):
        path = self._path_from_uri(uri)
        if not _remove(path):
            raise _not_found()
        self._sync_deletions(os.path.dirname(path))

    def delete_partial(self, image_id):
        """The names of the partial files of ``image_id`` removed."""
        base.check_image_id(image_id)
        removed, failures = self._remove_partials(
            lambda owner, entry: owner == image_id)
        if removed:
            LOG.info('Removed partial data of image %s: %s', image_id,
                     ', '.join(removed))
        if failures:
            raise failures[0]
        return removed

    def purge(self, image_id):
        """The names removed: ``image_id``'s partial files and file."""
        removed = self.delete_partial(image_id)
        for datadir in self.datadirs:
            if _remove(os.path.join(datadir.path, image_id)):
                LOG.info('Removed the file of image %s from %s', image_id,
                         datadir.path)
                removed.append(image_id)
                self._sync_deletions(datadir.path)
        return removed

    def clean_stale_partials(self, older_than_seconds):
        """Remove partial files not modified for ``older_than_seconds``.

        An upload in progress touches its file with every write, so a
        threshold longer than any pause in a client's sending (its timeout)
        spares it.  Returns the names removed.
        """
        cutoff = time.time() - older_than_seconds

        def stale(owner, entry):
            try:
                return entry.stat(follow_symlinks=False).st_mtime < cutoff
            except OSError:
                return False  # Gone meanwhile, or left for the next time.

        removed, _failures = self._remove_partials(stale)
        if removed:
            LOG.info('Removed %d stale partial files of the %s store: %s',
                     len(removed), self.name, ', '.join(removed))
        return removed

    def _remove_partials(self, wanted):
        """Remove the partial files for which ``wanted(owner, entry)``.

        Returns the names removed and a StoreDeleteFailed for each file
        that could not be removed or datadir that could not be listed,
        having tried them all.  The scan runs in a native thread under
        eventlet: a datadir may hold many files.
        """
        def scan(path):
            partials = []
            with os.scandir(path) as entries:
                for entry in entries:
                    match = base.PARTIAL_NAME.fullmatch(entry.name)
                    if match:
                        partials.append((match['owner'], entry))
            return partials

        removed, failures = [], []
        for datadir in self.datadirs:
            try:
                partials = offload.call(scan, datadir.path)
            except OSError as e:
                LOG.warning('Could not list %s: %s', datadir.path, e)
                failures.append(_delete_failed(e))
                continue
            for owner, entry in partials:
                try:
                    if wanted(owner, entry) and _remove(entry.path):
                        removed.append(entry.name)
                except exception.StoreDeleteFailed as e:
                    failures.append(e)
        return removed, failures

    @staticmethod
    def _sync_deletions(path):
        try:
            offload.call(_fsync_directory, path)
        except OSError as e:
            raise _delete_failed(e) from e

    def _write_from(self, reader, fd):
        writer = direct_io.DirectWriter(fd, self.direct_writes,
                                        self.write_chunk_size)
        written = 0
        while True:
            count = writer.fill_from(reader)
            if not count:
                break
            if not (self.thin_provisioning and writer.skip_zeros()):
                _disk(writer.write_buffer)
            written += count
            if os.fstat(fd).st_nlink == 0:
                # delete_partial removed the file: the image is gone, or
                # its upload was given up for stalled.
                raise exception.UploadCancelled()
        if self.thin_provisioning:
            # Zeros skipped at the end leave the file short of its size.
            _disk(os.ftruncate, fd, written)
        return written

    def _datadir_for(self, size):
        """The writable datadir of the highest priority with room for
        ``size`` bytes (if known); of equal priorities, the one with the
        most free space.  StorageFull if none has room."""
        best = {}
        for datadir in self._writable:
            free = _free_space(datadir.path)
            if datadir.priority not in best or \
                    free > best[datadir.priority][1]:
                best[datadir.priority] = (datadir.path, free)
        for priority in sorted(best, reverse=True):
            path, free = best[priority]
            if not size or free >= size:
                return path
        raise exception.StorageFull(
            'The image needs %d bytes; the filesystem store has %d free.'
            % (size, max(free for _path, free in best.values())))

    def serves(self, uri):
        """Whether ``uri`` names a file of this store's directory: two
        filesystem stores share the file scheme."""
        try:
            self._path_from_uri(uri)
        except (exception.BadStoreUri, exception.Forbidden):
            return False
        return True

    def _path_from_uri(self, uri):
        """The file a location names, if it is one this store may touch."""
        scheme, separator, path = uri.partition('://')
        if not separator or scheme.lower() not in self.schemes:
            raise exception.BadStoreUri(
                'Not a filesystem store location (file://...).')
        if not path.startswith('/') or '\0' in path:
            raise exception.BadStoreUri(
                'A filesystem store location needs an absolute path.')
        path = os.path.realpath(path)
        if os.path.dirname(path) not in self._real_datadirs:
            raise exception.Forbidden(
                'The location is outside the filesystem store.')
        if not ids.is_uuid(os.path.basename(path)):
            raise exception.BadStoreUri(
                'A filesystem store location ends in an image id.')
        return path

    @staticmethod
    def _write_problem(path, option):
        """Why files cannot be created in ``path``, None if they can;
        ConfigError if they cannot be hard-linked, which add() needs."""
        probe = os.path.join(path, base.partial_name('probe'))
        link = os.path.join(path, base.partial_name('probe-link'))
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600))
        except OSError as e:
            if e.errno in _DENIED_ERRNOS:
                return e.strerror
            raise exception.ConfigError(
                '%s %s is unusable: cannot create files there (%s)'
                % (option, path, e))
        try:
            os.link(probe, link)
        except OSError as e:
            raise exception.ConfigError(
                '%s %s is unusable: cannot hard-link files there (%s)'
                % (option, path, e))
        else:
            _remove_quietly(link)
        finally:
            _remove_quietly(probe)
        return None

    def _open_datadir_to_file_readers(self, path):
        """Give ``path`` the execute bits the file mode's readers need."""
        if self.file_mode is None:
            return
        wanted = 0
        if self.file_mode & stat.S_IRWXG:
            wanted |= stat.S_IXGRP
        if self.file_mode & stat.S_IRWXO:
            wanted |= stat.S_IXOTH
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & wanted != wanted:
                os.chmod(path, mode | wanted)
        except OSError as e:
            LOG.warning('Could not give %s the execute permission that '
                        'filesystem_store_file_perm needs: %s', path, e)
