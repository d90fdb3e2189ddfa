"""Request bodies of the client: bytes, files and iterators, streamed.

Bytes are sent as they are; regular files through ``sendfile`` with a
Content-Length; other files and iterators in chunked transfer encoding
unless the caller gives their size.  A progress callback hears of every
piece sent.
"""

import os
import ssl
import stat


class SendFailed(Exception):
    """Writing to the socket failed (the server may have answered early)."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def _sendall(conn, data):
    try:
        conn.sock.sendall(data)
    except OSError as error:
        raise SendFailed(error) from error


def _file_size(fileobj):
    """Bytes left from the current position, or None if unknowable."""
    try:
        info = os.fstat(fileobj.fileno())
        if stat.S_ISREG(info.st_mode):
            return info.st_size - fileobj.tell()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        position = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
        return end - position
    except (AttributeError, OSError, ValueError):
        return None


def _is_regular_file(fileobj):
    try:
        return stat.S_ISREG(os.fstat(fileobj.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


def _position(fileobj):
    try:
        return fileobj.tell() if fileobj.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


class Upload:
    """A request body: bytes, a binary file or an iterable of bytes.

    ``length`` is the Content-Length, or None for chunked transfer
    encoding.  A given ``size`` must match what the data holds: a body
    shorter or longer than announced aborts the request (ValueError).
    """

    def __init__(self, data, size, chunk_size):
        self.chunk_size = chunk_size
        self._view = self._file = self._iterator = None
        if isinstance(data, str):
            raise TypeError('image data must be bytes, a binary file or an '
                            'iterable of bytes, not str')
        if isinstance(data, (bytes, bytearray, memoryview)):
            self._view = memoryview(data).cast('B')
            self.length = self._view.nbytes
            if size is not None and size != self.length:
                raise ValueError('size %d given for %d bytes of data'
                                 % (size, self.length))
        elif hasattr(data, 'read'):
            self._file = data
            self._start = _position(data)
            self.length = _file_size(data) if size is None else size
        else:
            try:
                self._iterator = iter(data)
            except TypeError:
                raise TypeError('image data must be bytes, a binary file or '
                                'an iterable of bytes, not %s'
                                % type(data).__name__) from None
            self.length = size

    def rewind(self):
        """Get ready to send the body again; False if it cannot be."""
        if self._view is not None:
            return True
        if self._file is not None and self._start is not None:
            self._file.seek(self._start)
            return True
        return False

    def send(self, conn, progress=None):
        """Write the body to conn's socket, reporting each step."""
        sent = 0
        for count in self._transmit(conn):
            sent += count
            if progress is not None:
                progress(sent, self.length)

    def _transmit(self, conn):
        if self._view is not None:
            for start in range(0, self.length, self.chunk_size):
                piece = self._view[start:start + self.chunk_size]
                _sendall(conn, piece)
                yield len(piece)
        elif self._file is None:
            yield from self._frames(conn, self._iterator)
        elif (self.length is not None and _is_regular_file(self._file)
              and not isinstance(conn.sock, ssl.SSLSocket)):
            yield from self._sendfile(conn)
        else:
            yield from self._frames(conn, self._read_file())

    def _read_file(self):
        remaining = self.length
        while remaining is None or remaining > 0:
            wanted = self.chunk_size if remaining is None \
                else min(self.chunk_size, remaining)
            data = self._file.read(wanted)
            if not data:
                return
            if remaining is not None:
                remaining -= len(data)
            yield data

    def _sendfile(self, conn):
        remaining = self.length
        while remaining > 0:
            try:
                count = conn.sock.sendfile(
                    self._file, offset=self._file.tell(),
                    count=min(self.chunk_size, remaining))
            except OSError as error:
                raise SendFailed(error) from error
            if not count:
                raise ValueError('file ended %d bytes short of the size %d'
                                 % (remaining, self.length))
            remaining -= count
            yield count

    def _frames(self, conn, chunks):
        """Send chunks as they are (Content-Length) or in chunked framing."""
        sent = 0
        for chunk in chunks:
            try:
                chunk = memoryview(chunk).cast('B')
            except TypeError:
                raise TypeError('image data chunks must be bytes, not %s'
                                % type(chunk).__name__) from None
            count = len(chunk)
            if not count:
                continue
            if self.length is None:
                _sendall(conn, b'%x\r\n' % count)
                _sendall(conn, chunk)
                _sendall(conn, b'\r\n')
            elif sent + count > self.length:
                raise ValueError('data is longer than the size %d'
                                 % self.length)
            else:
                _sendall(conn, chunk)
            sent += count
            yield count
        if self.length is None:
            _sendall(conn, b'0\r\n\r\n')
        elif sent != self.length:
            raise ValueError('data ended after %d bytes of the size %d'
                             % (sent, self.length))
