"""glance.domain.policy: Glance's secure-RBAC defaults, scope, the policy
file and its reloading."""

import pytest

from glance.common import exception
from glance.context import RequestContext
from glance.domain import image as image_mod
from glance.domain import policy
from tests.unit.domain.conftest import MEMBER_ROLES
from tests.unit.store import helpers


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def authorizer(conf=None, clock=None):
    return policy.Authorizer(conf or helpers.fresh_conf(),
                             clock=clock or Clock())


def image(owner='alpha', visibility='private'):
    return image_mod.Image(owner=owner, visibility=visibility)


MEMBER = RequestContext(project_id='alpha', roles=MEMBER_ROLES)
READER = RequestContext(project_id='alpha', roles=['reader'])
STRANGER = RequestContext(project_id='beta', roles=MEMBER_ROLES)
ADMIN = RequestContext(project_id='ops', roles=['admin'] + MEMBER_ROLES)
SYSTEM_ADMIN = RequestContext(user_id='u', roles=['admin'] + MEMBER_ROLES,
                              system_scope='all')


@pytest.mark.parametrize('rule,caller,allowed', [
    ('modify_image', MEMBER, True), ('modify_image', READER, False),
    ('modify_image', STRANGER, False), ('modify_image', ADMIN, True),
    ('get_image', READER, True), ('get_image', STRANGER, False),
    ('download_image', READER, False), ('download_image', MEMBER, True),
    ('deactivate', MEMBER, True), ('deactivate', READER, False),
    ('publicize_image', MEMBER, False), ('publicize_image', ADMIN, True),
    ('communitize_image', MEMBER, True), ('copy_image', MEMBER, False),
    ('add_member', MEMBER, True), ('get_members', READER, True),
    ('modify_member', MEMBER, False), ('modify_member', ADMIN, True),
])
def test_personas_on_a_private_image(rule, caller, allowed):
    assert authorizer().check(caller, rule, image()) is allowed


def test_member_id_is_the_caller_project_when_it_is_a_member():
    asked = []

    def membership():
        asked.append(1)
        return 'pending'
    shared = image(visibility='shared')
    check = authorizer().check
    assert check(STRANGER, 'modify_member', shared, membership)
    assert not check(STRANGER, 'modify_member', shared, lambda: None)
    # Looked up only for rules that read member_id.
    assert check(MEMBER, 'modify_image', shared, membership)
    assert len(asked) == 1


def test_a_project_member_creates_images_of_its_own_project_only():
    check = authorizer().check
    assert check(MEMBER, 'add_image', image(owner='alpha'))
    assert not check(MEMBER, 'add_image', image(owner='beta'))
    assert not check(READER, 'add_image', image(owner='alpha'))
    assert not check(RequestContext(user_id='u', roles=MEMBER_ROLES),
                     'add_image', image(owner=None))


def test_system_and_domain_scopes_are_refused_on_project_rules():
    """oslo.policy 6 always enforces scope (it has no enforce_scope any
    more): project rules refuse system- and domain-scoped tokens, even an
    administrator's."""
    domain_admin = RequestContext(user_id='u', roles=['admin'],
                                  domain_id='default')
    for caller in (SYSTEM_ADMIN, domain_admin):
        assert authorizer().is_admin(caller)
        assert not authorizer().check(caller, 'get_images')
        assert not authorizer().check(caller, 'get_image', image())


def test_old_defaults_apply_with_enforce_new_defaults_off():
    conf = helpers.fresh_conf()
    policy.Authorizer(conf)
    conf.set_override('enforce_new_defaults', False, group='oslo_policy')
    assert authorizer(conf).check(READER, 'modify_image', image())
    assert not authorizer().check(READER, 'modify_image', image())


def test_the_policy_file_is_reloaded_when_it_changes(tmp_path):
    path = tmp_path / 'policy.yaml'
    path.write_text('"deactivate": "role:admin"\n')
    conf = helpers.fresh_conf()
    policy.Authorizer(conf)
    conf.set_override('policy_file', str(path), group='oslo_policy')
    clock = Clock()
    checks = authorizer(conf, clock)
    assert not checks.check(MEMBER, 'deactivate', image())
    path.write_text('"deactivate": ""\n')
    # Not looked at again within the interval...
    clock.now += policy.RELOAD_INTERVAL / 2
    assert not checks.check(MEMBER, 'deactivate', image())
    # ...then reloaded.
    clock.now += policy.RELOAD_INTERVAL
    assert checks.check(READER, 'deactivate', image())


def test_authorize_raises_forbidden_naming_the_action():
    with pytest.raises(exception.Forbidden, match='publicize image'):
        authorizer().authorize(MEMBER, 'publicize_image', image())


def test_the_enforcer_for_the_policy_generator():
    from glance import policies
    enforcer = policy.get_enforcer()
    assert set(enforcer.registered_rules) == {
        rule.name for rule in policies.list_rules()}
