"""Policy checks by rule name, on top of oslo.policy.

The rules' defaults are in ``glance.policies``; ``[oslo_policy]
policy_file`` (YAML) overrides them.  The file is looked at no more than
once every ``RELOAD_INTERVAL`` seconds, not on every check: a changed file
(or policy.d directory) is reloaded then, without a restart.

Targets are those of OpenStack Glance: for an image, ``project_id`` and
``owner`` are its owner, ``visibility`` its visibility, ``member_id`` the
caller's project when the caller is a member of the image (looked up only
when a rule asks for it); without an image, ``project_id`` is the
caller's.  A value the image does not have is the empty string, which no
caller's project matches.
"""

import collections.abc
import time

from oslo_policy import policy

from glance.common import exception
from glance import policies

RELOAD_INTERVAL = 1.0


class ImageTarget(collections.abc.Mapping):
    """An image as a policy target; ``membership()`` (the caller's
    membership status of the image, or None) is called only if a rule
    reads ``member_id``."""

    def __init__(self, context, image, membership=None):
        self._values = dict(project_id=image.owner or '',
                            owner=image.owner or '',
                            visibility=image.visibility, id=image.id,
                            image_id=image.id)
        self._context = context
        self._membership = membership

    def _member_id(self):
        if self._context.owner is None or self._membership is None:
            return ''
        return self._context.owner if self._membership() else ''

    def __getitem__(self, key):
        if key == 'member_id':
            if key not in self._values:
                self._values[key] = self._member_id()
        return self._values[key]

    def __iter__(self):
        return iter(set(self._values) | {'member_id'})

    def __len__(self):
        return len(set(self._values) | {'member_id'})


class Authorizer:
    """Decides whether a caller may attempt an action."""

    def __init__(self, conf, clock=time.monotonic):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(policies.list_rules())
        self._enforcer.load_rules()
        self._clock = clock
        self._loaded_at = clock()

    def _current_rules(self):
        """Reload the policy file if it changed, at most once every
        RELOAD_INTERVAL seconds."""
        now = self._clock()
        if now - self._loaded_at >= RELOAD_INTERVAL:
            self._loaded_at = now
            self._enforcer.use_conf = True
            self._enforcer.load_rules()
        self._enforcer.use_conf = False

    def _enforce(self, rule, target, context):
        self._current_rules()
        return self._enforcer.enforce(rule, target,
                                      context.policy_credentials())

    def is_admin(self, context):
        """Whether ``context`` passes ``context_is_admin``."""
        return bool(self._enforce('context_is_admin', {}, context))

    def target(self, context, image=None, membership=None):
        """The policy target of an action of ``context`` (on ``image``)."""
        if image is None:
            return {'project_id': context.project_id or ''}
        return ImageTarget(context, image, membership)

    def check(self, context, rule, image=None, membership=None):
        """True when ``rule`` allows ``context`` on ``image``."""
        return bool(self._enforce(
            rule, self.target(context, image, membership), context))

    def authorize_on(self, context, rule, target):
        """Raise Forbidden unless ``rule`` allows ``context`` on ``target``,
        a dict of what rules may name (a metadef namespace's owner...)."""
        full_target = dict(target, project_id=context.project_id or '')
        _require(self._enforce(rule, full_target, context), rule)

    def authorize(self, context, rule, image=None, membership=None):
        """Raise Forbidden unless ``rule`` allows the action."""
        _require(self.check(context, rule, image, membership), rule)


def _require(allowed, rule):
    if not allowed:
        raise exception.Forbidden(
            'Policy does not allow %s.' % rule.replace('_', ' '))


def get_enforcer():
    """The enforcer with glance-api's configuration, for
    oslopolicy-policy-generator and oslopolicy-checker."""
    from glance.common import config
    config.parse_args([])
    return Authorizer(config.CONF)._enforcer
