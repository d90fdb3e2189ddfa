"""Routing, dispatch and reading of requests, shared by the API routers.

Every route is declared explicitly with the methods it accepts; any other
method on a known path is answered 405 with an ``Allow`` header.  Controller
actions take ``(req, **url_args)`` and return a webob Response or raise; the
errors table turns exceptions into HTTP errors.

Before any action runs, a request no action could read is refused with 400:
a Content-Length that is no byte count, a query string or a path argument
that is not UTF-8.  ``Request.json_body_or_400`` refuses JSON no request
needs (nested too deep, strings that are not Unicode).  The Image API's
routers read JSON bodies as ApiRequest, up to ``[oslo_middleware]
max_request_body_size`` bytes (the option and default of oslo.middleware's
sizelimit filter), 413 beyond; image data is not read here and is bounded
by ``image_size_cap`` instead.  glance-registry's JSON bodies are not
bounded: glance-api sends whole images there.
"""

import json
import re

import routes
import webob
import webob.exc
from oslo_config import cfg

from glance.common import bounds
from glance.common import errors
from glance import context as context_mod

CONF = cfg.CONF

body_size_opts = [
    cfg.IntOpt('max_request_body_size', default=114688, min=0,
               help='Largest JSON request body, in bytes, the API reads '
                    '(image metadata, JSON patches, members); larger ones '
                    'get 413, chunked ones too, and no more than this is '
                    'read.  Image data is bounded by image_size_cap '
                    'instead.'),
]

CONF.register_opts(body_size_opts, group='oslo_middleware')

JSON_CONTENT_TYPE = 'application/json'
# Deeper JSON is refused: no request needs it, and reading, validating or
# echoing it back would exhaust the interpreter's recursion limit.
MAX_JSON_DEPTH = 32
_CONTENT_LENGTH = re.compile(r'[0-9]{1,19}')


class Request(webob.Request):
    """A webob request with access to what the middlewares put in environ."""

    # Most bytes json_body_or_400 reads; None: no bound.
    max_json_body_size = None

    @property
    def context(self):
        return self.environ['glance.context']

    @property
    def request_id(self):
        return self.environ.get('glance.request_id')

    def check_readable(self):
        """400 unless the Content-Length is a byte count and the query
        string is UTF-8 (webob would fail on reading either)."""
        length = self.environ.get('CONTENT_LENGTH')
        if length and not (_CONTENT_LENGTH.fullmatch(length) and
                           int(length) <= bounds.MAX_BIGINT):
            raise webob.exc.HTTPBadRequest(
                explanation='Invalid Content-Length: %.40s' % length)
        try:
            self.GET
        except UnicodeDecodeError:
            raise webob.exc.HTTPBadRequest(
                explanation='The query string is not valid UTF-8.') from None

    def json_body_or_400(self):
        """The parsed JSON body (None without a body); 413 beyond
        max_json_body_size, 400 if it is malformed."""
        try:
            body = json.loads(self._read_body() or b'null')
        except RecursionError:
            raise _nested_too_deep() from None
        except ValueError as e:
            raise webob.exc.HTTPBadRequest(
                explanation='Malformed JSON in request body: %s' % e)
        _check_json_value(body)
        return body

    def _read_body(self):
        """The body's bytes; 413 once it proves longer than
        max_json_body_size, having read one byte beyond at most."""
        limit = self.max_json_body_size
        chunked = _is_chunked(self)
        if limit is not None and not chunked and \
                (self.content_length or 0) > limit:
            raise _too_large(limit)
        if not has_body(self):
            return b''
        # webob reads no chunked body: read it as the server passes it on.
        source = self.body_file_raw if chunked else self.body_file
        if limit is None:
            return source.read()
        body = _read_at_most(source, limit + 1)
        if len(body) > limit:
            raise _too_large(limit)
        return body


class ApiRequest(Request):
    """A request of an Image API client: JSON bodies are bounded."""

    @property
    def max_json_body_size(self):
        return CONF.oslo_middleware.max_request_body_size


def _read_at_most(source, size):
    """Up to ``size`` bytes of ``source``, however few each read gives."""
    pieces, received = [], 0
    while received < size:
        piece = source.read(size - received)
        if not piece:
            break
        pieces.append(piece)
        received += len(piece)
    return b''.join(pieces)


def _too_large(limit):
    return webob.exc.HTTPRequestEntityTooLarge(
        explanation='The request body is larger than %d bytes '
                    '(max_request_body_size).' % limit)


def _nested_too_deep():
    return webob.exc.HTTPBadRequest(
        explanation='JSON in the request body is nested deeper than %d '
                    'levels.' % MAX_JSON_DEPTH)


def _check_json_value(value):
    """400 for JSON nested too deep, or with a string (or key) that is no
    Unicode text (a lone surrogate escaped as ``\\ud800``): nothing
    could store it."""
    pending = [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise _nested_too_deep()
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            try:
                value.encode('utf-8')
            except UnicodeEncodeError:
                raise webob.exc.HTTPBadRequest(
                    explanation='The request body holds a string that is '
                                'not valid Unicode (a lone surrogate).'
                ) from None


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
    into the response; actions get requests of ``request_class``.
    """

    def __init__(self, to_error=errors.to_http_error, request_class=Request):
        self.to_error = to_error
        self.request_class = request_class
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

    def __call__(self, environ, start_response):
        response = self._respond(self.request_class(environ))
        return response(environ, start_response)

    def _respond(self, req):
        result = self.mapper.routematch(environ=req.environ)
        if result is None:
            return webob.exc.HTTPNotFound()
        match, route = result
        if match.get('action') == 'reject':
            return webob.exc.HTTPMethodNotAllowed(
                headers=[('Allow', match['allowed'])])
        try:
            req.check_readable()
            args = _decoded_arguments(match)
            with context_mod.bound(req.environ.get('glance.context')):
                return self._targets[route.name](req, **args)
        except Exception as error:
            response = self.to_error(error, req.request_id)
            if has_body(req):
                # The rest of the body may be unread: the connection cannot
                # be reused for another request.
                response.headers['Connection'] = 'close'
            return response


def _decoded_arguments(match):
    """The path arguments of a route match as text: the server hands the
    path over as latin-1 (PEP 3333), clients send UTF-8."""
    try:
        return {name: value.encode('latin-1').decode('utf-8')
                for name, value in match.items() if name != 'action'}
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise webob.exc.HTTPBadRequest(
            explanation='The URL path is not valid UTF-8.') from None


def _is_chunked(req):
    return 'chunked' in req.headers.get('Transfer-Encoding', '').lower()


def has_body(req):
    """Whether the request carries a body (Content-Length or chunked)."""
    return _is_chunked(req) or (req.content_length or 0) > 0


def empty_response(status=204):
    return webob.Response(status=status)
