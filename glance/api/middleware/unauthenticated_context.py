"""Treat every caller as an administrator: the default, keystone-less mode.

Meant for a service bound to a trusted address (the quick start binds
127.0.0.1).  Images created this way have no owner.
"""

from glance import context
from glance.api.middleware.context import ENV_KEY


class UnauthenticatedContextMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ[ENV_KEY] = context.RequestContext(
            is_admin=True, roles=['admin'],
            request_id=environ.get('glance.request_id'))
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return UnauthenticatedContextMiddleware
