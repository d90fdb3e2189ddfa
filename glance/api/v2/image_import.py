"""``/v2/images/{image_id}/stage``, ``/v2/images/{image_id}/import`` and
``/v2/info/import``: interoperable image import (glance.domain.imports).

An import of data staged on another API node is passed on to that node
(its ``worker_self_reference_url``) and its answer returned as it is.
"""

import json
import logging

import urllib3
import webob
import webob.exc

from glance.api import image_body
from glance.api.v2 import image_data
from glance.common import exception
from glance.common import wsgi

LOG = logging.getLogger(__name__)

# Headers not passed on to the node holding the staged data.
HOP_BY_HOP = frozenset({'host', 'content-length', 'connection',
                        'keep-alive', 'transfer-encoding', 'te',
                        'upgrade', 'proxy-authorization'})
PROXY_TIMEOUT = 60


def _import_request(body):
    """The import request's method, uri, stores, all_stores and
    all_stores_must_succeed; 400 for a body of another shape."""
    method = body.get('method') if isinstance(body, dict) else None
    if not isinstance(method, dict) or not isinstance(method.get('name'),
                                                      str):
        raise exception.BadRequest(
            'The body must be {"method": {"name": ...}}.')
    uri = method.get('uri')
    if uri is not None and not isinstance(uri, str):
        raise exception.BadRequest('"uri" must be a string.')
    all_stores = body.get('all_stores', False)
    if not isinstance(all_stores, bool) or not isinstance(
            body.get('all_stores_must_succeed', True), bool):
        raise exception.BadRequest(
            '"all_stores" and "all_stores_must_succeed" must be booleans.')
    stores = body.get('stores')
    if stores is not None and all_stores:
        raise exception.BadRequest(
            '"stores" and "all_stores" cannot be given together.')
    return dict(method=method['name'], uri=uri, stores=stores,
                all_stores=all_stores,
                all_stores_must_succeed=body.get('all_stores_must_succeed',
                                                 True))


def forward(req, url, body):
    """The answer of the node at ``url`` to the request ``req``, whose
    ``body`` (bytes) was read already."""
    headers = {name: value for name, value in req.headers.items()
               if name.lower() not in HOP_BY_HOP}
    target = url.rstrip('/') + req.script_name + req.path_info
    try:
        answer = urllib3.request(
            req.method, target, body=body, headers=headers,
            timeout=PROXY_TIMEOUT, redirect=False, retries=False)
    except urllib3.exceptions.HTTPError as error:
        LOG.warning('Passing %s %s on to %s failed: %s', req.method,
                    req.path, url, error)
        raise webob.exc.HTTPBadGateway(
            explanation='The API node holding the staged data did not '
                        'answer.') from None
    response = webob.Response(status=answer.status, body=answer.data)
    content_type = answer.headers.get('Content-Type')
    if content_type:
        response.headers['Content-Type'] = content_type
    return response


class Controller:

    def __init__(self, service):
        self.service = service

    def info(self, req):
        return wsgi.json_response({'import-methods': {
            'description': 'Import methods available.', 'type': 'array',
            'value': self.service.methods()}})

    def stage(self, req, image_id):
        if req.content_type != image_body.MEDIA_TYPE:
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation='Image data must be sent as %s'
                            % image_body.MEDIA_TYPE)
        self.service.stage(req.context, image_id, req.environ['wsgi.input'],
                           req.content_length)
        return wsgi.empty_response()

    def import_image(self, req, image_id):
        body = req.json_body_or_400()
        request = _import_request(body)
        request['header_store'] = req.headers.get(image_data.STORE_HEADER)
        try:
            self.service.start(req.context, image_id, **request)
        except exception.StagedOnAnotherNode as elsewhere:
            return forward(req, elsewhere.url, json.dumps(body).encode())
        return wsgi.empty_response(202)
