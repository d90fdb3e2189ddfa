"""Legacy quotas through both Image APIs, in both data_api modes: 413
naming the limit, and nothing stored beyond it."""

import pytest

from glance.common import exception
from glance.domain import quotas
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload
from tests.unit.api.helpers import v1_post


def quota_api(make_api, data_api, **options):
    api = make_api(flavor='trusted-auth', data_api=data_api,
                   conf={'DEFAULT': options})
    return api, as_project(api, 'alice')


def assert_over(response, option):
    assert response.status_code == 413, response.text
    assert option in response.text


def test_property_quota(make_api, data_api):
    api, alice = quota_api(make_api, data_api, image_property_quota=2)
    assert_over(alice.post('/v2/images', json={'a': '1', 'b': '2',
                                               'c': '3'}),
                'image_property_quota')
    image = create(alice, a='1', b='2')
    assert_over(patch(alice, image['id'],
                      {'op': 'add', 'path': '/c', 'value': '3'}),
                'image_property_quota')
    assert patch(alice, image['id'], {'op': 'replace', 'path': '/a',
                                      'value': 'x'}).status_code == 200
    assert_over(v1_post(alice, name='v1', property_a='1', property_b='2',
                        property_c='3'), 'image_property_quota')


def test_tag_quota(make_api, data_api):
    api, alice = quota_api(make_api, data_api, image_tag_quota=1)
    image = create(alice, name='tagged')
    tags = '/v2/images/%s/tags/' % image['id']
    assert alice.put(tags + 'one').status_code == 204
    assert_over(alice.put(tags + 'two'), 'image_tag_quota')
    assert_over(patch(alice, image['id'], {'op': 'replace', 'path': '/tags',
                                           'value': ['a', 'b']}),
                'image_tag_quota')
    assert_over(alice.post('/v2/images', json={'tags': ['a', 'b']}),
                'image_tag_quota')
    assert show(alice, image['id']).json()['tags'] == ['one']


def test_member_quota(make_api, data_api):
    api, alice = quota_api(make_api, data_api, image_member_quota=1)
    image = create(alice, visibility='shared')
    members = '/v2/images/%s/members' % image['id']
    assert alice.post(members, json={'member': 'bob'}).status_code == 200
    assert_over(alice.post(members, json={'member': 'carol'}),
                'image_member_quota')
    v1_members = '/v1/images/%s/members' % image['id']
    assert_over(alice.put(v1_members, json={'memberships': [
        {'member_id': 'bob'}, {'member_id': 'carol'}]}),
        'image_member_quota')
    assert [m['member_id'] for m in alice.get(members).json()['members']] \
        == ['bob']


def test_storage_quota_holds_while_streaming(make_api, data_api):
    api, alice = quota_api(make_api, data_api, user_storage_quota='10B')
    first, second, third = (create(alice, disk_format='raw',
                                   container_format='bare')
                            for _ in range(3))
    assert upload(alice, first['id'], b'8 bytes.').status_code == 204
    # A declared size over what is left, and a chunked body that goes
    # over it: both refused, nothing left stored, the image queued again.
    assert_over(upload(alice, second['id'], b'3 bytes'),
                'user_storage_quota')
    assert_over(upload(alice, third['id'], iter([b'1', b'2', b'3'])),
                'user_storage_quota')
    for image in (second, third):
        assert show(alice, image['id']).json()['status'] == 'queued'
    assert api.stored_files() == [first['id']]
    assert upload(alice, second['id'], b'2b').status_code == 204
    # Another project has a quota of its own.
    other = create(as_project(api, 'bob'), disk_format='raw',
                   container_format='bare')
    assert upload(as_project(api, 'bob'), other['id'],
                  b'0123456789').status_code == 204


def test_storage_quota_in_v1_kills_the_image(make_api, data_api):
    api, alice = quota_api(make_api, data_api, user_storage_quota='1KB')
    response = v1_post(alice, data=b'x' * 1025, name='big',
                       disk_format='raw', container_format='bare')
    assert_over(response, 'user_storage_quota')
    [image] = alice.get('/v2/images').json()['images']
    assert image['status'] == 'killed'
    assert api.stored_files() == []
    assert v1_post(alice, data=b'x' * 1024, name='fits', disk_format='raw',
                   container_format='bare').status_code == 201


def test_location_quota(make_api, data_api):
    api, alice = quota_api(make_api, data_api, image_location_quota=0)
    image = create(alice, disk_format='raw', container_format='bare')
    assert_over(upload(alice, image['id'], b'data'), 'image_location_quota')
    assert show(alice, image['id']).json()['status'] == 'queued'
    assert api.stored_files() == []


@pytest.mark.parametrize('text, size', [
    ('0', None), ('10', 10), ('10B', 10), ('2KB', 2048),
    ('3MB', 3 * 1024 ** 2), ('1GB', 1024 ** 3), ('1TB', 1024 ** 4)])
def test_storage_quota_units(text, size):
    assert quotas.parse_storage_quota(text) == size


@pytest.mark.parametrize('text', ['', '10 GB', '1.5GB', '-1', '10PB', 'GB'])
def test_bad_storage_quota(text):
    with pytest.raises(exception.ConfigError, match='user_storage_quota'):
        quotas.parse_storage_quota(text)
