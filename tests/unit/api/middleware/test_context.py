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
    context_mw.CONF([], project='glance', default_config_files=[])
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


def _context(app, headers):
    seen = []

    def keep(environ, start_response):
        seen.append(environ['glance.context'])
        start_response('200 OK', [])
        return [b'']
    middleware = context_mw.filter_factory({})(keep)
    webob.Request.blank('/', headers=headers).get_response(middleware)
    return seen[0]


def test_token_scope_and_service_roles_reach_the_context(app):
    ctx = _context(app, {
        'X-User-Id': 'u1', 'X-Roles': 'admin,reader',
        'OpenStack-System-Scope': 'all', 'X-Service-Roles': 'service',
        'X-Service-Identity-Status': 'Confirmed'})
    assert (ctx.system_scope, ctx.service_roles, ctx.is_admin) == (
        'all', ['service'], True)
    domain = _context(app, {'X-User-Id': 'u1', 'X-Domain-Id': 'd1'})
    assert domain.domain_id == 'd1' and domain.project_id is None


def test_service_roles_of_an_invalid_service_token_are_dropped(app):
    ctx = _context(app, {
        'X-User-Id': 'u1', 'X-Project-Id': 'p1', 'X-Service-Roles': 'service',
        'X-Service-Identity-Status': 'Invalid'})
    assert ctx.service_roles == []


def test_administrators_are_whom_context_is_admin_names(app, tmp_path):
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"context_is_admin": "role:cloud-admin"\n')
    context_mw.CONF.set_override('policy_file', str(policy_file),
                                 group='oslo_policy')
    try:
        headers = {'X-User-Id': 'u1', 'X-Project-Id': 'p1'}
        assert not _context(app, dict(headers, **{
            'X-Roles': 'admin'})).is_admin
        assert _context(app, dict(headers, **{
            'X-Roles': 'cloud-admin'})).is_admin
    finally:
        context_mw.CONF.clear_override('policy_file', group='oslo_policy')
