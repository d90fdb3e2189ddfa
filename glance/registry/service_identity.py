"""Who glance-api is when it calls glance-registry for no caller: the
maintenance rounds, which have no request to take an identity from.

As Glance's registry client: with ``auth_strategy = keystone``, a token of
``admin_user`` in ``admin_tenant_name`` from the Keystone at ``auth_url``
(domain ``default``), for a registry of the keystone flavor; with
``send_identity_headers``, the same service identity in the headers of
the trusted-auth pipeline.  Either way the service acts as an
administrator, which the registry checks against its own policy.
"""

import logging

from oslo_config import cfg

from glance import context

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

OPTS = [
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[('noauth', 'send no token'),
                        ('keystone', 'send a token of admin_user')],
               help='How glance-api authenticates to glance-registry when '
                    'it calls for no caller (maintenance rounds, '
                    'glance-manage maintenance).  A registry of the '
                    'keystone flavor needs keystone.'),
    cfg.StrOpt('admin_user',
               help='The user glance-api authenticates to the registry as, '
                    'for no caller; it needs the admin role.'),
    cfg.StrOpt('admin_password', secret=True,
               help='The password of admin_user.'),
    cfg.StrOpt('admin_tenant_name',
               help='The project admin_user\'s token is scoped to.'),
    cfg.URIOpt('auth_url',
               help='Keystone\'s identity endpoint, for admin_user\'s '
                    'token.'),
]

CONF.register_opts(OPTS)

# Identity headers name a user; without admin_user, this one.
SERVICE_USER = 'glance'


def service_context(conf=CONF):
    """The context the registry client sends for the service itself; its
    token is None when none could be had (the registry then refuses, and
    maintenance says what it could not do)."""
    token = None
    if conf.auth_strategy == 'keystone':
        token = _token(conf)
    return context.RequestContext(
        user_id=conf.admin_user or SERVICE_USER, roles=['admin'],
        is_admin=True, auth_token=token)


def _token(conf):
    from keystoneauth1 import exceptions
    from keystoneauth1.identity import generic
    from keystoneauth1 import session
    auth = generic.Password(
        auth_url=conf.auth_url, username=conf.admin_user,
        password=conf.admin_password, project_name=conf.admin_tenant_name,
        user_domain_id='default', project_domain_id='default')
    try:
        return session.Session(auth=auth).get_token()
    except exceptions.ClientException as e:
        LOG.warning('No token for %s from %s: %s', conf.admin_user,
                    conf.auth_url, e)
        return None
