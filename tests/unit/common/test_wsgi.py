"""Routing and reading of requests (glance.common.wsgi), seen through the
Image API in process."""

import pytest

from tests.unit.api.helpers import create


@pytest.mark.parametrize('method, path, allow', [
    ('PUT', '/v1/images', 'GET, POST'),
    ('HEAD', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/detail', 'GET'),
    ('POST', '/v1/images/%(id)s', 'DELETE, GET, HEAD, PUT'),
    ('POST', '/v1/images/%(id)s/members', 'GET, PUT'),
    ('GET', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('POST', '/v1/images/%(id)s/members/p', 'DELETE, PUT'),
    ('DELETE', '/v1/shared-images/p', 'GET'),
    ('PUT', '/v2/images', 'GET, POST'),
    ('POST', '/v2/images/%(id)s', 'DELETE, GET, PATCH'),
    ('POST', '/v2/images/%(id)s/file', 'GET, PUT'),
    ('GET', '/v2/images/%(id)s/tags/x', 'DELETE, PUT'),
    ('GET', '/v2/images/%(id)s/actions/deactivate', 'POST'),
    ('DELETE', '/v2/schemas/image', 'GET')])
def test_other_methods_are_405_with_allow(make_api, method, path, allow):
    api = make_api()
    response = api.request(method, path % create(api))
    assert response.status_code == 405
    assert response.headers['Allow'] == allow


def test_malformed_json_is_400(make_api):
    response = make_api().post('/v2/images', data=b'{nope',
                               headers={'Content-Type': 'application/json'})
    assert response.status_code == 400
