"""Parse the JSON-patch body of ``PATCH /v2/images/{id}``.

Both media types Glance accepts are understood:
``application/openstack-images-v2.1-json-patch`` (``{"op": "replace",
"path": "/name", "value": ...}``) and the older
``application/openstack-images-v2.0-json-patch`` (``{"replace": "/name",
"value": ...}``).  Values are checked against the image schema here; the
domain decides whether the change is allowed.
"""

import jsonschema
import webob.exc

from glance.api.v2 import schemas
from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import locations
from glance.domain.metadata import Change

MEDIA_TYPES = ('application/openstack-images-v2.1-json-patch',
               'application/openstack-images-v2.0-json-patch')
OPERATIONS = ('add', 'replace', 'remove')


def require_patch_media_type(content_type):
    if content_type not in MEDIA_TYPES:
        raise webob.exc.HTTPUnsupportedMediaType(
            explanation='Unsupported Content-Type %s; use one of %s'
                        % (content_type, ', '.join(MEDIA_TYPES)),
            headers=[('Accept-Patch', ', '.join(MEDIA_TYPES))])


def _decode_path(path):
    """The names a pointer holds: one, or two for ``/locations/<index>``."""
    if not isinstance(path, str) or not path.startswith('/'):
        raise exception.BadRequest("Pointer `%s` does not start with '/'."
                                   % path)
    parts = path[1:].split('/')
    if len(parts) != 1 and (len(parts) != 2 or parts[0] != 'locations'):
        raise exception.BadRequest('Nested paths are not allowed')
    for name in parts:
        if '~' in name.replace('~0', '').replace('~1', ''):
            raise exception.BadRequest(
                'Pointer `%s` contains "~" not part of a recognized escape '
                'sequence.' % path)
    return [name.replace('~1', '/').replace('~0', '~') for name in parts]


def _operation(raw, media_type):
    if not isinstance(raw, dict):
        raise exception.BadRequest('Operations must be JSON objects.')
    if media_type == MEDIA_TYPES[0]:
        op, path = raw.get('op'), raw.get('path')
        if op not in OPERATIONS:
            raise exception.BadRequest(
                'Operation objects must contain exactly one member named '
                '"op" with one of: %s' % ', '.join(OPERATIONS))
    else:
        ops = [key for key in OPERATIONS if key in raw]
        if len(ops) != 1:
            raise exception.BadRequest(
                'Operation objects must contain exactly one of: %s'
                % ', '.join(OPERATIONS))
        op, path = ops[0], raw[ops[0]]
    if op == 'remove':
        # As Glance: a value given with remove is ignored, whatever it is.
        return op, _decode_path(path), None
    if 'value' not in raw:
        raise exception.BadRequest(
            'Operation "%s" requires a member named "value".' % op)
    return op, _decode_path(path), raw['value']


def _check_value(name, value):
    properties = schemas.request_properties()
    if name in image_mod.READ_ONLY or name == 'id':
        raise exception.ReadonlyProperty(property=name)
    definition = properties.get(name, {'type': 'string'})
    try:
        schemas.validate(value, definition)
    except jsonschema.ValidationError as e:
        raise exception.BadRequest(
            "Provided object does not match schema 'image': %s"
            % e.message)
    if name not in properties and len(name) > 255:
        raise exception.BadRequest('Property names are limited to 255 '
                                   'characters.')


def _location_change(op, names, value):
    """A change of /locations (add: at /locations/<index or ->, replace:
    the whole list at /locations, remove: /locations/<index>)."""
    position = names[1] if len(names) == 2 else None
    if (op == 'replace') != (position is None):
        raise exception.BadRequest(
            'Invalid JSON pointer for this resource: '
            "'/%s'" % '/'.join(names))
    if op != 'remove':
        definition = schemas.image_properties()['locations']
        try:
            schemas.validate(value, definition if op == 'replace'
                             else definition['items'])
        except jsonschema.ValidationError as e:
            raise exception.BadRequest(
                "Provided object does not match schema 'image': %s"
                % e.message)
    return locations.LocationChange(op, position, value)


def parse(body, media_type):
    """The list of domain Changes a PATCH body asks for: Changes, and
    LocationChanges for /locations."""
    if not isinstance(body, list):
        raise exception.BadRequest(
            'Request body must be a JSON array of operation objects.')
    changes = []
    for raw in body:
        op, names, value = _operation(raw, media_type)
        if names[0] == 'locations':
            changes.append(_location_change(op, names, value))
            continue
        if len(names) != 1:
            raise exception.BadRequest('Nested paths are not allowed')
        name = names[0]
        if op != 'remove':
            _check_value(name, value)
        elif name in image_mod.READ_ONLY or name == 'id':
            raise exception.ReadonlyProperty(property=name)
        changes.append(Change(op, name, value))
    return changes
