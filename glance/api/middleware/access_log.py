"""One log line per request, written when the response body is finished.

The line gives the request id, client address, method, path, status, bytes
sent and duration, on the ``glance.access`` logger, so an operator can route
it to a file of its own.  Place it right after ``request_id``.

A body that carries a ``file_range`` (glance-api's sendfile body, see
glance.common.file_range) keeps it visible on the wrapper, so the server can
still send it zero-copy; its bytes sent are then read from the file range.
"""

import logging
import time

LOG = logging.getLogger('glance.access')


class AccessLogMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        status_holder = []

        def recording_start(status, headers, exc_info=None):
            status_holder.append(status.split(' ', 1)[0])
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start)
        return _LoggedBody(body, environ, status_holder, started)


class _LoggedBody:
    """Counts the bytes of a response body and logs when it is closed."""

    def __init__(self, body, environ, status_holder, started):
        self._body = body
        self._environ = environ
        self._status = status_holder
        self._started = started
        self._sent = 0
        self.file_range = getattr(body, 'file_range', None)

    def __iter__(self):
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def _bytes_sent(self):
        if self.file_range is not None:
            return self.file_range.sent
        return self._sent

    def close(self):
        try:
            close = getattr(self._body, 'close', None)
            if close is not None:
                close()
        finally:
            env = self._environ
            path = env.get('SCRIPT_NAME', '') + env.get('PATH_INFO', '')
            if env.get('QUERY_STRING'):
                path += '?' + env['QUERY_STRING']
            LOG.info('%s %s "%s %s" status: %s len: %d time: %.4f',
                     env.get('glance.request_id', '-'),
                     env.get('REMOTE_ADDR', '-'), env.get('REQUEST_METHOD'),
                     path, self._status[0] if self._status else '-',
                     self._bytes_sent(), time.monotonic() - self._started)


def filter_factory(global_conf, **local_conf):
    return AccessLogMiddleware
