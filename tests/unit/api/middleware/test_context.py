import pytest
import webob

from glance.api.middleware import context as context_mw
from glance.api.middleware import unauthenticated_context


def _context_echo(environ, start_response):
    ctx = environ['glance.context']
    start_response('200 OK', [])
    return [repr((ctx.user_id, ctx.project_id, ctx.roles, ctx.is_admin,
                  ctx.read_only, ctx.owner)).encode()]


@pytest.fixture
def app():
    return context_mw.filter_factory({})(_context_echo)


def test_identity_headers_build_the_context(app):
    req = webob.Request.blank('/', headers={
        'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u1',
        'X-Project-Id': 'p1', 'X-Roles': 'member, reader'})
    assert req.get_response(app).text == repr(
        ('u1', 'p1', ['member', 'reader'], False, False, 'p1'))


def test_legacy_tenant_header_and_admin_role(app):
    req = webob.Request.blank('/', headers={
        'X-User-Id': 'u1', 'X-Tenant-Id': 't1', 'X-Roles': 'Admin'})
    assert req.get_response(app).text == repr(
        ('u1', 't1', ['Admin'], True, False, 't1'))


@pytest.mark.parametrize('header, catalog', [
    ('[{"type": "object-store", "endpoints": []}]',
     [{'type': 'object-store', 'endpoints': []}]),
    ('not json', None), ('{"type": "object-store"}', None), (None, None)])
def test_service_catalog(header, catalog):
    headers = {'X-User-Id': 'u1', 'X-Project-Id': 'p1'}
    if header is not None:
        headers['X-Service-Catalog'] = header
    environ = webob.Request.blank('/', headers=headers).environ
    assert context_mw.context_from_headers(environ).service_catalog == \
        catalog


@pytest.mark.parametrize('headers', [
    {}, {'X-Identity-Status': 'Invalid', 'X-Project-Id': 'p'}])
def test_unconfirmed_identity_is_refused(app, headers):
    response = webob.Request.blank('/', headers=headers).get_response(app)
    assert response.status_int == 401


def test_anonymous_access_gives_read_only_context(app, monkeypatch):
    monkeypatch.setattr(context_mw.CONF, 'allow_anonymous_access', True,
                        raising=False)
    context_mw.CONF.set_override('allow_anonymous_access', True)
    try:
        response = webob.Request.blank('/').get_response(app)
    finally:
        context_mw.CONF.clear_override('allow_anonymous_access')
    assert response.text == repr((None, None, [], False, True, None))


def test_unauthenticated_context_is_admin():
    app = unauthenticated_context.filter_factory({})(_context_echo)
    response = webob.Request.blank('/').get_response(app)
    assert response.text == repr((None, None, ['admin'], True, False, None))


@pytest.mark.parametrize('path', ['/v1/images', '/v2/images'])
def test_the_trusted_auth_pipeline_refuses_requests_without_identity(
        make_api, path):
    assert make_api(flavor='trusted-auth').get(path).status_code == 401
