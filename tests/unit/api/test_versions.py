"""The versions document: 200 for /versions, 300 for any other path that
selects no version, as in Glance."""

import pytest


@pytest.mark.parametrize('path, status', [
    ('/', 300), ('/versions', 200), ('/v3/', 300), ('/%ff', 300)])
def test_versions_document(api, path, status):
    response = api.get(path)
    assert response.status_code == status
    versions = [v['id'] for v in response.json()['versions']]
    assert versions[0] == 'v2.16' and versions[-2:] == ['v1.1', 'v1.0']
    assert response.headers['x-openstack-request-id']
