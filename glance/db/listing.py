"""How an ImageQuery becomes SQL: filters, visibility, order and paging.

Paging is by keyset, not offset: a page is the ``limit`` rows that sort
after the marker image, so with the ``(key, id)`` indexes of
``glance.db.models`` its cost does not grow with the table or the page
number.  NULL sorts before every value, on every backend.
"""

import operator

import sqlalchemy as sa

from glance.common import exception
from glance.db import models

Image = models.Image

ATTRIBUTE_FILTERS = frozenset({
    'name', 'status', 'visibility', 'owner', 'disk_format',
    'container_format', 'protected', 'os_hidden', 'id', 'checksum',
    'min_disk', 'min_ram'})

RANGE_ATTRIBUTES = frozenset({'size', 'created_at', 'updated_at'})

RANGE_OPERATORS = {'eq': operator.eq, 'neq': operator.ne, 'gt': operator.gt,
                   'gte': operator.ge, 'lt': operator.lt, 'lte': operator.le}

SORT_DIRECTIONS = ('asc', 'desc')


def conditions(query):
    """WHERE clauses selecting the images ``query`` lists, on any page."""
    clauses = [_live_or_changed(query)]
    if query.is_public is not None:
        clauses.append(Image.visibility == 'public' if query.is_public
                       else Image.visibility != 'public')
    if 'os_hidden' not in query.filters:
        clauses.append(Image.os_hidden == sa.false())
    clauses.append(_visibility_clause(query))
    for attribute, values in query.filters.items():
        if attribute not in ATTRIBUTE_FILTERS:
            raise exception.InvalidParameterValue(
                param=attribute, value=values, extra='not a filter')
        if attribute != 'visibility':
            clauses.append(getattr(Image, attribute).in_(values))
    for name, values in query.property_filters.items():
        clauses.append(_has_live_child(
            models.ImageProperty, models.ImageProperty.name == name,
            models.ImageProperty.value.in_(values)))
    for tag in query.tags:
        clauses.append(_has_live_child(models.ImageTag,
                                       models.ImageTag.value == tag))
    for attribute, operator_name, value in query.ranges:
        if attribute not in RANGE_ATTRIBUTES:
            raise exception.InvalidFilterRangeValue()
        if operator_name not in RANGE_OPERATORS:
            raise exception.InvalidFilterOperatorValue()
        compare = RANGE_OPERATORS[operator_name]
        clauses.append(compare(getattr(Image, attribute), value))
    return clauses


def marker_conditions(query):
    """WHERE clauses finding the marker: an image the viewer may see."""
    return [Image.id == query.marker, _live_or_changed(query),
            _visibility_rule('all', query)]


def _live_or_changed(query):
    """Live images; with changes_since, those changed since, even deleted."""
    if query.changes_since is None:
        return Image.deleted == sa.false()
    return Image.updated_at > query.changes_since


def _visibility_clause(query):
    if 'visibility' not in query.filters:
        return _listed_by_default(query)
    return sa.or_(*(_visibility_rule(visibility, query)
                    for visibility in query.filters['visibility']))


def _listed_by_default(query):
    if query.viewer_is_admin:
        return sa.or_(Image.visibility != 'community', _owned(query))
    return sa.or_(Image.visibility == 'public', _owned(query),
                  sa.and_(Image.visibility == 'shared', _member_of(query)))


def _visibility_rule(visibility, query):
    """Images of ``visibility`` the viewer could see; 'all' for any."""
    sees_all = sa.true() if query.viewer_is_admin else sa.false()
    if visibility in ('public', 'community'):
        return Image.visibility == visibility
    if visibility == 'private':
        return sa.and_(Image.visibility == 'private',
                       sa.or_(sees_all, _owned(query)))
    if visibility == 'shared':
        return sa.and_(Image.visibility == 'shared',
                       sa.or_(sees_all, _owned(query), _member_of(query)))
    if visibility == 'all':
        return sa.or_(_listed_by_default(query),
                      Image.visibility == 'community')
    raise exception.InvalidParameterValue(
        param='visibility', value=visibility,
        extra='expected all, community, private, public or shared')


def _owned(query):
    # Without the guard, "owner = NULL" would be rendered "owner IS NULL".
    if query.viewer_owner is None:
        return sa.false()
    return Image.owner == query.viewer_owner


def _member_of(query):
    if query.viewer_owner is None:
        return sa.false()
    member = models.ImageMember
    clauses = [member.member == query.viewer_owner]
    if query.member_status != 'all':
        clauses.append(member.status == query.member_status)
    return _has_live_child(member, *clauses)


def _has_live_child(model, *clauses):
    return sa.exists().where(model.image_id == Image.id,
                             model.deleted == sa.false(), *clauses)


def sort_keys(query):
    """``query.sort`` checked, with id appended to make the order total."""
    keys = []
    for key, direction in query.sort:
        if key not in models.SORT_KEYS:
            raise exception.InvalidSortKey(key=key)
        if direction not in SORT_DIRECTIONS:
            raise exception.InvalidSortDir(direction=direction)
        keys.append((key, direction))
    if 'id' not in {key for key, _ in keys}:
        keys.append(('id', keys[-1][1] if keys else 'desc'))
    return keys


def order_by(keys, explicit_nulls):
    """ORDER BY clauses for ``keys``.

    ``explicit_nulls`` asks for NULLS FIRST/LAST on nullable keys, for
    PostgreSQL, which otherwise sorts NULL after every value; SQLite and
    MySQL already sort it before.
    """
    clauses = []
    for key, direction in keys:
        column = _column(key)
        clause = column.asc() if direction == 'asc' else column.desc()
        if explicit_nulls and column.nullable:
            clause = clause.nulls_first() if direction == 'asc' \
                else clause.nulls_last()
        clauses.append(clause)
    return clauses


def after(keys, marker):
    """The WHERE clause of rows sorting after the ``marker`` row.

    A row is after the marker when it equals it on the first n-1 keys and
    lies beyond it on the n-th, for some n.  The first key's bound is also
    given alone so that the database can seek to the marker in the index.
    """
    alternatives = []
    equal_so_far = []
    for key, direction in keys:
        column = _column(key)
        value = _marker_value(marker, key)
        alternatives.append(sa.and_(*equal_so_far,
                                    _beyond(column, value, direction)))
        equal_so_far.append(column.is_(None) if value is None
                            else column == value)
    first_key, first_direction = keys[0]
    return sa.and_(_seek(_column(first_key),
                         _marker_value(marker, first_key), first_direction),
                   sa.or_(*alternatives))


def _marker_value(marker, key):
    """The marker's value as a bound parameter; None stays None.

    Binding also lets booleans be compared with < and >.
    """
    value = getattr(marker, key)
    if value is None:
        return None
    return sa.literal(value, _column(key).type)


def _beyond(column, value, direction):
    """Values strictly after ``value`` in ``direction``, NULL the least."""
    if direction == 'asc':
        return column.is_not(None) if value is None else column > value
    if value is None:
        return sa.false()
    if column.nullable:
        return sa.or_(column < value, column.is_(None))
    return column < value


def _seek(column, value, direction):
    """A bound an index can seek to, implied by the full condition."""
    if value is not None and direction == 'asc':
        return column >= value
    if value is not None and not column.nullable:
        return column <= value
    return sa.true()


def _column(key):
    return Image.__table__.c[key]
