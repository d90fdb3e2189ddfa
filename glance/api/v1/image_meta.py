"""Image API v1's image metadata: JSON views and ``x-image-meta-*`` headers.

Requests carry metadata in headers: ``x-image-meta-<field>`` (``-`` and
``_`` are the same in a field name) and ``x-image-meta-property-<key>``
for extra properties (keys lower-cased, ``-`` read as ``_``, as Glance
did).  ``parse`` checks and converts them; an unknown ``x-image-meta-``
header or a bad value is a 400.  Responses give the same fields back in
headers (HEAD, GET) or as JSON (``view``, ``summary``).

Header values are read as UTF-8 where they decode as such (clients send
UTF-8 bytes), and written as UTF-8 bytes; control characters are written
as spaces and properties whose key is no valid header name are left out
of headers (JSON bodies carry them all).
"""

import dataclasses
import re

from glance.api import image_body
from glance.api import parsing
from glance.common import bounds

META_PREFIX = 'x-image-meta-'
PROPERTY_PREFIX = 'x-image-meta-property-'

# Fields a request may set, and how their values are read: integers up to
# the largest value their database column holds.
INTEGER_FIELDS = {'size': bounds.MAX_BIGINT,
                  'min_ram': bounds.MAX_INTEGER,
                  'min_disk': bounds.MAX_INTEGER}
BOOLEAN_FIELDS = ('is_public', 'protected')
ATTRIBUTE_FIELDS = ('id', 'name', 'disk_format', 'container_format',
                    'min_ram', 'min_disk', 'protected', 'owner', 'is_public')
# Fields clients repeat from a response (created_at...): accepted, unused.
ECHOED_FIELDS = ('created_at', 'updated_at', 'deleted_at', 'deleted',
                 'virtual_size', 'uri', 'copy_from')
# Fields kept apart from the attributes (RequestMeta has one of each).
DATA_FIELDS = ('size', 'checksum', 'location', 'store', 'status')
REQUEST_FIELDS = frozenset(ATTRIBUTE_FIELDS + ECHOED_FIELDS + DATA_FIELDS)

# The fields of GET /v1/images, and of every other view.
SUMMARY_FIELDS = ('id', 'name', 'disk_format', 'container_format',
                  'checksum', 'size')
DETAIL_FIELDS = SUMMARY_FIELDS + (
    'virtual_size', 'status', 'is_public', 'protected', 'min_ram',
    'min_disk', 'owner', 'created_at', 'updated_at', 'deleted_at',
    'deleted')

TIME_FORMAT = '%Y-%m-%dT%H:%M:%S'
MAX_NAME_LENGTH = 255
_CHECKSUM = re.compile(r'^[0-9a-fA-F]{32}$')
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')


@dataclasses.dataclass
class RequestMeta:
    """What the x-image-meta-* headers of a request ask for.

    ``attributes``: base attributes for the domain (``is_public`` for the
    visibility, ``id``).  ``properties``: extra properties.  ``size`` and
    ``checksum`` describe image data; ``status`` can only be repeated.
    """
    attributes: dict = dataclasses.field(default_factory=dict)
    properties: dict = dataclasses.field(default_factory=dict)
    size: int | None = None
    checksum: str | None = None
    location: str | None = None
    store: str | None = None
    status: str | None = None


def parse(headers):
    """A RequestMeta for request headers (a webob EnvironHeaders)."""
    meta = RequestMeta()
    for name, raw in headers.items():
        name = name.lower()
        value = _decode(raw)
        if name.startswith(PROPERTY_PREFIX):
            key = name[len(PROPERTY_PREFIX):].replace('-', '_')
            if not key:
                raise parsing.invalid(name, value, 'names no property')
            meta.properties[key] = value
        elif name.startswith(META_PREFIX):
            field = name[len(META_PREFIX):].replace('-', '_')
            _set_field(meta, name, field, value or None)
    return meta


def _set_field(meta, header, field, value):
    if field not in REQUEST_FIELDS:
        raise parsing.invalid(header, value, 'not an image metadata header')
    if field in ECHOED_FIELDS or value is None:
        return
    if field in INTEGER_FIELDS:
        value = parsing.parse_int(field, value,
                                  maximum=INTEGER_FIELDS[field])
    elif field in BOOLEAN_FIELDS:
        value = parsing.parse_bool(field, value)
    elif field == 'checksum':
        if not _CHECKSUM.match(value):
            raise parsing.invalid(field, value,
                                  'must be an md5 digest of 32 hex digits')
        value = value.lower()
    elif field == 'name' and len(value) > MAX_NAME_LENGTH:
        raise parsing.invalid(field, value, 'must be at most %d characters'
                              % MAX_NAME_LENGTH)
    if field in ATTRIBUTE_FIELDS:
        meta.attributes[field] = value
    else:
        setattr(meta, field, value)


def _decode(value):
    """The text a client sent as UTF-8 bytes (WSGI hands them as latin-1)."""
    try:
        return value.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _encode(value):
    """A header value carrying ``value`` as UTF-8 bytes, on one line."""
    return _CONTROL.sub(' ', str(value)).encode('utf-8').decode('latin-1')


def view(image):
    """An image as v1 JSON bodies show it in full (never its location)."""
    body = {
        'id': image.id, 'name': image.name,
        'disk_format': image.disk_format,
        'container_format': image.container_format,
        'checksum': image.checksum, 'size': image.size or 0,
        'virtual_size': image.virtual_size, 'status': image.status,
        'is_public': image.is_public, 'protected': image.protected,
        'min_ram': image.min_ram, 'min_disk': image.min_disk,
        'owner': image.owner, 'created_at': _time(image.created_at),
        'updated_at': _time(image.updated_at),
        'deleted_at': _time(image.deleted_at), 'deleted': image.deleted,
        'properties': dict(image.extra_properties)}
    return {field: body[field] for field in DETAIL_FIELDS + ('properties',)}


def summary(image):
    """An image as ``GET /v1/images`` lists it."""
    full = view(image)
    return {field: full[field] for field in SUMMARY_FIELDS}


def headers(image):
    """The response headers describing an image: x-image-meta-* and
    ``Location``."""
    full = view(image)
    result = [(META_PREFIX + field, _encode(full[field]))
              for field in DETAIL_FIELDS if full[field] is not None]
    result += [(PROPERTY_PREFIX + key.lower(), _encode(value))
               for key, value in sorted(full['properties'].items())
               if value is not None and _HEADER_NAME.match(key)]
    return result + [_location(image)]


def location_headers(image):
    """``Location`` and, once the data is known, its ``ETag``."""
    tag = image_body.etag(image)
    return [_location(image)] + ([('ETag', tag)] if tag else [])


def _location(image):
    return ('Location', '/v1/images/%s' % image.id)


def _time(value):
    return value.strftime(TIME_FORMAT) if value is not None else None
