"""The versions document: 200 for /versions, 300 for any other path that
selects no version, as in Glance."""

import pytest


@pytest.mark.parametrize('path, status', [
    ('/', 300), ('/versions', 200), ('/v3/', 300), ('/%ff', 300)])
def test_versions_document(api, path, status):
    response = api.get(path)
    assert response.status_code == status
    versions = [v['id'] for v in response.json()['versions']]
    assert versions[0] == 'v2.15' and versions[-2:] == ['v1.1', 'v1.0']
    assert 'v2.14' not in versions
    assert response.headers['x-openstack-request-id']


def test_cache_minor_versions_listed_when_the_cache_is_served(make_api,
                                                               tmp_path):
    """v2.14 and v2.16 add the cache API: listed, and selectable, once
    image_cache_dir is set, as in Glance, and 2.17 (locations) with
    them."""
    api = make_api(conf={'DEFAULT': {
        'image_cache_dir': str(tmp_path / 'cache')}})
    versions = api.get('/versions').json()['versions']
    assert [v['id'] for v in versions[:5]] == [
        'v2.17', 'v2.16', 'v2.15', 'v2.14', 'v2.9']
    assert versions[0]['status'] == 'CURRENT'
    assert api.get('/v2.17/cache').status_code == 200
    assert api.get('/v2.16/cache').status_code == 200
    assert api.get('/v2.14/cache').status_code == 200


def test_cache_minor_versions_not_selectable_without_the_cache(api):
    assert api.get('/v2.16/images').status_code == 300
    assert api.get('/v2.17/images').status_code == 300
    assert api.get('/v2/cache').status_code == 404


def test_multi_store_minor_versions_not_listed_with_one_store(api):
    """As Glance: v2.8 and v2.10 to v2.13 are listed only with
    enabled_backends."""
    versions = [v['id'] for v in api.get('/versions').json()['versions']]
    assert versions[:3] == ['v2.15', 'v2.9', 'v2.7']
    assert api.get('/v2.13/images').status_code == 300


def test_multi_store_minor_versions_listed_with_several_stores(make_api,
                                                               tmp_path):
    api = make_api(conf={
        'DEFAULT': {'enabled_backends': {'fast': 'file'}},
        'glance_store': {'default_backend': 'fast'},
        'fast': {'filesystem_store_datadir': str(tmp_path / 'fast')}})
    versions = [v['id'] for v in api.get('/versions').json()['versions']]
    assert versions[:9] == ['v2.15', 'v2.13', 'v2.12', 'v2.11', 'v2.10',
                            'v2.9', 'v2.8', 'v2.7', 'v2.6']
    assert api.get('/v2.13/info/stores').status_code == 200
