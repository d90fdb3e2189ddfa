import json

import pytest
import webob

from glance.api.middleware import version_negotiation


def _recording_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%s %s' % (environ['PATH_INFO'],
                        environ['glance.api.version'])).encode()]


@pytest.fixture
def app():
    return version_negotiation.filter_factory({})(_recording_app)


@pytest.mark.parametrize('path,expected', [
    ('/v2/images', '/v2/images (2, 16)'),
    ('/v2.0/images', '/v2/images (2, 0)'),
    ('/v2.7/images/x/file', '/v2/images/x/file (2, 7)'),
])
def test_version_from_url(app, path, expected):
    response = webob.Request.blank(path).get_response(app)
    assert response.status_int == 200
    assert response.text == expected


def test_version_from_accept_header(app):
    req = webob.Request.blank('/images')
    req.accept = 'application/vnd.openstack.images-v2.3'
    response = req.get_response(app)
    assert response.text == '/v2/images (2, 3)'


@pytest.mark.parametrize('path', ['/', '/versions', '/v2', '/v2.1/',
                                  '/v3/images',
                                  '/v2.99/images', '/images'])
def test_unknown_or_missing_version_gets_versions_document(app, path):
    response = webob.Request.blank(path).get_response(app)
    assert response.status_int == 300
    versions = json.loads(response.body)['versions']
    ids = [v['id'] for v in versions]
    assert ids[0] == 'v2.16' and versions[0]['status'] == 'CURRENT'
    assert 'v2.0' in ids
    assert all(v['status'] == 'SUPPORTED' for v in versions[1:])
    assert versions[0]['links'][0]['href'] == 'http://localhost/v2/'
