"""GET /v2/info/usage and the unified limits' 413s through the Image API,
in both data_api modes, over oslo.limit with a fake Keystone connection
(tests/unit/domain/test_limits.py)."""

import pytest
from oslo_limit import limit as oslo_limit

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import upload
from tests.unit.api.helpers import v1_post
from tests.unit.api.v2.test_image_import import stage
from tests.unit.api.v2.test_image_import import start_import
from tests.unit.api.v2.test_image_import import wait_for
from tests.unit.api.v2.test_image_import import wait_for_task
from tests.unit.api.v2.test_stores import several_stores
from tests.unit.domain.test_limits import FakeKeystone
from tests.unit.domain.test_limits import REGISTERED


def test_without_unified_limits_usage_is_empty(api):
    response = as_project(api, 'alice').get('/v2/info/usage')
    assert response.status_code == 200
    assert response.json() == {'usage': {}}


@pytest.fixture
def alice(make_api, data_api, monkeypatch):
    monkeypatch.setattr(oslo_limit, '_SDK_CONNECTION', FakeKeystone(
        REGISTERED, {'alice': {'image_count_total': 3}}))
    api = make_api(flavor='trusted-auth', data_api=data_api, conf={
        'DEFAULT': {'use_keystone_limits': True},
        'oslo_limit': {'endpoint_id': 'glance'}})
    return as_project(api, 'alice')


def test_limits_refuse_with_413_naming_them_and_usage_shows_them(alice):
    images = [create(alice, disk_format='raw', container_format='bare')
              for _ in range(3)]
    for refused in (alice.post('/v2/images', json={}),
                    v1_post(alice, name='v1')):
        assert refused.status_code == 413
        assert 'image_count_total is over limit of 3 due to current usage ' \
               '3 and delta 1' in refused.text
    assert upload(alice, images[0]['id'], b'x' * 1024 ** 2 * 2
                  ).status_code == 204
    refused = upload(alice, images[1]['id'], b'x')
    assert refused.status_code == 413
    assert 'image_size_total is over limit of 1' in refused.text
    assert alice.get('/v2/info/usage').json() == {'usage': {
        'image_size_total': {'limit': 1, 'usage': 2},
        'image_stage_total': {'limit': 1, 'usage': 0},
        'image_count_total': {'limit': 3, 'usage': 3},
        'image_count_uploading': {'limit': 1, 'usage': 0}}}


def test_a_glance_direct_import_adds_its_staged_size(alice):
    image = create(alice, disk_format='raw', container_format='bare')
    assert stage(alice, image['id'], b's' * 1024 ** 2 * 2).status_code == 204
    assert start_import(alice, image['id']).status_code == 202
    task = wait_for_task(alice, image['id'])
    assert task['status'] == 'failure'
    assert 'image_size_total is over limit of 1 due to current usage 0 ' \
           'and delta 2' in task['message']
    assert wait_for(alice, image['id'])['status'] == 'queued'


def test_a_copy_image_task_over_image_stage_total_leaves_the_image_active(
        make_api, monkeypatch, tmp_path):
    monkeypatch.setattr(oslo_limit, '_SDK_CONNECTION', FakeKeystone(
        dict(REGISTERED, image_size_total=100), {}))
    conf = several_stores(tmp_path, DEFAULT={'use_keystone_limits': True},
                          oslo_limit={'endpoint_id': 'glance'})
    alice = as_project(make_api(flavor='trusted-auth', conf=conf), 'alice',
                       roles='admin,member,reader')   # copy_image: admin
    image = create(alice, disk_format='raw', container_format='bare')
    assert upload(alice, image['id'], b'x' * 1024 ** 2 * 3).status_code == 204
    assert start_import(alice, image['id'], 'copy-image',
                        stores=['cold']).status_code == 202
    task = wait_for_task(alice, image['id'])
    assert task['status'] == 'failure'
    # As Glance counts: the image marked as importing is staged usage
    # already when its size is asked for.
    assert 'image_stage_total is over limit of 1 due to current usage 3 ' \
           'and delta 3' in task['message']
    shown = alice.get('/v2/images/' + image['id']).json()
    assert shown['status'] == 'active' and shown['stores'] == 'fast'
    assert shown['os_glance_importing_to_stores'] == ''
