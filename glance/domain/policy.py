"""Policy checks by rule name, on top of oslo.policy.

The policy file is read once, when the Authorizer is built (at start, and
when glance-api reloads on SIGHUP), not looked up again on every check:
that lookup was a large part of what a request cost.
"""

from oslo_policy import policy

from glance.common import exception
from glance import policies


class Authorizer:
    """Decides whether a caller may attempt an action."""

    def __init__(self, conf):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(policies.list_rules())
        self._enforcer.load_rules()
        self._enforcer.use_conf = False

    def check(self, context, rule, image=None):
        """True when ``rule`` allows ``context`` on ``image``."""
        target = {'project_id': context.project_id}
        if image is not None:
            target.update(owner=image.owner or '', visibility=image.visibility,
                          image_id=image.id)
        return self._enforcer.enforce(rule, target,
                                      context.policy_credentials())

    def authorize_on(self, context, rule, target):
        """Raise Forbidden unless ``rule`` allows ``context`` on ``target``,
        a dict of what rules may name (a metadef namespace's owner...)."""
        full_target = dict(target, project_id=context.project_id)
        if not self._enforcer.enforce(rule, full_target,
                                      context.policy_credentials()):
            raise exception.Forbidden(
                'Policy does not allow %s.' % rule.replace('_', ' '))

    def authorize(self, context, rule, image=None):
        """Raise Forbidden unless ``rule`` allows the action."""
        if not self.check(context, rule, image):
            raise exception.Forbidden(
                'Policy does not allow %s.' % rule.replace('_', ' '))
