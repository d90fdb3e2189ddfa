"""``GET /v2/info/usage``: the caller's project's unified limits and usage
(glance.domain.limits); ``{"usage": {}}`` without use_keystone_limits, as
Glance answers.  Glance checks no policy rule here: a project sees its own
figures only."""

from glance.common import wsgi


class Controller:

    def __init__(self, limits):
        self.limits = limits

    def usage(self, req):
        return wsgi.json_response({'usage': self.limits.report(req.context)})
