"""Pick the API version from the URL or the Accept header.

``/v2/...`` and ``/v2.N/...`` select v2 (the path is rewritten to ``/v2``),
``/v1/...``, ``/v1.0/...`` and ``/v1.1/...`` select v1 when it is enabled;
without a version in the URL, ``Accept: application/vnd.openstack.images-
vX[.N]`` selects it.  Anything else, including ``/`` and ``/versions``, is
answered by the versions document (300, or 200 for ``/versions``), and so
is a bare ``/v2``, where version discovery (keystoneauth) looks for it.
The selected version is put in ``environ['glance.api.version']`` as
``(major, minor)``.
"""

import re

from glance.api import versions

ENV_KEY = 'glance.api.version'
_PATH_VERSION = re.compile(r'^/v(\d+)(?:\.(\d+))?(?=/|$)')
_ACCEPT_VERSION = re.compile(
    r'application/vnd\.openstack\.images-v(\d+)(?:\.(\d+))?')


def _latest_minor(major):
    minors = [int(v.split('.')[1]) for v, _ in versions.served_versions()
              if v.startswith('v%d.' % major)]
    return max(minors) if minors else None


def _select(major, minor):
    """(major, minor) if served; a missing minor means the latest one."""
    major = int(major)
    minor = _latest_minor(major) if minor is None else int(minor)
    if minor is not None and versions.is_served(major, minor):
        return major, minor
    return None


class VersionNegotiationMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        match = _PATH_VERSION.match(path)
        if match:
            version = _select(*match.groups())
            rest = path[match.end():] or None
        else:
            accept = _ACCEPT_VERSION.search(environ.get('HTTP_ACCEPT', ''))
            version = _select(*accept.groups()) if accept else None
            rest = path if path not in ('', '/', '/versions') else None
        if version is None or rest in (None, '/'):
            return versions.versions_app(environ, start_response)
        environ[ENV_KEY] = version
        environ['PATH_INFO'] = '/v%d%s' % (version[0], rest)
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return VersionNegotiationMiddleware
