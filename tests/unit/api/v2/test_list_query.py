import datetime

import pytest
from webob.multidict import MultiDict

from glance.api.v2 import list_query
from glance.common import exception


def parse(*pairs):
    """The query a request asks for, checked as the domain checks it."""
    return list_query.parse(MultiDict(pairs)).check()


def test_defaults():
    query = parse()
    assert query.sort == [('created_at', 'desc')]
    assert query.limit == 25 and query.marker is None
    assert query.member_status == 'accepted'
    assert query.filters == {} and query.property_filters == {}


def test_limit_is_capped_by_api_limit_max():
    assert parse(('limit', '5000')).limit == 1000


@pytest.mark.parametrize('value', ['-1', 'abc', '1.5'])
def test_bad_limit_is_400(value):
    with pytest.raises(exception.InvalidParameterValue):
        parse(('limit', value))


def test_sort_syntaxes():
    assert parse(('sort', 'name:asc,size')).sort == [('name', 'asc'),
                                                     ('size', 'desc')]
    assert parse(('sort_key', 'name'), ('sort_key', 'id'),
                 ('sort_dir', 'asc')).sort == [('name', 'asc'), ('id', 'asc')]
    with pytest.raises(exception.BadRequest):
        parse(('sort', 'name'), ('sort_key', 'id'))
    with pytest.raises(exception.InvalidSortKey):
        parse(('sort_key', 'location'))
    with pytest.raises(exception.InvalidSortDir):
        parse(('sort', 'name:sideways'))
    with pytest.raises(exception.BadRequest):
        parse(('sort_key', 'name'), ('sort_key', 'id'),
              ('sort_dir', 'asc'), ('sort_dir', 'asc'), ('sort_dir', 'asc'))


def test_filters_of_every_kind():
    query = parse(('name', 'in:a,"b,c"'), ('status', 'active'),
                  ('visibility', 'public'), ('tag', 'x'), ('tag', 'y'),
                  ('size_min', '10'), ('size_max', '20'),
                  ('protected', 'False'), ('os_distro', 'ubuntu'),
                  ('created_at', 'gt:2020-01-01T00:00:00Z'),
                  ('updated_at', 'lte:2021-06-01T12:00:00+02:00'))
    assert query.filters == {'name': ['a', 'b,c'], 'status': ['active'],
                             'visibility': ['public'], 'protected': [False]}
    assert query.tags == ['x', 'y']
    assert query.property_filters == {'os_distro': ['ubuntu']}
    assert ('size', 'gte', 10) in query.ranges
    assert ('size', 'lte', 20) in query.ranges
    assert ('created_at', 'gt', datetime.datetime(2020, 1, 1)) in query.ranges
    assert ('updated_at', 'lte',
            datetime.datetime(2021, 6, 1, 10, 0)) in query.ranges


@pytest.mark.parametrize('param,value', [
    ('visibility', 'everyone'), ('status', 'frozen'), ('size_min', 'big'),
    ('protected', 'maybe'), ('created_at', 'gt:yesterday'),
    ('member_status', 'friends'), ('os_hidden', '2')])
def test_bad_filter_values_are_400(param, value):
    with pytest.raises(exception.InvalidParameterValue):
        parse((param, value))


def test_visibility_all_means_every_visibility():
    assert set(parse(('visibility', 'all')).filters['visibility']) == {
        'public', 'private', 'shared', 'community'}
