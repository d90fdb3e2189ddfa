"""Routing and dispatch shared by the API routers.

Every route is declared explicitly with the methods it accepts; any other
method on a known path is answered 405 with an ``Allow`` header.  Controller
actions take ``(req, **url_args)`` and return a webob Response or raise; the
errors table turns exceptions into HTTP errors.
"""

import json

import routes
import webob
import webob.dec
import webob.exc

from glance.common import errors
from glance import context as context_mod

JSON_CONTENT_TYPE = 'application/json'


class Request(webob.Request):
    """A webob request with access to what the middlewares put in environ."""

    @property
    def context(self):
        return self.environ['glance.context']

    @property
    def request_id(self):
        return self.environ.get('glance.request_id')

    def json_body_or_400(self):
        """The parsed JSON body, or 400 if it is missing or malformed."""
        try:
            return json.loads(self.body or b'null')
        except ValueError as e:
            raise webob.exc.HTTPBadRequest(
                explanation='Malformed JSON in request body: %s' % e)


def json_response(body, status=200, headers=None):
    response = webob.Response(status=status, content_type=JSON_CONTENT_TYPE,
                              charset='UTF-8')
    response.headers.update(headers or {})
    response.body = json.dumps(body).encode('utf-8')
    return response


class Router:
    """A WSGI app dispatching to controller actions through routes.Mapper.

    The request context is the current one (glance.context.current()) while
    the action runs.  ``to_error`` turns an exception raised by an action
    into the response.
    """

    def __init__(self, to_error=errors.to_http_error):
        self.to_error = to_error
        self.mapper = routes.Mapper()
        # routes keeps only strings in a match; the handlers live here,
        # keyed by route name.
        self._targets = {}

    def add(self, path, controller, actions, requirements=None):
        """Route ``path``: ``actions`` maps an HTTP method to an action.

        ``requirements`` maps a path variable to the regular expression it
        must match (by default one path segment).
        """
        requirements = requirements or {}
        for method, action in actions.items():
            name = '%s %s' % (method, path)
            self._targets[name] = getattr(controller, action)
            self.mapper.connect(name, path, conditions={'method': [method]},
                                requirements=requirements)
        self.mapper.connect('reject ' + path, path, action='reject',
                            allowed=', '.join(sorted(actions)),
                            requirements=requirements)

    @webob.dec.wsgify(RequestClass=Request)
    def __call__(self, req):
        result = self.mapper.routematch(environ=req.environ)
        if result is None:
            return webob.exc.HTTPNotFound()
        match, route = result
        if match.get('action') == 'reject':
            return webob.exc.HTTPMethodNotAllowed(
                headers=[('Allow', match['allowed'])])
        args = {k: v for k, v in match.items() if k != 'action'}
        try:
            with context_mod.bound(req.environ.get('glance.context')):
                return self._targets[route.name](req, **args)
        except Exception as error:
            response = self.to_error(error, req.request_id)
            if has_body(req):
                # The rest of the body may be unread: the connection cannot
                # be reused for another request.
                response.headers['Connection'] = 'close'
            return response


def has_body(req):
    """Whether the request carries a body (Content-Length or chunked)."""
    return 'chunked' in req.headers.get('Transfer-Encoding', '').lower() \
        or (req.content_length or 0) > 0


def empty_response(status=204):
    return webob.Response(status=status)
