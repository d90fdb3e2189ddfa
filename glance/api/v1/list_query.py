"""Turn the query string of ``GET /v1/images[/detail]`` into an ImageQuery.

As Glance's v1 API: exact filters ``name``, ``status``,
``container_format``, ``disk_format``, ``min_ram``, ``min_disk``,
``protected``; ``size_min``/``size_max``; ``property-<key>``;
``changes-since`` (images changed after that time, deleted ones included);
``is_public``; one ``sort_key`` with ``sort_dir`` (default ``created_at``
``desc``); ``limit`` and ``marker``.  Other parameters are ignored.  Bad
values get a 400 naming them.

Which images are listed:
  - by default, public images, the caller's own and those shared with it
    (whatever the member's answer), an admin included; not killed ones,
    unless a status filter asks for them or changes-since is given;
  - ``is_public=true``: public images only; ``is_public=false``: the
    others the caller sees (for an admin, every non-public image);
  - ``is_public=none``: for an admin, images of every project; for others,
    the default.

``parse`` returns the ImageQuery and whether the caller's administrator
rights apply (``as_admin``): v1 lists for an admin with a project as for
anyone else unless ``is_public`` is given.
"""

from glance.api import parsing
from glance.common import bounds
from glance.common import config
from glance.common import ids
from glance.domain import lifecycle
from glance.domain import repository
from glance.domain import visibility

CONF = config.CONF

SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at')
EXACT_FILTERS = ('name', 'container_format', 'disk_format')
INTEGER_FILTERS = ('min_ram', 'min_disk')
PROPERTY_PREFIX = 'property-'
# Statuses listed when no status filter or changes-since asks for others.
LISTED_STATUSES = [status for status in lifecycle.STATUSES
                   if status != lifecycle.KILLED]


def parse(params):
    """``(query, as_admin)`` for a webob MultiDict of query parameters."""
    query = repository.ImageQuery(sort=[_sort(params)],
                                  member_status=visibility.ANY_STATUS)
    limit = params.get('limit')
    query.limit = min(CONF.api_limit_max, CONF.limit_param_default
                      if limit is None else parsing.parse_int('limit', limit))
    marker = params.get('marker')
    if marker is not None and not ids.is_uuid(marker):
        raise parsing.invalid('marker', marker, 'must be an image id')
    query.marker = marker
    for param, value in params.items():
        if param.startswith(PROPERTY_PREFIX) and len(param) > \
                len(PROPERTY_PREFIX):
            query.property_filters[param[len(PROPERTY_PREFIX):]] = [value]
        else:
            _add_filter(query, param, value)
    if 'status' not in query.filters and query.changes_since is None:
        query.filters['status'] = list(LISTED_STATUSES)
    is_public = params.get('is_public')
    if is_public is not None and is_public.lower() != 'none':
        query.filters['visibility'] = ['public'] if parsing.parse_bool(
            'is_public', is_public) else ['private', 'shared']
    return query, is_public is not None


def _sort(params):
    key = params.get('sort_key', 'created_at')
    if key not in SORT_KEYS:
        raise parsing.invalid('sort_key', key,
                              'must be one of %s' % ', '.join(SORT_KEYS))
    direction = params.get('sort_dir', 'desc')
    if direction not in repository.SORT_DIRECTIONS:
        raise parsing.invalid('sort_dir', direction, 'must be asc or desc')
    return key, direction


def _add_filter(query, param, value):
    if param in EXACT_FILTERS:
        query.filters[param] = [value]
    elif param == 'status':
        if value not in lifecycle.STATUSES:
            raise parsing.invalid(param, value, 'not a known image status')
        query.filters[param] = [value]
    elif param in INTEGER_FILTERS:
        query.filters[param] = [parsing.parse_int(
            param, value, maximum=bounds.MAX_INTEGER)]
    elif param == 'protected':
        query.filters[param] = [parsing.parse_bool(param, value)]
    elif param == 'size_min':
        query.ranges.append(('size', 'gte', parsing.parse_int(param, value)))
    elif param == 'size_max':
        query.ranges.append(('size', 'lte', parsing.parse_int(param, value)))
    elif param == 'changes-since':
        query.changes_since = parsing.parse_time(param, value)
