"""Identifiers: what every layer may check an image id against.

Image ids are UUIDs in their canonical text form (hyphenated, any case).
The store names files after them, so the check lives below both the domain
and the stores.
"""

import re

UUID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                     r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')


def is_uuid(value):
    """Whether ``value`` is a string holding a hyphenated UUID and nothing
    else (fullmatch: a regex's ``$`` would let a final newline by)."""
    return isinstance(value, str) and UUID_RE.fullmatch(value) is not None
