"""How an ImageQuery becomes SQL: filters, visibility, order and paging.

Paging is by keyset, not offset: a page is the ``limit`` rows that sort
after the marker image, so with the ``(key, id)`` indexes of
``glance.db.models`` its cost does not grow with the table or the page
number.  NULL sorts before every value, on every backend.
"""

import operator

import sqlalchemy as sa

from glance.db import models
from glance.domain import visibility

Image = models.Image

RANGE_OPERATORS = {'eq': operator.eq, 'neq': operator.ne, 'gt': operator.gt,
                   'gte': operator.ge, 'lt': operator.lt, 'lte': operator.le}


def conditions(query):
    """WHERE clauses selecting the images a checked ``query`` lists, on any
    page."""
    clauses = [_live_or_changed(query),
               visibility_clause(query.rule(), query.viewer)]
    if 'os_hidden' not in query.filters:
        clauses.append(Image.os_hidden == sa.false())
    for attribute, values in query.filters.items():
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
        compare = RANGE_OPERATORS[operator_name]
        clauses.append(compare(getattr(Image, attribute), value))
    return clauses


def marker_conditions(query):
    """WHERE clauses finding the marker: an image the viewer may see."""
    return [Image.id == query.marker, _live_or_changed(query),
            visibility_clause(visibility.sees(), query.viewer)]


def _live_or_changed(query):
    """Live images; with changes_since, those changed since, even deleted."""
    if query.changes_since is None:
        return Image.deleted == sa.false()
    return Image.updated_at > query.changes_since


def visibility_clause(term, viewer):
    """The SQL of a glance.domain.visibility term for ``viewer``."""
    kind = type(term)
    if kind is visibility.Admin:
        return sa.true() if viewer.is_admin else sa.false()
    if kind is visibility.VisibilityIn:
        return Image.visibility.in_(term.values)
    # Without the guards, "owner = NULL" would be rendered "owner IS NULL".
    if kind is visibility.Owned:
        if viewer.owner is None:
            return sa.false()
        return Image.owner == viewer.owner
    if kind is visibility.Member:
        if viewer.owner is None:
            return sa.false()
        member = models.ImageMember
        clauses = [member.member == viewer.owner]
        if term.statuses is not None:
            clauses.append(member.status.in_(term.statuses))
        return _has_live_child(member, *clauses)
    if kind is visibility.AnyOf:
        return sa.or_(*(visibility_clause(t, viewer) for t in term.terms))
    if kind is visibility.AllOf:
        return sa.and_(*(visibility_clause(t, viewer) for t in term.terms))
    if kind is visibility.Not:
        return sa.not_(visibility_clause(term.term, viewer))
    raise TypeError('not a visibility term: %r' % (term,))


def _has_live_child(model, *clauses):
    return sa.exists().where(model.image_id == Image.id,
                             model.deleted == sa.false(), *clauses)


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
