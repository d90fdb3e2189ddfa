"""Build the request context from the identity headers.

keystonemiddleware's ``authtoken`` (or a trusted front proxy, in the
``trusted-auth`` flavor) passes the caller's identity in headers:
``X-Identity-Status``, ``X-User-Id``, ``X-Project-Id`` (legacy
``X-Tenant-Id``), ``X-Roles``, ``X-Auth-Token`` and ``X-Service-Catalog``
(where a multi-tenant swift store finds the caller's storage).  The
context goes to ``environ['glance.context']``.

| option (glance-api.conf) | default | effect |
|---|---|---|
| ``admin_role`` | admin | role that makes the caller an administrator |
| ``allow_anonymous_access`` | false | unconfirmed callers get a read-only anonymous context instead of 401 |
| ``owner_is_tenant`` | true | images belong to the project (else to the user) |
"""

import json

import webob.exc

from glance.common import config
from glance import context

CONF = config.CONF
ENV_KEY = 'glance.context'


def context_from_headers(environ):
    """The caller's context, or None if the identity is not confirmed."""
    if environ.get('HTTP_X_IDENTITY_STATUS', 'Confirmed') != 'Confirmed':
        return None
    project = (environ.get('HTTP_X_PROJECT_ID') or
               environ.get('HTTP_X_TENANT_ID'))
    user = environ.get('HTTP_X_USER_ID') or environ.get('HTTP_X_USER')
    if project is None and user is None:
        return None
    roles = [r.strip() for r in environ.get('HTTP_X_ROLES', '').split(',')
             if r.strip()]
    return context.RequestContext(
        user_id=user, project_id=project, roles=roles,
        is_admin=CONF.admin_role.lower() in (r.lower() for r in roles),
        auth_token=environ.get('HTTP_X_AUTH_TOKEN'),
        request_id=environ.get('glance.request_id'),
        owner_is_tenant=CONF.owner_is_tenant,
        service_catalog=_service_catalog(environ))


def _service_catalog(environ):
    """The X-Service-Catalog keystonemiddleware passes on (a list of
    services with their endpoints), or None if absent or not a JSON list."""
    try:
        catalog = json.loads(environ.get('HTTP_X_SERVICE_CATALOG', 'null'))
    except ValueError:
        return None
    return catalog if isinstance(catalog, list) else None


class ContextMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        ctx = context_from_headers(environ)
        if ctx is None:
            if not CONF.allow_anonymous_access:
                return webob.exc.HTTPUnauthorized(
                    explanation='Authentication required')(environ,
                                                           start_response)
            ctx = context.RequestContext(
                read_only=True, request_id=environ.get('glance.request_id'),
                owner_is_tenant=CONF.owner_is_tenant)
        environ[ENV_KEY] = ctx
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return ContextMiddleware
