"""The versions document: what ``GET /`` and ``GET /versions`` answer.

Every API version served, the newest marked CURRENT, each linking to its
root.  As in Glance, ``/versions`` (asked for explicitly) answers 200 OK,
any other path that selects no version 300 Multiple Choices.  v2.14 and
v2.16 (the cache API) are listed only while ``image_cache_dir`` is set,
and v2.17 (the locations API, whose routes are served whatever the
version) beside them, as Glance lists it; v2.8 and v2.10 to v2.13
(multi-store) only while ``enabled_backends`` is.  v1.1 and v1.0 are
listed while ``enable_v1_api`` is on, SUPPORTED beside v2 (v1.1
CURRENT alone).
"""

import json

import webob.dec

from glance.common import config
from glance import image_cache  # noqa: F401 (image_cache_dir)
from glance import store

CONF = config.CONF
CONF.register_opts(store.multi_store_opts)

V2_MINORS = range(17, -1, -1)
# Minor versions listed only when image_cache_dir is set, as in Glance:
# those adding the cache API (/v2/cache), and 2.17, which Glance lists
# only beside them.
V2_CACHE_MINORS = (14, 16, 17)
# Minor versions Glance lists only with several stores (enabled_backends).
V2_MULTI_STORE_MINORS = (8, 10, 11, 12, 13)


def served_versions():
    """The (id, status) pairs enabled in the configuration, newest first."""
    versions = []
    if CONF.enable_v2_api:
        minors = [minor for minor in V2_MINORS
                  if (CONF.image_cache_dir or minor not in V2_CACHE_MINORS)
                  and (CONF.enabled_backends
                       or minor not in V2_MULTI_STORE_MINORS)]
        versions += [('v2.%d' % minor, 'CURRENT' if minor == minors[0]
                      else 'SUPPORTED') for minor in minors]
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
    first_segment = req.environ.get('PATH_INFO', '').lstrip('/').split('/')[0]
    status = 200 if first_segment == 'versions' else 300
    response = webob.Response(status=status, content_type='application/json',
                              charset='UTF-8')
    response.body = json.dumps(body).encode('utf-8')
    return response


def app_factory(global_conf, **local_conf):
    return versions_app
