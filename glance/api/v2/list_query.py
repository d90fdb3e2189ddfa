"""Turn the query string of ``GET /v2/images`` into an ImageQuery.

Accepted as Glance 2.x does: ``limit``, ``marker``, ``sort=key:dir,...`` or
``sort_key``/``sort_dir`` (repeatable), ``member_status``, ``visibility``,
``tag`` (repeatable), ``size_min``/``size_max``, the ``in:`` operator on
exact-match filters, comparison operators (``gt:``, ``gte:``, ``lt:``,
``lte:``, ``eq:``, ``neq:``) on ``created_at``/``updated_at``, and any other
parameter as an extra-property filter.  Bad values get a 400 naming them.
"""

import csv

from glance.api import parsing
from glance.common import bounds
from glance.common import config
from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import lifecycle
from glance.domain import repository

CONF = config.CONF

BOOLEAN_FILTERS = ('protected', 'os_hidden')
INTEGER_FILTERS = ('min_disk', 'min_ram')
TIME_FILTERS = ('created_at', 'updated_at')
PAGING_PARAMS = ('limit', 'marker', 'sort', 'sort_key', 'sort_dir',
                 'member_status')


def _values(param, value):
    """The values of an exact filter: one, or several with ``in:``."""
    if not value.startswith('in:'):
        return [value]
    try:
        values = next(csv.reader([value[3:]], skipinitialspace=True))
    except (csv.Error, StopIteration):
        raise parsing.invalid(param, value, 'malformed in: list')
    if not values:
        raise parsing.invalid(param, value, 'in: needs at least one value')
    return values


def _time_ranges(param, value):
    ranges = []
    for part in value.split(','):
        operator, sep, operand = part.partition(':')
        if not sep or operator not in repository.RANGE_OPERATORS:
            operator, operand = 'eq', part
        ranges.append((param, operator, parsing.parse_time(param, operand)))
    return ranges


def _sort(params):
    if 'sort' in params:
        if 'sort_key' in params or 'sort_dir' in params:
            raise exception.BadRequest(
                "The 'sort' parameter cannot be combined with 'sort_key' "
                "or 'sort_dir'.")
        pairs = []
        for item in params['sort'].split(','):
            key, _, direction = item.strip().partition(':')
            pairs.append((key, direction or 'desc'))
    else:
        keys = params.getall('sort_key') or ['created_at']
        dirs = params.getall('sort_dir') or ['desc']
        if len(dirs) == 1:
            dirs = dirs * len(keys)
        if len(dirs) != len(keys):
            raise exception.BadRequest(
                'The number of sort_dir values must be one or match the '
                'number of sort_key values.')
        pairs = list(zip(keys, dirs))
    return pairs


def parse(params):
    """An ImageQuery for a webob MultiDict of query parameters."""
    query = repository.ImageQuery(sort=_sort(params))
    limit = params.get('limit')
    query.limit = CONF.limit_param_default if limit is None else \
        parsing.parse_int('limit', limit)
    query.limit = min(query.limit, CONF.api_limit_max)
    query.marker = params.get('marker')
    query.member_status = params.get('member_status', 'accepted')
    query.tags = params.getall('tag')
    for param, value in params.items():
        if param in PAGING_PARAMS or param == 'tag':
            continue
        _add_filter(query, param, value)
    return query


def _add_filter(query, param, value):
    if param == 'visibility':
        if value == 'all':
            query.filters[param] = list(image_mod.VISIBILITIES)
        elif value in image_mod.VISIBILITIES:
            query.filters[param] = [value]
        else:
            raise parsing.invalid(param, value, 'must be one of public, '
                                  'private, shared, community, all')
    elif param == 'status':
        statuses = _values(param, value)
        for status in statuses:
            if status not in lifecycle.STATUSES:
                raise parsing.invalid(param, status,
                                      'not a known image status')
        query.filters[param] = statuses
    elif param in INTEGER_FILTERS:
        query.filters[param] = [
            parsing.parse_int(param, v, maximum=bounds.MAX_INTEGER)
            for v in _values(param, value)]
    elif param in BOOLEAN_FILTERS:
        query.filters[param] = [parsing.parse_bool(param, value)]
    elif param in repository.FILTER_ATTRIBUTES:
        query.filters[param] = _values(param, value)
    elif param in TIME_FILTERS:
        query.ranges.extend(_time_ranges(param, value))
    elif param == 'size_min':
        query.ranges.append(('size', 'gte', parsing.parse_int(param, value)))
    elif param == 'size_max':
        query.ranges.append(('size', 'lte', parsing.parse_int(param, value)))
    else:
        query.property_filters[param] = _values(param, value)
