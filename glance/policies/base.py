"""Rules every other rule builds on."""

from oslo_policy import policy

ADMIN = 'role:admin'
ADMIN_RULE = 'rule:context_is_admin'

_RULES = [
    ('context_is_admin', ADMIN, 'Who is an administrator.'),
    ('default', '', 'Rule for actions that have none of their own.'),
]


def list_rules():
    return [policy.RuleDefault(name, check, description=description)
            for name, check, description in _RULES]
