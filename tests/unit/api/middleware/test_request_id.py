import logging
import re

import webob

from glance.api.middleware import access_log
from glance.api.middleware import request_id


def _app(environ, start_response):
    start_response('201 Created', [('Content-Type', 'text/plain')])
    return [b'abc', b'defg']


def test_every_response_carries_a_fresh_request_id():
    app = request_id.filter_factory({})(_app)
    first = webob.Request.blank('/').get_response(app)
    second = webob.Request.blank('/').get_response(app)
    ids = [r.headers['x-openstack-request-id'] for r in (first, second)]
    assert all(re.match(r'^req-[0-9a-f-]{36}$', i) for i in ids)
    assert ids[0] != ids[1]


def test_access_log_line_has_id_method_path_status_bytes(caplog):
    app = request_id.filter_factory({})(access_log.filter_factory({})(_app))
    with caplog.at_level(logging.INFO, logger='glance.access'):
        response = webob.Request.blank('/v2/images?limit=1').get_response(app)
        assert response.body == b'abcdefg'
    rid = response.headers['x-openstack-request-id']
    [line] = [r.getMessage() for r in caplog.records
              if r.name == 'glance.access']
    assert line.startswith(rid)
    assert '"GET /v2/images?limit=1"' in line
    assert 'status: 201 len: 7 time:' in line
