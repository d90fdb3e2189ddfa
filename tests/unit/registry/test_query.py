"""An ImageQuery through the registry's query string and back."""

import dataclasses
import datetime
import typing

import pytest

from glance.common import exception
from glance.domain.repository import ImageQuery
from glance.domain.visibility import Viewer
from glance.registry import query as query_mod

T0 = datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)


def decode(params, default_limit=25, max_limit=1000):
    return query_mod.decode(params, default_limit, max_limit)


def scalar_value(annotation):
    """A value of the annotated type unlike any ImageQuery default."""
    kinds = typing.get_args(annotation) or (annotation,)
    if bool in kinds:
        return True
    if int in kinds:
        return 7
    if datetime.datetime in kinds:
        return T0
    return 'some-%s' % id(annotation)


def full_query():
    """A query with every field away from its default: those added to
    ImageQuery later are covered without a change here."""
    query = ImageQuery(
        filters={'name': ['a', 'b'], 'status': ['active'],
                 'protected': [False], 'os_hidden': [True, False],
                 'min_ram': [0, 512], 'visibility': ['shared', 'community'],
                 'id': ['x'], 'owner': ['p1']},
        property_filters={'os_distro': ['cirros', 'in,comma'],
                          'empty': ['']},
        tags=['t1', 't 2'],
        ranges=[('size', 'gte', 10), ('created_at', 'lt', T0),
                ('updated_at', 'neq', T0.replace(microsecond=0))],
        sort=[('name', 'asc'), ('size', 'desc'), ('id', 'asc')])
    for field in dataclasses.fields(ImageQuery):
        if field.name not in query_mod.STRUCTURED:
            setattr(query, field.name, scalar_value(field.type))
    query.member_status = 'pending'
    query.viewer = Viewer(owner='p2', is_admin=True)
    return query


def test_every_field_of_a_query_travels():
    query = full_query()
    assert decode(query_mod.encode(query)) == query


def test_parameters_are_glance_spellings():
    params = query_mod.encode(ImageQuery(
        filters={'name': ['n']}, property_filters={'p': ['v']},
        tags=['t'], limit=5, marker='m', sort=[('name', 'asc')]))
    assert ('name', 'n') in params and ('property-p', 'v') in params
    assert ('tag', 't') in params and ('limit', '5') in params
    assert ('marker', 'm') in params
    assert ('sort_key', 'name') in params and ('sort_dir', 'asc') in params


def test_glance_size_ranges_and_one_sort_dir_for_all_keys():
    query = decode([('size_min', '5'), ('size_max', '9'),
                    ('sort_key', 'name'), ('sort_key', 'size'),
                    ('sort_dir', 'asc')])
    assert query.ranges == [('size', 'gte', 5), ('size', 'lte', 9)]
    assert query.sort == [('name', 'asc'), ('size', 'asc')]


def test_without_parameters_the_defaults_apply():
    query = decode([], default_limit=10)
    assert query == ImageQuery(limit=10)


def test_limit_is_capped():
    assert decode([('limit', '5000')], max_limit=100).limit == 100


def test_an_empty_sort_orders_by_id_as_the_repository_would():
    params = query_mod.encode(ImageQuery(sort=[]))
    assert decode(params).sort == [('id', 'desc')]


@pytest.mark.parametrize('params', [
    [('limit', '-1')], [('limit', 'ten')], [('protected', 'maybe')],
    [('min_ram', 'lots')], [('range', 'size:gte:big')],
    [('viewer_is_admin', 'yes please')], [('changes-since', 'x')],
    [('sort_key', 'name'), ('sort_key', 'id'), ('sort_dir', 'asc'),
     ('sort_dir', 'asc'), ('sort_dir', 'desc')]])
def test_bad_parameters_are_invalid(params):
    with pytest.raises(exception.InvalidParameterValue):
        decode(params)


@pytest.mark.parametrize('params', [
    [('range', 'name:eq:x')], [('range', 'size:like:3')],
    [('sort_key', 'checksum')], [('visibility', 'everyone')],
    [('member_status', 'maybe')]])
def test_what_no_list_can_ask_is_refused(params):
    with pytest.raises(exception.Invalid):
        decode(params)
