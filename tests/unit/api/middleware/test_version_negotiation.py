import json

import pytest
import webob

from glance.api.middleware import version_negotiation
from glance.common import config


def _recording_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%s %s' % (environ['PATH_INFO'],
                        environ['glance.api.version'])).encode()]


@pytest.fixture
def app():
    return version_negotiation.filter_factory({})(_recording_app)


@pytest.mark.parametrize('path,expected', [
    ('/v2/images', '/v2/images (2, 15)'),
    ('/v2.0/images', '/v2/images (2, 0)'),
    ('/v2.7/images/x/file', '/v2/images/x/file (2, 7)'),
    ('/v1/images', '/v1/images (1, 1)'),
    ('/v1.0/images/detail', '/v1/images/detail (1, 0)'),
    ('/v1.1/shared-images/p', '/v1/shared-images/p (1, 1)'),
])
def test_version_from_url(app, path, expected):
    response = webob.Request.blank(path).get_response(app)
    assert response.status_int == 200
    assert response.text == expected


@pytest.mark.parametrize('accept,expected', [
    ('application/vnd.openstack.images-v2.3', '/v2/images (2, 3)'),
    ('application/vnd.openstack.images-v1', '/v1/images (1, 1)'),
    ('application/vnd.openstack.images-v1.0', '/v1/images (1, 0)'),
])
def test_version_from_accept_header(app, accept, expected):
    req = webob.Request.blank('/images')
    req.accept = accept
    response = req.get_response(app)
    assert response.text == expected


def test_v1_is_served_only_when_enabled(app):
    config.CONF.set_override('enable_v1_api', False)
    try:
        response = webob.Request.blank('/v1/images').get_response(app)
        assert response.status_int == 300
        ids = [v['id'] for v in json.loads(response.body)['versions']]
        assert 'v1.1' not in ids and 'v1.0' not in ids
    finally:
        config.CONF.clear_override('enable_v1_api')


def test_v1_is_current_without_v2(app):
    config.CONF.set_override('enable_v2_api', False)
    try:
        response = webob.Request.blank('/').get_response(app)
        versions = json.loads(response.body)['versions']
        assert [(v['id'], v['status']) for v in versions] == [
            ('v1.1', 'CURRENT'), ('v1.0', 'SUPPORTED')]
        assert versions[0]['links'][0]['href'] == 'http://localhost/v1/'
    finally:
        config.CONF.clear_override('enable_v2_api')


@pytest.mark.parametrize('path, status', [
    ('/', 300), ('/versions', 200), ('/versions/', 200), ('/v2', 300),
    ('/v2.1/', 300), ('/v3/images', 300), ('/v2.99/images', 300),
    ('/images', 300)])
def test_unknown_or_missing_version_gets_versions_document(app, path,
                                                           status):
    response = webob.Request.blank(path).get_response(app)
    assert response.status_int == status
    versions = json.loads(response.body)['versions']
    ids = [v['id'] for v in versions]
    assert ids[0] == 'v2.15' and versions[0]['status'] == 'CURRENT'
    assert 'v2.0' in ids and ids[-2:] == ['v1.1', 'v1.0']
    assert all(v['status'] == 'SUPPORTED' for v in versions[1:])
    assert versions[0]['links'][0]['href'] == 'http://localhost/v2/'


def test_versions_in_the_path_or_the_accept_header_of_the_api(make_api):
    api = make_api()
    api.post('/v1/images', headers={'x-image-meta-name': 'negotiated'})
    for path in ('/v1.0/images', '/v1.1/images'):
        assert api.get(path).json()['images'][0]['name'] == 'negotiated'
    by_accept = api.get('/images', headers={
        'Accept': 'application/vnd.openstack.images-v1'})
    assert by_accept.json()['images'][0]['name'] == 'negotiated'


def test_a_disabled_v1_is_answered_by_the_versions(make_api):
    api = make_api(conf={'DEFAULT': {'enable_v1_api': False}})
    response = api.get('/v1/images')
    assert response.status_code == 300
    assert 'v1.1' not in response.text
    assert api.get('/v2/images').status_code == 200
