"""The versions document: what ``GET /`` and ``GET /versions`` answer.

Glance answers 300 Multiple Choices with every API version it serves, the
newest marked CURRENT, each linking to its root.  v1.1 and v1.0 are listed
while ``enable_v1_api`` is on, SUPPORTED beside v2 (v1.1 CURRENT alone).
"""

import json

import webob.dec

from glance.common import config

CONF = config.CONF

V2_MINORS = range(16, -1, -1)


def served_versions():
    """The (id, status) pairs enabled in the configuration, newest first."""
    versions = []
    if CONF.enable_v2_api:
        versions += [('v2.%d' % minor, 'CURRENT' if minor == V2_MINORS[0]
                      else 'SUPPORTED') for minor in V2_MINORS]
    if CONF.enable_v1_api:
        versions += [('v1.1', 'SUPPORTED' if versions else 'CURRENT'),
                     ('v1.0', 'SUPPORTED')]
    return versions


def is_served(major, minor):
    return ('v%d.%d' % (major, minor)) in dict(served_versions())


@webob.dec.wsgify
def versions_app(req):
    base = CONF.public_endpoint or req.host_url
    base = base.rstrip('/')
    body = {'versions': [
        {'id': version_id, 'status': status,
         'links': [{'rel': 'self', 'href': '%s/%s/' % (
             base, version_id.split('.')[0])}]}
        for version_id, status in served_versions()]}
    response = webob.Response(status=300, content_type='application/json',
                              charset='UTF-8')
    response.body = json.dumps(body).encode('utf-8')
    return response


def app_factory(global_conf, **local_conf):
    return versions_app
