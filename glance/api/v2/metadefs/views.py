"""The JSON Glance answers for namespaces and what they hold."""

import urllib.parse

from glance.api.v2 import images

BASE = '/v2/metadefs/namespaces'


def quote(name):
    return urllib.parse.quote(name, safe=':')


def namespace_url(name, *rest):
    return '/'.join((BASE, quote(name)) + tuple(quote(part) for part in rest))


def timestamps(entity):
    return {field: getattr(entity, field).strftime(images.TIME_FORMAT)
            for field in ('created_at', 'updated_at')
            if getattr(entity, field) is not None}


def association(entity):
    return dict(entity.to_dict(), **timestamps(entity))


def namespace(entity, associations=()):
    view = dict(entity.to_dict(), **timestamps(entity))
    view.update(schema='/v2/schemas/metadefs/namespace',
                self=namespace_url(entity.namespace))
    if associations:
        view['resource_type_associations'] = [association(item)
                                              for item in associations]
    return view


def metadef_object(namespace_name, entity):
    return dict(entity.to_dict(), **timestamps(entity),
                schema='/v2/schemas/metadefs/object',
                self=namespace_url(namespace_name, 'objects', entity.name))


def tag(entity):
    return dict(entity.to_dict(), **timestamps(entity))


def definition(entity):
    """A namespace with everything it holds (the empty left out)."""
    view = entity.to_dict()
    view.update(namespace(entity.namespace, entity.associations))
    if entity.objects:
        view['objects'] = [metadef_object(entity.namespace.namespace, item)
                           for item in entity.objects]
    if entity.tags:
        view['tags'] = [tag(item) for item in entity.tags]
    return view
