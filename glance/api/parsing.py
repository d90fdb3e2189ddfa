"""Parsing of query parameter and header values shared by the API versions.

Each parser raises InvalidParameterValue (400) naming the parameter.
Integers are bounded by the database columns that hold them, as Glance
bounds them: a number too large for its column is the client's error, not
the database's.
"""

import datetime

from glance.common import exception

TRUE_WORDS = ('true', '1', 'yes', 'on')
FALSE_WORDS = ('false', '0', 'no', 'off')
# The largest value of an INTEGER column (min_ram, min_disk) and of a
# BIGINT one (sizes).
MAX_INTEGER = 2 ** 31 - 1
MAX_BIGINT = 2 ** 63 - 1


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


def parse_int(param, value, minimum=0, maximum=MAX_BIGINT):
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
