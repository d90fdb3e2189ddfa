"""The interface of a store driver, and the values it hands back.

A driver moves image bytes between a stream and one kind of storage; it
knows nothing of image metadata, the database or HTTP.

Options: a driver lists its oslo.config options in ``options``; the
constructor registers them in the group it is given of the ConfigOpts it
is given (the global CONF in the service, a fresh ConfigOpts in tests):
[glance_store] with one store, the store's own section (its id) with
several (``enabled_backends``), so two stores of one type each have their
options.  Nothing is registered at import; the same lists feed the
sample-config generator.
"""

import abc
import os
import re
import secrets
import typing

from glance.common import exception
from glance.common import ids

GROUP = 'glance_store'

# Writes of an upload: large enough to amortise each disk write and its
# hand-off to a native thread.
WRITE_CHUNK_SIZE = 4 * 1024 * 1024
# Chunks handed to the server on download: under eventlet each chunk costs a
# fixed ~40 us, so chunks under 1 MiB cut throughput.
READ_CHUNK_SIZE = 1024 * 1024

# Temporary data of an upload, ".<owner>.<random>.partial", owner being the
# image id: its name says whose it is, and that nobody may read it yet.
PARTIAL_NAME = re.compile(r'\.(?P<owner>[^.]+)\.[^.]+\.partial')


def partial_name(owner):
    return '.%s.%s.partial' % (owner, secrets.token_hex(8))


# Capabilities a driver may declare.
READ = 'read'
READ_OFFSET = 'read_offset'
WRITE = 'write'
DELETE = 'delete'
# What a store that reads and writes declares, and what it keeps when it
# lacks what it needs to write.
READ_WRITE = frozenset({READ, READ_OFFSET, WRITE, DELETE})
READ_ONLY = frozenset({READ, READ_OFFSET})


def check_image_id(image_id):
    """InvalidParameterValue unless ``image_id`` is a UUID, as it must be
    before it names stored data."""
    if not ids.is_uuid(image_id):
        raise exception.InvalidParameterValue(
            value=image_id, param='image_id', extra='not a UUID')


class StoredImage(typing.NamedTuple):
    """Where add() published an image's data, and how many bytes it holds."""
    uri: str
    size: int


class ImageData:
    """The bytes of a stored image, or of a range of it.

    Iterating yields ``size`` bytes in chunks of at least the driver's read
    chunk size (except the last); ``size`` is None when the store cannot
    tell in advance (a web server sending no Content-Length).  Always call
    ``close()``, as WSGI servers do with the iterable an app returns.

    File-backed data also sets ``fileobj`` (an open binary file positioned
    at ``offset``), ``path`` and ``offset``, so a server may send ``size``
    bytes of ``fileobj`` from ``offset`` with sendfile instead of iterating:
    ``environ['wsgi.file_wrapper'](data.fileobj)`` under gunicorn or uWSGI
    (they bound it by the Content-Length, which must be ``size``), or
    ``os.sendfile`` under eventlet (not under TLS).  Other data has
    ``fileobj`` None.
    """

    fileobj = None
    path = None
    offset = 0

    def __init__(self, chunks, size, close=None):
        self._chunks = chunks
        self.size = size
        self._close = close

    def __iter__(self):
        return iter(self._chunks)

    def close(self):
        if self._close is not None:
            close, self._close = self._close, None
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class FileImageData(ImageData):
    """``length`` bytes (default: all) of the file ``path`` from ``offset``.

    The file is opened here, so a missing file raises FileNotFoundError from
    the constructor rather than midway through a response.  Chunks are read
    with pread, leaving ``fileobj``'s position at ``offset`` for sendfile.
    A range starting beyond the end raises exception.InvalidRange; one
    running past the end is cut at the end.
    """

    def __init__(self, path, offset=0, length=None,
                 chunk_size=READ_CHUNK_SIZE):
        fileobj = open(path, 'rb')
        try:
            file_size = os.fstat(fileobj.fileno()).st_size
            if (offset < 0 or offset > file_size
                    or (length is not None and length < 0)):
                raise exception.InvalidRange()
            available = file_size - offset
            size = available if length is None else min(length, available)
            fileobj.seek(offset)
        except BaseException:
            fileobj.close()
            raise
        super().__init__(self._read_chunks(), size, fileobj.close)
        self.fileobj = fileobj
        self.path = path
        self.offset = offset
        self._chunk_size = chunk_size

    def _read_chunks(self):
        fd = self.fileobj.fileno()
        position = self.offset
        end = self.offset + self.size
        while position < end:
            chunk = os.pread(fd, min(self._chunk_size, end - position),
                             position)
            if not chunk:
                raise exception.StoreUnavailable(
                    reason='the image file shrank while it was being read')
            position += len(chunk)
            yield chunk
        self.close()


class Driver(abc.ABC):
    """One kind of storage.  Subclasses set the class attributes below."""

    # The store's name in the ``stores`` and ``default_store`` options.
    name = None
    # Location URI schemes this driver serves.
    schemes = ()
    # A subset of READ, READ_OFFSET, WRITE, DELETE.
    capabilities = frozenset()
    # oslo.config options, registered in ``group`` by the constructor.
    options = ()
    # How many bytes add() reads from its reader for each write.
    write_chunk_size = WRITE_CHUNK_SIZE
    # Whether set_acls() decides who reads the data (see there).
    keeps_acls = False

    def __init__(self, conf, group=GROUP, store_id=None):
        self.conf = conf
        # The config section holding this store's options, and its id in
        # enabled_backends (None with a single store).
        self.group = group
        self.store_id = store_id
        conf.register_opts(self.options, group=group)

    @property
    def opts(self):
        """This store's section of the configuration."""
        return self.conf[self.group]

    def serves(self, uri):
        """Whether ``uri`` names data of this store: its scheme, by
        default; drivers of which several stores may share a scheme (two
        filesystem directories) tell their own apart."""
        return uri.partition('://')[0].lower() in self.schemes

    def configure(self):
        """Check the options and prepare the storage (create directories...).

        Raises exception.ConfigError with a message naming the option at
        fault.  Called once before use, and again when options may have
        changed.
        """

    def check_backend(self):
        """Why the storage cannot be used, or None: asked once at start,
        after configure(), so that an unreachable backend, refused
        credentials or a missing container show in the log at start rather
        than as a 503 on the first upload.  The store registry logs the
        answer; the store stays enabled and serves once the backend does.

        The answer names the backend (where, as whom) and the reason.  It
        comes within seconds, and the check leaves nothing open or running
        in this process, whose children (glance-api's workers) would
        inherit it: glance.store.probe runs it in a process of its own.
        The default has nothing to check.
        """
        return None

    def add(self, image_id, reader, size=None):
        """Store what ``reader`` yields until its end.

        ``reader`` is a stream with ``readinto(b)`` (returning 0 at the
        end) or ``read(n)`` (returning b''): glance.common.streams reads
        either.

        ``size`` is the declared size if known, a hint (e.g. for an early
        StorageFull); enforcing sizes is the reader's job (see
        glance.common.hashing.HashingReader).  Returns a StoredImage.

        Atomic: data goes to a temporary name and is published only when
        complete and durable.  On any exception, from the reader (size cap,
        client disconnect...) or from the storage, the temporary data is
        removed and the exception propagates; storage errors become
        exception.StorageFull or exception.StorageWriteDenied.  Data already
        stored for ``image_id`` raises exception.Duplicate; temporary data
        removed meanwhile (``delete_partial``) exception.UploadCancelled.

        Read-only drivers keep this default, which raises Forbidden.
        """
        raise exception.Forbidden('The %s store is read-only.' % self.name)

    @abc.abstractmethod
    def get(self, uri, offset=0, length=None):
        """ImageData of ``length`` bytes (default: to the end) from ``offset``.

        Raises exception.NotFound, BadStoreUri, InvalidRange.
        """

    @abc.abstractmethod
    def get_size(self, uri):
        """Size in bytes of the data at ``uri``, None if the store cannot
        tell; exception.NotFound."""

    def delete(self, uri):
        """Remove the data at ``uri``, durably.

        exception.NotFound if absent; exception.StoreDeleteFailed if the
        storage refuses or fails (the data may still be there: try again
        later).  Read-only drivers keep this default, which raises
        Forbidden.
        """
        raise exception.Forbidden('The %s store is read-only.' % self.name)

    def check_deletable(self, uri):
        """Raise exception.InUseByStore if something outside this service
        uses the data at ``uri`` (clones of it), so that delete() would
        refuse: asked before an image is marked deleted.  exception.NotFound
        and StoreUnavailable as delete().  The default has no such users.
        """

    def set_acls(self, uri, public=False, read_tenants=()):
        """Let the callers who may read the image read the data at ``uri``
        with their own credentials: every authenticated caller when
        ``public``, else the projects ``read_tenants``.  For stores that
        keep data in the owner's account (swift's multi-tenant mode), which
        set ``keeps_acls``; the default has nothing to do.
        StoreUnavailable if the storage fails.
        """

    def delete_partial(self, image_id):
        """Remove the temporary data of ``image_id``'s uploads: left by a
        process that died mid-upload, or still being written (that add()
        then fails with UploadCancelled).  Published data stays.

        Idempotent; returns what was removed, for logs.  StoreDeleteFailed
        if some of it could not be.  Drivers whose add() can leave data
        behind when the process dies override this default, which has
        nothing to remove.
        """
        return []

    def purge(self, image_id):
        """Remove all data of ``image_id``: temporary, and published under
        the image id even if no location records it (a process that died
        between add() and recording the location).

        For an image that must hold no data in this store: one being
        deleted, or one whose abandoned upload returns it to queued.  Never
        for an image with a location in this store it keeps.  Idempotent;
        returns what was removed; StoreDeleteFailed as delete_partial.
        Drivers that publish under a name made from the image id override
        this default, which only calls delete_partial.
        """
        return self.delete_partial(image_id)

    def clean_stale_partials(self, older_than_seconds):
        """Remove the temporary data of every upload that has written
        nothing for ``older_than_seconds``, for recovery after a crash.

        Never raises for data it cannot remove (it logs it); returns what
        was removed.  The default has nothing to remove.
        """
        return []
