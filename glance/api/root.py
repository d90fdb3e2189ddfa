"""The root app: the versions document at `/`, the `/v1` and `/v2` routers."""

from glance.api import versions
from glance.api.v1 import router as v1_router
from glance.api.v2 import router as v2_router
from glance.common import config
from glance import gateway

CONF = config.CONF


class RootApp:
    """Dispatch on the first path segment, as paste's urlmap would."""

    def __init__(self, apps):
        self.apps = apps

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        prefix = '/' + path.lstrip('/').split('/', 1)[0]
        app = self.apps.get(prefix)
        if app is None:
            return versions.versions_app(environ, start_response)
        environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + prefix
        environ['PATH_INFO'] = path[len(prefix):] or '/'
        return app(environ, start_response)


def app_factory(global_conf, **local_conf):
    services = gateway.services()
    apps = {}
    if CONF.enable_v1_api:
        apps['/v1'] = v1_router.build(services)
    if CONF.enable_v2_api:
        apps['/v2'] = v2_router.build(services)
    return RootApp(apps)
