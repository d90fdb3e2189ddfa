"""Who is asking: the request context built by the context middlewares.

The context of the request being served is also kept in a context
variable, bound by the router around each controller call, so that code far
below the controllers (the registry client behind the image repository) can
pass the caller's identity on without every domain call carrying it.  A
context variable is per thread, and per green thread under eventlet: each
new one starts empty, so one request never sees another's identity.
"""

import contextlib
import contextvars
import dataclasses

_current = contextvars.ContextVar('glance.context', default=None)


@dataclasses.dataclass
class RequestContext:
    user_id: str | None = None
    project_id: str | None = None
    roles: list = dataclasses.field(default_factory=list)
    is_admin: bool = False
    read_only: bool = False
    auth_token: str | None = None
    request_id: str | None = None
    owner_is_tenant: bool = True
    # Keystone's service catalog of the caller's token: services with their
    # endpoints (what a multi-tenant store finds the caller's storage in).
    service_catalog: list | None = None

    @property
    def owner(self):
        """The id images created by this caller belong to."""
        return self.project_id if self.owner_is_tenant else self.user_id

    def policy_credentials(self):
        """Credentials in the shape oslo.policy rules expect."""
        return {'user_id': self.user_id, 'project_id': self.project_id,
                'roles': self.roles, 'is_admin': self.is_admin}


def current():
    """The context of the request this thread serves, or None."""
    return _current.get()


@contextlib.contextmanager
def bound(context):
    """Make ``context`` the current one for the duration of the block."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
