"""Who is asking: the request context built by the context middlewares."""

import dataclasses


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

    @property
    def owner(self):
        """The id images created by this caller belong to."""
        return self.project_id if self.owner_is_tenant else self.user_id

    def policy_credentials(self):
        """Credentials in the shape oslo.policy rules expect."""
        return {'user_id': self.user_id, 'project_id': self.project_id,
                'roles': self.roles, 'is_admin': self.is_admin}
