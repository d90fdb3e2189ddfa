"""Parsing of query parameter and header values shared by the API versions.

Each parser raises InvalidParameterValue (400) naming the parameter.
Integers are bounded by the database columns that hold them
(glance.common.bounds).
"""

import datetime

from glance.common import bounds
from glance.common import exception

TRUE_WORDS = ('true', '1', 'yes', 'on')
FALSE_WORDS = ('false', '0', 'no', 'off')


def invalid(param, value, extra):
    return exception.InvalidParameterValue(param=param, value=value,
                                           extra=extra)


def parse_bool(param, value):
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise invalid(param, value, 'must be true or false')


def parse_int(param, value, minimum=0, maximum=bounds.MAX_BIGINT):
    try:
        number = int(value)
    except ValueError:
        raise invalid(param, value, 'must be an integer') from None
    if number < minimum:
        raise invalid(param, value, 'must be %d or more' % minimum)
    if number > maximum:
        raise invalid(param, value, 'must be %d or less' % maximum)
    return number


def parse_time(param, value):
    """An ISO 8601 date and time as a naive UTC datetime."""
    try:
        parsed = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise invalid(param, value,
                      'must be an ISO 8601 date and time') from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed
