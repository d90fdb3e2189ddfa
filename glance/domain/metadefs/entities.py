"""Namespaces and their contents, and their one JSON form.

A namespace holds properties (a JSON schema each, by name), objects
(named groups of properties), tags and associations with resource types
(``OS::Glance::Image``, ``OS::Nova::Flavor``...), each with the prefix a
property name takes on that resource.  ``from_dict``/``to_dict`` read and
write the form the API, the definition files of ``glance-manage db
load_metadefs`` and glance-registry share.  Timestamps stay out of it.
"""

import dataclasses
import datetime

from glance.common import exception

VISIBILITIES = ('public', 'private')
NAME_LENGTH = 80
KINDS = ('properties', 'objects', 'tags')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def check_name(kind, name):
    if not isinstance(name, str) or not 0 < len(name) <= NAME_LENGTH \
            or name != name.strip():
        raise exception.InvalidParameterValue(
            param=kind, value=name,
            extra='must be 1 to %d characters, without leading or trailing '
                  'spaces' % NAME_LENGTH)


def _dict_of(body, kind):
    if not isinstance(body, dict):
        raise exception.BadRequest('A %s must be a JSON object.' % kind)
    return body


@dataclasses.dataclass
class Stored:
    """When a stored entity was created and last changed (None before it
    is stored); given by keyword only."""
    created_at: datetime.datetime | None = dataclasses.field(
        default=None, kw_only=True)
    updated_at: datetime.datetime | None = dataclasses.field(
        default=None, kw_only=True)


@dataclasses.dataclass
class Namespace(Stored):
    namespace: str
    display_name: str | None = None
    description: str | None = None
    visibility: str = 'private'
    protected: bool = False
    owner: str | None = None

    FIELDS = ('namespace', 'display_name', 'description', 'visibility',
              'protected', 'owner')

    def check(self):
        check_name('namespace', self.namespace)
        if self.visibility not in VISIBILITIES:
            raise exception.InvalidParameterValue(
                param='visibility', value=self.visibility,
                extra='must be public or private')

    @classmethod
    def from_dict(cls, body):
        body = _dict_of(body, 'namespace')
        values = {name: body[name] for name in cls.FIELDS
                  if body.get(name) is not None}
        namespace = cls(**values)
        namespace.check()
        return namespace

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS
                if getattr(self, name) is not None}


@dataclasses.dataclass
class Property:
    """A property: its name and its JSON schema (title, type, enum...)."""
    name: str
    schema: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, body, name=None):
        body = dict(_dict_of(body, 'property'))
        name = body.pop('name', None) if name is None else name
        body.pop('name', None)
        check_name('property', name)
        return cls(name=name, schema=body)

    def to_dict(self):
        return dict(self.schema, name=self.name)


def properties_from_dict(properties):
    """``{name: schema}`` as a list of Property."""
    return [Property.from_dict(schema, name)
            for name, schema in _dict_of(properties, 'properties').items()]


def properties_to_dict(properties):
    return {prop.name: dict(prop.schema) for prop in properties}


@dataclasses.dataclass
class MetadefObject(Stored):
    name: str
    description: str | None = None
    required: list = dataclasses.field(default_factory=list)
    properties: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, body):
        body = _dict_of(body, 'object')
        check_name('object', body.get('name'))
        properties = properties_from_dict(body.get('properties') or {})
        return cls(name=body['name'], description=body.get('description'),
                   required=list(body.get('required') or []),
                   properties=properties_to_dict(properties))

    def to_dict(self):
        body = {'name': self.name, 'required': list(self.required),
                'properties': dict(self.properties)}
        if self.description is not None:
            body['description'] = self.description
        return body


@dataclasses.dataclass
class Tag(Stored):
    name: str

    @classmethod
    def from_dict(cls, body):
        body = _dict_of(body, 'tag')
        check_name('tag', body.get('name'))
        return cls(name=body['name'])

    def to_dict(self):
        return {'name': self.name}


@dataclasses.dataclass
class ResourceType(Stored):
    name: str
    protected: bool = False


@dataclasses.dataclass
class Association(Stored):
    """A namespace's association with the resource type ``name``."""
    name: str
    prefix: str | None = None
    properties_target: str | None = None

    @classmethod
    def from_dict(cls, body):
        body = _dict_of(body, 'resource type association')
        check_name('resource_type', body.get('name'))
        for field in ('prefix', 'properties_target'):
            value = body.get(field)
            if value is not None and (not isinstance(value, str) or
                                      len(value) > NAME_LENGTH):
                raise exception.InvalidParameterValue(
                    param=field, value=value,
                    extra='must be a string of at most %d characters'
                          % NAME_LENGTH)
        return cls(name=body['name'], prefix=body.get('prefix'),
                   properties_target=body.get('properties_target'))

    def to_dict(self):
        body = {'name': self.name}
        for field in ('prefix', 'properties_target'):
            if getattr(self, field) is not None:
                body[field] = getattr(self, field)
        return body


# The entity of each kind of namespace content.
ENTITIES = {'properties': Property, 'objects': MetadefObject, 'tags': Tag}


@dataclasses.dataclass
class Definition:
    """A whole namespace: what a definition file holds, what a namespace
    create may carry, what a namespace show answers."""
    namespace: Namespace
    associations: list = dataclasses.field(default_factory=list)
    properties: list = dataclasses.field(default_factory=list)
    objects: list = dataclasses.field(default_factory=list)
    tags: list = dataclasses.field(default_factory=list)

    @classmethod
    def from_dict(cls, body):
        body = _dict_of(body, 'namespace')
        definition = cls(
            namespace=Namespace.from_dict(body),
            associations=[Association.from_dict(item) for item in
                          body.get('resource_type_associations') or []],
            properties=properties_from_dict(body.get('properties') or {}),
            objects=[MetadefObject.from_dict(item)
                     for item in body.get('objects') or []],
            tags=[Tag.from_dict(item) for item in body.get('tags') or []])
        for kind in ('associations',) + KINDS:
            names = [item.name for item in getattr(definition, kind)]
            if len(names) != len(set(names)):
                raise exception.Duplicate(
                    'The namespace lists one of its %s twice.' % kind)
        return definition

    def to_dict(self):
        """The namespace and what it holds, leaving out empty lists."""
        body = self.namespace.to_dict()
        if self.associations:
            body['resource_type_associations'] = [
                item.to_dict() for item in self.associations]
        if self.properties:
            body['properties'] = properties_to_dict(self.properties)
        if self.objects:
            body['objects'] = [item.to_dict() for item in self.objects]
        if self.tags:
            body['tags'] = [item.to_dict() for item in self.tags]
        return body

    def with_prefix(self, prefix):
        """The definition as a resource type sees it: every property name,
        objects' too, with ``prefix``."""
        return dataclasses.replace(
            self,
            properties=[dataclasses.replace(prop, name=prefix + prop.name)
                        for prop in self.properties],
            objects=[dataclasses.replace(obj, properties={
                prefix + name: schema
                for name, schema in obj.properties.items()},
                required=[prefix + name for name in obj.required])
                for obj in self.objects])
