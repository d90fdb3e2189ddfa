"""An ImageQuery as the query string of ``GET /images/detail``.

Glance's registry parameters, extended to carry the whole ImageQuery:

============================== ==============================================
``<attribute>=<value>``        a base attribute filter (name, status, owner,
                               visibility, ...); repeated for an in-list
``property-<name>=<value>``    an extra-property filter; repeated likewise
``tag=<tag>``                  every tag must be on the image; repeatable
``range=<attr>:<op>:<value>``  a range (on size, created_at, updated_at)
                               with op one of eq, neq, gt, gte, lt, lte;
                               repeatable.  ``size_min``/``size_max`` are
                               Glance's spellings of size gte/lte
``sort_key=<key>``,            the sort, in order; one sort_dir applies to
``sort_dir=asc|desc``          every key
``viewer_owner=<id>``,         the viewer (see glance.domain.visibility),
``viewer_is_admin=true|false`` which only an administrator may name
``<field>=<value>``            any other ImageQuery field (limit, marker,
                               member_status, changes_since, and whatever
                               fields are added later), typed by its
                               annotation
============================== ==============================================

Values are typed as the Image attribute they filter (booleans as
true/false, datetimes in ISO 8601).  An unknown parameter is refused, so a
registry older than its client fails loudly rather than answering another
question.
"""

import dataclasses

from glance.common import exception
from glance.domain import image as domain
from glance.domain import repository
from glance.domain import visibility
from glance.registry import wire

# ImageQuery fields with an encoding of their own; every other one is a
# scalar sent as <field>=<value>.
STRUCTURED = ('filters', 'property_filters', 'tags', 'ranges', 'sort',
              'viewer')
VIEWER_FIELDS = {'viewer_owner': 'owner', 'viewer_is_admin': 'is_admin'}
PROPERTY_PREFIX = 'property-'
GLANCE_SIZE_RANGES = {'size_min': 'gte', 'size_max': 'lte'}

IMAGE_TYPES = {field.name: field.type
               for field in dataclasses.fields(domain.Image)}
SCALAR_FIELDS = {field.name: field.type
                 for field in dataclasses.fields(repository.ImageQuery)
                 if field.name not in STRUCTURED}


def encode(query):
    """The (name, value) query parameters of an ImageQuery."""
    params = []
    for attribute, values in query.filters.items():
        params.extend((attribute, wire.to_text(value)) for value in values)
    for name, values in query.property_filters.items():
        params.extend((PROPERTY_PREFIX + name, wire.to_text(value))
                      for value in values)
    params.extend(('tag', tag) for tag in query.tags)
    for attribute, operator, value in query.ranges:
        params.append(('range', '%s:%s:%s' % (attribute, operator,
                                              wire.to_text(value))))
    # No sort at all orders by id alone, as the repository would.
    for key, direction in query.sort or [('id', 'desc')]:
        params.extend([('sort_key', key), ('sort_dir', direction)])
    for name in SCALAR_FIELDS:
        value = getattr(query, name)
        if value is not None:
            params.append((name, wire.to_text(value)))
    for param, field in VIEWER_FIELDS.items():
        value = getattr(query.viewer, field)
        if value is not None:
            params.append((param, wire.to_text(value)))
    return params


def names_viewer(params):
    """Whether the parameters name a viewer (not the caller)."""
    return any(name in params for name in VIEWER_FIELDS)


def decode(params, default_limit, max_limit):
    """The ImageQuery of ``params``, a list of (name, value).

    Without ``limit`` the page holds ``default_limit`` images, and never
    more than ``max_limit``.  InvalidParameterValue for an unknown parameter
    or a value of the wrong type.
    """
    query = repository.ImageQuery(limit=default_limit)
    viewer = {}
    sort_keys, sort_dirs = [], []
    for name, text in params:
        if name == 'sort_key':
            sort_keys.append(text)
        elif name == 'sort_dir':
            sort_dirs.append(text)
        elif name == 'tag':
            query.tags.append(text)
        elif name.startswith(PROPERTY_PREFIX):
            query.property_filters.setdefault(
                name[len(PROPERTY_PREFIX):], []).append(text)
        elif name in GLANCE_SIZE_RANGES:
            query.ranges.append(('size', GLANCE_SIZE_RANGES[name],
                                 wire.from_text(int, name, text)))
        elif name == 'range':
            query.ranges.append(_range(text))
        elif name in repository.FILTER_ATTRIBUTES:
            query.filters.setdefault(name, []).append(
                wire.from_text(IMAGE_TYPES.get(name, str), name, text))
        elif name in VIEWER_FIELDS:
            viewer[VIEWER_FIELDS[name]] = wire.from_text(
                bool if name == 'viewer_is_admin' else str, name, text)
        elif name in SCALAR_FIELDS:
            setattr(query, name,
                    wire.from_text(SCALAR_FIELDS[name], name, text))
        else:
            raise exception.InvalidParameterValue(
                param=name, value=text, extra='not a registry list parameter')
    if sort_keys:
        query.sort = list(zip(sort_keys, _directions(sort_keys, sort_dirs)))
    query.viewer = visibility.Viewer(**viewer)
    query.limit = min(query.check().limit, max_limit)
    return query


def _range(text):
    """(attribute, operator, value) of ``<attribute>:<operator>:<value>``;
    the repository says which attributes and operators it takes."""
    attribute, operator, value = (text.split(':', 2) + ['', ''])[:3]
    annotation = IMAGE_TYPES.get(attribute, str)
    return attribute, operator, wire.from_text(annotation, 'range', value)


def _directions(keys, directions):
    if len(directions) <= 1:
        return [directions[0] if directions else 'desc'] * len(keys)
    if len(directions) != len(keys):
        raise exception.InvalidParameterValue(
            param='sort_dir', value=','.join(directions),
            extra='give one sort_dir, or one per sort_key')
    return directions
