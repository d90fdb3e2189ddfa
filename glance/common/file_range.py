"""FileRange, the eventlet server's ``wsgi.file_wrapper``, and how it is
sent zero-copy.

A response body that is a FileRange, or carries one as its ``file_range``
attribute (a middleware that wraps the body without needing its bytes, such
as access_log), with a Content-Length (not for HEAD) is sent with
os.sendfile; any other body is iterated.  gunicorn and uWSGI do the same
with their own ``wsgi.file_wrapper``, so an app that returns
``environ['wsgi.file_wrapper'](fileobj)`` is zero-copy under all three.
glance.common.http_protocol puts FileRange in the environ and sends the
responses through call_with_sendfile().
"""

import os
import socket

import eventlet.hubs
from eventlet import greenthread

# Read size when a FileRange is iterated rather than sent with sendfile:
# under eventlet each chunk costs ~40 us, so smaller chunks cut throughput.
FILE_BLOCK_SIZE = 1024 * 1024


class FileRange:
    """``length`` bytes of a seekable file from ``offset``: a response body.

    It is the eventlet server's ``environ['wsgi.file_wrapper']``;
    ``offset`` defaults to the file's position and ``length`` to the rest
    of the file.  The server sends it with os.sendfile when the response
    has a Content-Length; elsewhere it is iterated in ``block_size`` reads.
    webob answers a Range request from it through app_iter_range().
    ``sent`` counts the bytes handed to the client either way, for the
    access log.  Closing it closes the file.
    """

    # Tells an app this wsgi.file_wrapper takes ``offset`` and ``length``,
    # so it can be handed a byte range of a file (see glance.api.image_body).
    takes_range = True

    def __init__(self, fileobj, block_size=FILE_BLOCK_SIZE, offset=None,
                 length=None):
        self.fileobj = fileobj
        self.block_size = block_size
        self.offset = fileobj.tell() if offset is None else offset
        if length is None:
            length = max(fileobj.seek(0, os.SEEK_END) - self.offset, 0)
            fileobj.seek(self.offset)
        self.length = length
        self.sent = 0

    @property
    def file_range(self):
        """Itself: what the server looks for on any body (module doc)."""
        return self

    def __iter__(self):
        self.fileobj.seek(self.offset)
        remaining = self.length
        while remaining > 0:
            chunk = self.fileobj.read(min(self.block_size, remaining))
            if not chunk:
                raise _ShortFile(remaining)
            remaining -= len(chunk)
            self.sent += len(chunk)
            yield chunk

    def app_iter_range(self, start, stop):
        stop = self.length if stop is None else min(stop, self.length)
        return FileRange(self.fileobj, self.block_size, self.offset + start,
                         max(stop - start, 0))

    def close(self):
        self.fileobj.close()


class _ShortFile(EOFError):
    """The file ended before the response did: the connection is dropped
    so the client sees a truncated body rather than waiting for the rest."""

    def __init__(self, missing):
        super().__init__('The file ended %d bytes short of the response'
                         % missing)


def call_with_sendfile(app, connection, environ, start_response):
    """``app``'s body, replaced by a _SendfileBody when it can be one."""
    started = []

    def recording_start_response(status, headers, exc_info=None):
        write = start_response(status, headers, exc_info)
        started[:] = [status, headers, write]
        return write

    body = app(environ, recording_start_response)
    file_range = getattr(body, 'file_range', None)
    if (not isinstance(file_range, FileRange) or not started
            or environ['REQUEST_METHOD'] == 'HEAD'):
        return body
    status, headers, write = started
    lengths = [value for name, value in headers
               if name.lower() == 'content-length']
    if not lengths or status[:3] in ('204', '304') \
            or not _has_fileno(file_range.fileobj):
        return body
    return _SendfileBody(body, file_range, connection, write,
                         int(lengths[0]))


def _has_fileno(fileobj):
    try:
        fileobj.fileno()
    except (AttributeError, OSError):
        return False
    return True


class _SendfileBody:
    """Sends the headers, then the file with os.sendfile, when iterated.

    It yields nothing itself: eventlet has no hook for a zero-copy body, so
    iterating it does the sending, waiting greenly whenever the socket
    buffer is full.  Exactly Content-Length bytes are sent; a file too short
    for that raises, which drops the connection.  Closing it closes
    ``body``, the app's body that carries ``file_range``.
    """

    def __init__(self, body, file_range, connection, write, content_length):
        self._body = body
        self._range = file_range
        self._connection = connection
        self._write = write
        self._content_length = content_length

    def __iter__(self):
        # eventlet sends the status line and headers with the first write.
        self._write(b'')
        count = min(self._content_length, self._range.length)
        self._send(count)
        if count < self._content_length:
            raise _ShortFile(self._content_length - count)
        return iter(())

    def _send(self, count):
        in_fd = self._range.fileobj.fileno()
        out_fd = self._connection.fileno()
        offset = self._range.offset
        waiter = None
        try:
            while count > 0:
                try:
                    sent = os.sendfile(out_fd, in_fd, offset, count)
                except BlockingIOError:
                    sent = None
                if sent == 0:
                    raise _ShortFile(count)
                if sent is not None:
                    self._range.sent += sent
                    offset += sent
                    count -= sent
                # A partial send means the socket buffer is full: wait
                # rather than try again and fail (a wasted splice of the
                # file into the kernel's pipe, hundreds of times per GiB).
                if count > 0:
                    if waiter is None:
                        waiter = _WritableWaiter(
                            out_fd, self._connection.gettimeout())
                    waiter.wait()
        finally:
            if waiter is not None:
                waiter.close()

    def close(self):
        close = getattr(self._body, 'close', None)
        if close is not None:
            close()


class _WritableWaiter:
    """Waits greenly, as often as needed, for a socket to take more data.

    One write listener stays on the eventlet hub from the first wait to
    close(): eventlet.hubs.trampoline would add the socket to epoll and
    remove it again for every wait, a few hundred times per GiB sent.  The
    listener can only fire while the green thread waits here, the one point
    where the sending loop gives the hub control.
    """

    def __init__(self, fd, timeout):
        self._hub = eventlet.hubs.get_hub()
        self._greenlet = greenthread.getcurrent()
        self._timeout = timeout
        self._listener = self._hub.add(
            self._hub.WRITE, fd, self._greenlet.switch, self._greenlet.throw,
            _closed)

    def wait(self):
        """Return once the socket is writable; socket.timeout after
        ``timeout`` seconds without."""
        timer = None
        if self._timeout:
            timer = self._hub.schedule_call_global(
                self._timeout, self._greenlet.throw,
                socket.timeout('timed out'))
        try:
            self._hub.switch()
        finally:
            if timer is not None:
                timer.cancel()

    def close(self):
        self._hub.remove(self._listener)


def _closed(*args):
    """The hub's notice that the socket was closed under the listener: the
    next send fails, which ends the response."""
