"""Metadef entities as JSON, the same on both sides of the registry: each
dataclass field under its own name, datetimes in ISO 8601 (see
glance.registry.wire)."""

import dataclasses

from glance.common import exception
from glance.domain.metadefs import entities
from glance.registry import wire

KINDS = {'properties': entities.Property, 'objects': entities.MetadefObject,
         'tags': entities.Tag}


def to_dict(entity):
    return {field.name: wire.to_json(getattr(entity, field.name))
            for field in dataclasses.fields(entity)}


def from_dict(cls, body):
    if not isinstance(body, dict):
        raise exception.BadRequest('A %s must be a JSON object.'
                                   % cls.__name__)
    try:
        return cls(**{field.name: wire.from_json(field.type, field.name,
                                                 body[field.name])
                      for field in dataclasses.fields(cls)
                      if body.get(field.name) is not None})
    except TypeError as error:
        raise exception.BadRequest('Malformed %s: %s'
                                   % (cls.__name__, error)) from None


def definition_to_dict(definition):
    return {'namespace': to_dict(definition.namespace),
            'associations': [to_dict(item)
                             for item in definition.associations],
            **{kind: [to_dict(item) for item in getattr(definition, kind)]
               for kind in KINDS}}


def definition_from_dict(body):
    if not isinstance(body, dict):
        raise exception.BadRequest('A definition must be a JSON object.')
    return entities.Definition(
        namespace=from_dict(entities.Namespace, body.get('namespace')),
        associations=[from_dict(entities.Association, item)
                      for item in body.get('associations') or []],
        **{kind: [from_dict(cls, item) for item in body.get(kind) or []]
           for kind, cls in KINDS.items()})
