import datetime

import pytest
from webob.multidict import MultiDict

from glance.api.v1 import list_query
from glance.common import exception

KILLED_HIDDEN = ('queued', 'saving', 'active', 'deleted', 'pending_delete',
                 'deactivated', 'uploading', 'importing')


def parse(*pairs):
    return list_query.parse(MultiDict(pairs))[0]


def test_defaults_list_as_a_user_without_killed_images():
    query, as_admin = list_query.parse(MultiDict())
    assert query.sort == [('created_at', 'desc')]
    assert query.limit == 25 and query.marker is None
    assert query.member_status == 'all' and not as_admin
    assert 'visibility' not in query.filters
    assert query.changes_since is None
    assert sorted(query.filters['status']) == sorted(KILLED_HIDDEN)
    assert query.property_filters == {} and query.ranges == []


def test_filters():
    query = parse(('name', 'cirros'), ('status', 'killed'),
                  ('container_format', 'bare'), ('disk_format', 'qcow2'),
                  ('min_ram', '512'), ('min_disk', '1'),
                  ('protected', 'False'), ('size_min', '10'),
                  ('size_max', '20'), ('property-os_distro', 'ubuntu'),
                  ('unknown', 'ignored'))
    assert query.filters == {
        'name': ['cirros'], 'status': ['killed'],
        'container_format': ['bare'], 'disk_format': ['qcow2'],
        'min_ram': [512], 'min_disk': [1], 'protected': [False]}
    assert query.ranges == [('size', 'gte', 10), ('size', 'lte', 20)]
    assert query.property_filters == {'os_distro': ['ubuntu']}


def test_changes_since_shows_every_status():
    query = parse(('changes-since', '2012-01-01T10:00:00+02:00'))
    assert query.changes_since == datetime.datetime(2012, 1, 1, 8)
    assert 'status' not in query.filters


@pytest.mark.parametrize('value, visibilities', [
    ('true', ['public']), ('True', ['public']), ('1', ['public']),
    ('false', ['private', 'shared']), ('0', ['private', 'shared']),
    ('none', None), ('None', None)])
def test_is_public_filters_visibility_with_admin_rights(value,
                                                        visibilities):
    query, as_admin = list_query.parse(MultiDict([('is_public', value)]))
    assert query.filters.get('visibility') == visibilities and as_admin


def test_sort_and_paging():
    marker = 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'
    query = parse(('sort_key', 'name'), ('sort_dir', 'asc'),
                  ('limit', '5000'), ('marker', marker))
    assert query.sort == [('name', 'asc')]
    assert query.limit == 1000 and query.marker == marker


@pytest.mark.parametrize('param, value', [
    ('size_min', 'big'), ('size_max', '-1'), ('min_ram', 'x'),
    ('min_disk', '-2'), ('protected', 'maybe'), ('is_public', 'perhaps'),
    ('changes-since', 'yesterday'), ('status', 'lost'), ('limit', '-1'),
    ('limit', 'ten'), ('marker', 'not-an-id'), ('sort_key', 'owner'),
    ('sort_key', 'location'), ('sort_dir', 'up')])
def test_bad_values_are_invalid_and_named(param, value):
    with pytest.raises(exception.InvalidParameterValue) as error:
        parse((param, value))
    assert param in str(error.value) and value in str(error.value)
