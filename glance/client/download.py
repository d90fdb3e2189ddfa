"""Downloads of the client: image data streamed from a response, checked
against its length and MD5 checksum, and saved to a file only once whole.
"""

import hashlib
import http.client
import os
import secrets

from glance.client import exceptions


class ImageData:
    """Image data as it streams from the server.

    Iterate over it for chunks of bytes, or write_to() a binary file.  A
    transfer cut short raises CommunicationError; at the end, when
    ``verify`` and the server announced one, the MD5 checksum is checked:
    DataIntegrityError on a mismatch.  ``size`` is the announced length
    (None if unknown), ``checksum`` the announced MD5, and ``has_data`` is
    False when the image has no data yet.  Use it in a with block, or
    close() it, when stopping early: the connection is then dropped rather
    than reused.
    """

    def __init__(self, response, chunk_size, checksum=None, progress=None,
                 verify=True):
        self._response = response
        length = response.headers.get('Content-Length')
        self.size = int(length) if length is not None else None
        self.has_data = response.status != 204
        if not self.has_data:
            self.size = 0
        self.checksum = checksum
        self.headers = response.headers
        self._progress = progress
        self._md5 = hashlib.md5(usedforsecurity=False) \
            if verify and checksum else None
        self._chunk_size = chunk_size
        self.received = 0
        self._started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Stop reading; a connection not read to the end is dropped."""
        self._response.finish()

    def __iter__(self):
        self._start()
        return self._chunks()

    def _start(self):
        if self._started:
            raise RuntimeError('image data can be read only once')
        self._started = True

    def _chunks(self):
        try:
            while True:
                chunk = self._read(self._response.raw.read, self._chunk_size)
                if not chunk:
                    break
                self._account(chunk)
                yield chunk
            self._check()
        finally:
            self.close()

    def write_to(self, fileobj):
        """Write all the data to a binary file; the number of bytes."""
        self._start()
        view = memoryview(bytearray(self._chunk_size))
        try:
            while True:
                count = self._read(self._response.raw.readinto, view)
                if not count:
                    break
                piece = view[:count]
                while piece:
                    piece = piece[fileobj.write(piece):]
                self._account(view[:count])
            self._check()
        finally:
            self.close()
        return self.received

    def _read(self, method, argument):
        try:
            return method(argument)
        except (OSError, http.client.HTTPException) as error:
            raise exceptions.CommunicationError(
                'Download interrupted after %d bytes: %s'
                % (self.received, error),
                request_id=self._response.request_id) from error

    def _account(self, data):
        self.received += len(data)
        if self._md5 is not None:
            self._md5.update(data)
        if self._progress is not None:
            self._progress(self.received, self.size)

    def _check(self):
        request_id = self._response.request_id
        if self.size is not None and self.received != self.size:
            raise exceptions.CommunicationError(
                'Download interrupted after %d of %d bytes'
                % (self.received, self.size), request_id=request_id)
        if self._md5 is not None and self._md5.hexdigest() != self.checksum:
            raise exceptions.DataIntegrityError(
                'Checksum of the data is %s, expected %s'
                % (self._md5.hexdigest(), self.checksum),
                request_id=request_id)


def save(data, destination):
    """Write ImageData to a path or a binary file; the number of bytes.

    A path is written under a temporary name beside it and renamed into
    place only once the data is complete and verified, so a failure never
    leaves a partial file behind.
    """
    if hasattr(destination, 'write'):
        return data.write_to(destination)
    path = os.fspath(destination)
    partial = '%s.%s.part' % (path, secrets.token_hex(4))
    try:
        with open(partial, 'xb') as fileobj:
            received = data.write_to(fileobj)
        os.replace(partial, path)
    except BaseException:
        data.close()
        try:
            os.unlink(partial)
        except FileNotFoundError:
            pass
        raise
    return received
