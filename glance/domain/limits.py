"""Keystone unified limits (``use_keystone_limits``), as Glance has them.

The limits of a project are registered in Keystone for the image service
(defaults per region, overridden per project); oslo.limit's Enforcer reads
them with the service user of ``[oslo_limit]`` and compares them with the
usage this module counts through the repository (OwnerUsage):

======================= =====================================================
``image_size_total``    MiB of image data stored (each location counts)
``image_stage_total``   MiB of image data in the staging area
``image_count_total``   images neither killed nor deleted
``image_count_uploading`` images being uploaded, staged or imported
======================= =====================================================

Each limit is checked where Glance checks it, with Glance's deltas:
creating an image asks for one more image; an upload, a stage or an import
is refused when the project is already over its size limits; an upload or
a stage is counted as uploading once the image has moved to saving
(uploading), and refused if that leaves more than the limit.  Counts are
checked again once the act is done (``claim``), so of concurrent requests
that together pass a count limit none slips through; the size limits, as
in Glance, bound when an upload may start, not what it adds.  A refusal
is LimitExceeded (413) with oslo.limit's message naming the limit, the
usage and the delta.  Limits are read from Keystone on each check.
"""

import contextlib
import logging

from glance.common import exception

LOG = logging.getLogger(__name__)

IMAGE_SIZE_TOTAL = 'image_size_total'
IMAGE_STAGE_TOTAL = 'image_stage_total'
IMAGE_COUNT_TOTAL = 'image_count_total'
IMAGE_COUNT_UPLOADING = 'image_count_uploading'
RESOURCES = (IMAGE_SIZE_TOTAL, IMAGE_STAGE_TOTAL, IMAGE_COUNT_TOTAL,
             IMAGE_COUNT_UPLOADING)

MiB = 1024 ** 2


def _oslo_enforcer(usage_callback):
    """oslo.limit's Enforcer, imported on first use: a deployment without
    unified limits never loads the Keystone client.  oslo.limit reads its
    options from the global configuration, as Glance's does."""
    from oslo_config import cfg
    from oslo_limit import limit
    from oslo_limit import opts
    opts.register_opts(cfg.CONF)
    return limit.Enforcer(usage_callback)


@contextlib.contextmanager
def _keystone_answers():
    """Keystone unreachable, or refusing the service user of
    ``[oslo_limit]``: LimitsUnavailable (503), logged, since no limit can
    be decided without it."""
    from keystoneauth1 import exceptions as keystone_errors
    from oslo_limit import exception as limit_errors
    try:
        yield
    except (limit_errors.SessionInitError,
            keystone_errors.ClientException) as error:
        LOG.error('Cannot read the unified limits from Keystone; check '
                  '[oslo_limit]: %s', error)
        raise exception.LimitsUnavailable(reason=str(error)) from None


class UnifiedLimits:
    """The checks and the usage report; each a no-op when disabled."""

    def __init__(self, repo, conf, enforcer=_oslo_enforcer):
        self.repo = repo
        self.conf = conf
        self._enforcer = enforcer

    @property
    def enabled(self):
        return self.conf.use_keystone_limits

    def usage(self, owner):
        """The project's usage of each limit, in the limit's unit."""
        held = self.repo.usage(owner)
        return {IMAGE_SIZE_TOTAL: held.stored_bytes // MiB,
                IMAGE_STAGE_TOTAL: held.staged_bytes // MiB,
                IMAGE_COUNT_TOTAL: held.images,
                IMAGE_COUNT_UPLOADING: held.uploading}

    def _new_enforcer(self):
        """An Enforcer counting usage here; it reaches Keystone (and
        reads the limits anew) each time."""
        with _keystone_answers():
            return self._enforcer(lambda project_id, names: {
                name: value for name, value in self.usage(project_id).items()
                if name in names})

    def check(self, context, deltas):
        """Raise LimitExceeded if the caller's owner, with ``deltas``
        (``{resource: amount}``) more, would be over a limit."""
        if self.enabled:
            self._enforce(self._new_enforcer(), context, deltas)

    def claim(self, context, deltas, act, undo):
        """``act()`` if the owner may have ``deltas`` more (Glance's
        check), then count the same resources again with it done: if
        concurrent claims took the owner over a limit, ``undo(result)``
        and raise LimitExceeded (or LimitsUnavailable if Keystone stopped
        answering).  Of claims that together pass a limit,
        the last to count sees all of them, so none slips through.  The
        second count reuses the limits the first read from Keystone."""
        if not self.enabled:
            return act()
        enforcer = self._new_enforcer()
        self._enforce(enforcer, context, deltas)
        result = act()
        try:
            self._enforce(enforcer, context, dict.fromkeys(deltas, 0))
        except (exception.LimitExceeded, exception.LimitsUnavailable):
            undo(result)
            raise
        return result

    @staticmethod
    def _enforce(enforcer, context, deltas):
        from oslo_limit import exception as limit_errors
        try:
            with _keystone_answers():
                enforcer.enforce(context.owner, deltas)
        except limit_errors.ProjectOverLimit as error:
            raise exception.LimitExceeded(str(error)) from None

    def report(self, context):
        """GET /v2/info/usage: the limit and usage of each resource for the
        caller's project; nothing when the limits are off (as Glance)."""
        if not self.enabled or not context.project_id:
            return {}
        enforcer = self._new_enforcer()
        with _keystone_answers():
            usages = enforcer.calculate_usage(context.project_id, RESOURCES)
        return {name: {'limit': usage.limit, 'usage': usage.usage}
                for name, usage in usages.items()}
