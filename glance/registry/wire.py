"""Images, members and tasks as JSON, the same on both sides of the registry.

An image is Glance's registry image dict, extended with what the image
repository carries beyond it: every attribute of ``glance.domain.image.Image``
under its own name, extra properties under ``properties``, ``tags`` as a
sorted list, locations under ``location_data`` (url, metadata, status)
with ``location`` the first active one, and ``is_public`` derived from the
visibility.  Datetimes are ISO 8601 (naive UTC).  The attributes come from
the dataclass, so one added to Image travels without a change here.
"""

import dataclasses
import datetime
import types
import typing

from glance.common import exception
from glance.domain import image as domain
from glance.domain import repository
from glance.domain import task as task_mod

# Image fields with a wire form of their own.
CHILDREN = {'extra_properties': 'properties', 'tags': 'tags',
            'locations': 'location_data'}
# Fields of the wire image that are derived, never read back.
DERIVED = ('is_public', 'location')

IMAGE_FIELDS = {field.name: field.type for field in dataclasses.fields(
    domain.Image) if field.name not in CHILDREN}
MEMBER_FIELDS = {field.name: field.type
                 for field in dataclasses.fields(domain.Member)}


def to_text(value):
    """The query-string form of a scalar."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (int, str)):
        return str(value)
    raise TypeError('%r has no query-string form' % (value,))


def from_text(annotation, name, text):
    """``text`` parsed as the type ``annotation`` names (bool, int, datetime
    or str); InvalidParameterValue when it is not one."""
    kind = _base_type(annotation)
    try:
        if kind is bool:
            lowered = text.lower()
            if lowered not in ('true', 'false', '1', '0'):
                raise ValueError(text)
            return lowered in ('true', '1')
        if kind is int:
            return int(text)
        if kind is datetime.datetime:
            return datetime.datetime.fromisoformat(text)
    except ValueError:
        raise exception.InvalidParameterValue(
            param=name, value=text, extra='expected a %s' % kind.__name__)
    return text


def _base_type(annotation):
    """``int`` for ``int | None``; the annotation itself otherwise."""
    if not (isinstance(annotation, types.UnionType) or
            typing.get_origin(annotation) is typing.Union):
        return annotation
    kinds = [kind for kind in typing.get_args(annotation)
             if kind is not type(None)]
    return kinds[0] if len(kinds) == 1 else str


def to_json(value):
    return value.isoformat() if isinstance(value, datetime.datetime) \
        else value


def from_json(annotation, name, value):
    """A JSON value as the type ``annotation`` names, or None; BadRequest
    when it is neither (a datetime is parsed from ISO 8601).  Which
    attributes may be NULL is the database's to enforce."""
    if value is None:
        return None
    kind = _base_type(annotation)
    if kind is datetime.datetime and isinstance(value, str):
        return from_text(annotation, name, value)
    # bool is an int to Python, not to JSON.
    if isinstance(value, kind) and (kind is bool or
                                    not isinstance(value, bool)):
        return value
    raise exception.BadRequest('Attribute %s must be a %s, not %r.'
                               % (name, kind.__name__, value))


def image_attribute(name, value):
    """The JSON value of the Image attribute ``name``, typed."""
    return from_json(IMAGE_FIELDS[name], name, value)


def member_attribute(name, value):
    """The JSON value of the Member attribute ``name``, typed."""
    return from_json(MEMBER_FIELDS[name], name, value)


def image_to_dict(image):
    body = {name: to_json(getattr(image, name)) for name in IMAGE_FIELDS}
    body['properties'] = dict(image.extra_properties)
    body['tags'] = sorted(image.tags)
    body['location_data'] = [location_to_dict(location)
                             for location in image.locations]
    body['location'] = next((location.url for location in image.locations
                             if location.status == 'active'), None)
    body['is_public'] = image.visibility == 'public'
    return body


def location_to_dict(location):
    return {'url': location.url, 'metadata': location.metadata,
            'status': location.status}


def locations_from_list(items):
    try:
        return [domain.Location(url=item['url'],
                                metadata=item.get('metadata') or {},
                                status=item.get('status', 'active'))
                for item in items]
    except (TypeError, KeyError) as e:
        raise exception.BadRequest(
            'location_data must be a list of objects with a url: %s' % e)


def image_from_dict(body, **defaults):
    """An Image from a wire dict; ``defaults`` for attributes it lacks."""
    if not isinstance(body, dict):
        raise exception.BadRequest('An image must be a JSON object.')
    unknown = set(body) - set(IMAGE_FIELDS) - set(CHILDREN.values()) - \
        set(DERIVED)
    if unknown:
        raise exception.BadRequest('Unknown image attributes: %s'
                                   % ', '.join(sorted(unknown)))
    values = dict(defaults)
    values.update({name: image_attribute(name, value)
                   for name, value in body.items() if name in IMAGE_FIELDS})
    return domain.Image(
        **values, extra_properties=properties_from_json(body),
        tags=string_set(body, 'tags'),
        locations=locations_from_list(body.get('location_data') or ()))


def properties_from_json(body):
    properties = body.get('properties') or {}
    if not isinstance(properties, dict):
        raise exception.BadRequest('properties must be a JSON object.')
    return dict(properties)


def string_set(body, key):
    """``body[key]`` (default empty), a list of strings, as a set."""
    strings = body.get(key) or []
    if not isinstance(strings, list) or \
            not all(isinstance(string, str) for string in strings):
        raise exception.BadRequest('%s must be a list of strings.' % key)
    return set(strings)


def changes_to_dict(changes):
    """An ImageChanges as JSON: attributes under their names, properties
    under ``set_properties``, names lists sorted."""
    return {'attributes': {name: to_json(value)
                           for name, value in changes.attributes.items()},
            'set_properties': dict(changes.set_properties),
            'removed_properties': sorted(changes.removed_properties),
            'added_tags': sorted(changes.added_tags),
            'removed_tags': sorted(changes.removed_tags)}


def changes_from_dict(body):
    """The ImageChanges of ``changes_to_dict``; BadRequest when malformed.
    """
    attributes = body.get('attributes') or {}
    if not isinstance(attributes, dict) or \
            not set(attributes) <= set(domain.MUTABLE):
        raise exception.BadRequest(
            'attributes must be an object of %s' % ', '.join(domain.MUTABLE))
    set_properties = body.get('set_properties') or {}
    if not isinstance(set_properties, dict):
        raise exception.BadRequest('set_properties must be a JSON object.')
    return domain.ImageChanges(
        attributes={name: image_attribute(name, value)
                    for name, value in attributes.items()},
        set_properties=set_properties,
        **{name: frozenset(string_set(body, name))
           for name in ('removed_properties', 'added_tags',
                        'removed_tags')})


def member_to_dict(member):
    return {name: to_json(getattr(member, name))
            for name in MEMBER_FIELDS}


def member_from_dict(body):
    return domain.Member(**{name: member_attribute(name, body[name])
                            for name in MEMBER_FIELDS if name in body})


def limit(body, key):
    """``body[key]``: a count limit (a natural number) or None."""
    value = body.get(key) if isinstance(body, dict) else None
    if value is not None and (not isinstance(value, int) or
                              isinstance(value, bool) or value < 0):
        raise exception.BadRequest('%s must be a natural number.' % key)
    return value


def storage_quota_to_dict(quota):
    return {'owner': quota.owner, 'limit': quota.limit}


def storage_quota_from_dict(body):
    """A StorageQuota, or None when ``body`` is None."""
    if body is None:
        return None
    owner = body.get('owner') if isinstance(body, dict) else None
    if owner is not None and not isinstance(owner, str):
        raise exception.BadRequest('storage_quota owner must be a string.')
    quota_limit = limit(body, 'limit')
    if quota_limit is None:
        raise exception.BadRequest('storage_quota needs a limit.')
    return repository.StorageQuota(owner=owner, limit=quota_limit)


def usage_from_dict(body):
    """The OwnerUsage of a registry's answer."""
    fields = [field.name for field in
              dataclasses.fields(repository.OwnerUsage)]
    if not isinstance(body, dict) or set(body) != set(fields) or not all(
            isinstance(body[name], int) for name in fields):
        raise exception.BadRequest(
            'A usage must be a JSON object of the counts %s.'
            % ', '.join(fields))
    return repository.OwnerUsage(**body)


TASK_FIELDS = {field.name: field.type
               for field in dataclasses.fields(task_mod.Task)}


def task_to_dict(task):
    return {name: to_json(getattr(task, name)) for name in TASK_FIELDS}


def task_attribute(name, value):
    """The JSON value of the Task attribute ``name``, typed."""
    return from_json(TASK_FIELDS[name], name, value)


def task_from_dict(body):
    if not isinstance(body, dict) or set(body) - set(TASK_FIELDS):
        raise exception.BadRequest(
            'A task must be a JSON object of the attributes %s.'
            % ', '.join(TASK_FIELDS))
    return task_mod.Task(**{name: task_attribute(name, value)
                            for name, value in body.items()
                            if value is not None})
