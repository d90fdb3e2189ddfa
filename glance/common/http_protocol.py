"""The HTTP/1.1 connection handler of the eventlet server: eventlet's, with
what Glance needs on top.

* ``environ['wsgi.file_wrapper']`` is FileRange, and a response carrying
  one is sent with os.sendfile (glance.common.file_range).
* Image API v1 metadata headers keep their underscores.
* A response with ``Connection: close`` closes the connection instead of
  reading the rest of a refused request body.
"""

import functools

import eventlet.wsgi

from glance.common import file_range

# Headers whose names keep their underscores (see formalize_key_naming).
V1_METADATA_HEADER_PREFIX = 'x-image-meta-'


class HttpProtocol(eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP/1.1 handler, with FileRange bodies sent by sendfile."""

    def get_environ(self):
        environ = super().get_environ()
        environ['wsgi.file_wrapper'] = file_range.FileRange
        return environ

    def formalize_key_naming(self, k):
        """Keep Image API v1 metadata headers that contain underscores.

        eventlet drops every header with an underscore, lest ``X-A_B`` pass
        for ``X-A-B``; v1 clients send ``x-image-meta-disk_format`` and the
        like, and in those names ``_`` and ``-`` mean the same.
        """
        if k.lower().startswith(V1_METADATA_HEADER_PREFIX):
            return k.replace('-', '_').upper()
        return super().formalize_key_naming(k)

    def handle_one_response(self):
        self.application = functools.partial(
            file_range.call_with_sendfile,
            self._closing_on_request(self.application), self.connection)
        super().handle_one_response()

    def _closing_on_request(self, app):
        """``app``, whose ``Connection: close`` closes the connection.

        eventlet would keep it alive, first reading and discarding the
        rest of the request body, which after a refused upload may be
        gigabytes.
        """
        def call(environ, start_response):
            def closing_start_response(status, headers, exc_info=None):
                kept = [(name, value) for name, value in headers
                        if (name.lower(), value.lower()) !=
                        ('connection', 'close')]
                if len(kept) != len(headers):
                    self.close_connection = 1
                return start_response(status, kept, exc_info)
            return app(environ, closing_start_response)
        return call
