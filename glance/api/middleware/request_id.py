"""Give every request an id and return it in ``x-openstack-request-id``.

The id (``req-<uuid>``) is stored in ``environ['glance.request_id']`` for
the logs, the request context and error messages.  Put this filter first in
every pipeline so even a 300 from version negotiation carries it.
"""

import uuid

ENV_KEY = 'glance.request_id'
HEADER = 'x-openstack-request-id'


class RequestIdMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = 'req-%s' % uuid.uuid4()
        environ[ENV_KEY] = request_id

        def start_with_id(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() != HEADER]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_id)


def filter_factory(global_conf, **local_conf):
    return RequestIdMiddleware
