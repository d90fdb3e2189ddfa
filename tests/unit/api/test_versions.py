"""The versions document."""


def test_versions_document(api):
    for path in ('/', '/versions'):
        response = api.get(path)
        assert response.status_code == 300
        versions = [v['id'] for v in response.json()['versions']]
        assert versions[0] == 'v2.16' and versions[-2:] == ['v1.1', 'v1.0']
        assert response.headers['x-openstack-request-id']
