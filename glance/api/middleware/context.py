"""Build the request context from the identity headers.

keystonemiddleware's ``authtoken`` (or a trusted front proxy, in the
``trusted-auth`` flavor) passes the caller's identity in headers:
``X-Identity-Status``, ``X-User-Id``, ``X-Project-Id`` (legacy
``X-Tenant-Id``), ``X-Roles``, ``X-Auth-Token``, ``X-Service-Catalog``
(where a multi-tenant swift store finds the caller's storage), the token's
scope when it is no project (``OpenStack-System-Scope``, ``X-Domain-Id``)
and the roles of a confirmed service token (``X-Service-Roles``).  Whether
the caller is an administrator is the policy rule ``context_is_admin``.
The context goes to ``environ['glance.context']``.

A request without a confirmed identity gets 401 (keystonemiddleware adds
``WWW-Authenticate`` naming Keystone), unless anonymous access is allowed.

| option (glance-api.conf) | default | effect |
|---|---|---|
| ``allow_anonymous_access`` | false | unconfirmed callers get a read-only anonymous context instead of 401 |
| ``owner_is_tenant`` | true | images belong to the project (else to the user) |
"""

import json

import webob.exc

from glance.common import config
from glance import context
from glance.domain import policy

CONF = config.CONF
ENV_KEY = 'glance.context'


def _list(environ, key):
    return [item.strip() for item in environ.get(key, '').split(',')
            if item.strip()]


def context_from_headers(environ):
    """The caller's context (is_admin not yet decided), or None if the
    identity is not confirmed."""
    if environ.get('HTTP_X_IDENTITY_STATUS', 'Confirmed') != 'Confirmed':
        return None
    project = (environ.get('HTTP_X_PROJECT_ID') or
               environ.get('HTTP_X_TENANT_ID'))
    user = environ.get('HTTP_X_USER_ID') or environ.get('HTTP_X_USER')
    if project is None and user is None:
        return None
    return context.RequestContext(
        user_id=user, project_id=project,
        roles=_list(environ, 'HTTP_X_ROLES'),
        auth_token=environ.get('HTTP_X_AUTH_TOKEN'),
        request_id=environ.get('glance.request_id'),
        owner_is_tenant=CONF.owner_is_tenant,
        system_scope=environ.get('HTTP_OPENSTACK_SYSTEM_SCOPE'),
        domain_id=None if project else environ.get('HTTP_X_DOMAIN_ID'),
        service_roles=_list(environ, 'HTTP_X_SERVICE_ROLES') if environ.get(
            'HTTP_X_SERVICE_IDENTITY_STATUS') == 'Confirmed' else [],
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
        self.authorizer = policy.Authorizer(CONF)

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
        else:
            ctx.is_admin = self.authorizer.is_admin(ctx)
        environ[ENV_KEY] = ctx
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return ContextMiddleware
