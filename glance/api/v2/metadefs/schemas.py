"""JSON schemas of the metadefs resources, as Glance publishes them under
``/v2/schemas/metadefs/{name}``.

python-glanceclient builds its metadef models from these and validates
what it sends and reads with them; requests are checked against them
here too.
"""

import jsonschema

from glance.common import exception

NAME_LENGTH = 80
PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object',
                  'string', None]


def _string(description, max_length=None, **extra):
    schema = dict(type='string', description=description, **extra)
    if max_length is not None:
        schema['maxLength'] = max_length
    return schema


def _read_only(description):
    return {'type': 'string', 'readOnly': True, 'description': description}


TIMESTAMPS = {
    'created_at': dict(_read_only('Date and time of creation'),
                       format='date-time'),
    'updated_at': dict(_read_only('Date and time of the last change'),
                       format='date-time'),
}


def definitions():
    """What the namespace, object and property schemas refer to."""
    positive = {'type': 'integer', 'minimum': 0}
    return {
        'positiveInteger': positive,
        'positiveIntegerDefault0': {
            'allOf': [{'$ref': '#/definitions/positiveInteger'},
                      {'default': 0}]},
        'stringArray': {'type': 'array', 'items': {'type': 'string'},
                        'uniqueItems': True},
        'property': {'type': 'object',
                     'additionalProperties': property_schema_body()},
    }


def property_fields():
    """The fields of a property definition: a JSON schema of its own."""
    return {
        'name': _string('The name of the property', NAME_LENGTH),
        'title': _string('The title shown for the property'),
        'description': _string('What the property is for'),
        'operators': {'type': 'array', 'items': {'type': 'string'},
                      'description': 'Operators a value may be given with '
                                     '(such as "<or>")'},
        'type': {'type': 'string', 'enum': PROPERTY_TYPES,
                 'description': 'The JSON type of the value'},
        'required': {'$ref': '#/definitions/stringArray'},
        'minimum': {'type': 'number'},
        'maximum': {'type': 'number'},
        'maxLength': {'$ref': '#/definitions/positiveInteger'},
        'minLength': {'$ref': '#/definitions/positiveIntegerDefault0'},
        'pattern': {'type': 'string', 'format': 'regex'},
        'enum': {'type': 'array'},
        'readonly': {'type': 'boolean'},
        'default': {},
        'items': {'type': 'object', 'properties': {
            'type': {'type': 'string', 'enum': PROPERTY_TYPES},
            'enum': {'type': 'array'}}},
        'maxItems': {'$ref': '#/definitions/positiveInteger'},
        'minItems': {'$ref': '#/definitions/positiveIntegerDefault0'},
        'uniqueItems': {'type': 'boolean', 'default': False},
        'additionalItems': {'type': 'boolean'},
    }


def property_schema_body():
    return {'type': 'object', 'required': ['title', 'type'],
            'properties': property_fields()}


def property_schema():
    return {'name': 'property', 'properties': property_fields(),
            'required': ['name', 'title', 'type'],
            'additionalProperties': False, 'definitions': definitions()}


def association_fields():
    return {
        'name': _string('Resource type names should be aligned with Heat '
                        'resource types whenever possible: '
                        'https://docs.openstack.org/heat/latest/'
                        'template_guide/openstack.html', NAME_LENGTH),
        'prefix': _string('Specifies the prefix to use for the given '
                          'resource type.  Any properties in the namespace '
                          'should be prefixed with this prefix when being '
                          'applied to the specified resource type.',
                          NAME_LENGTH),
        'properties_target': _string(
            'Some resource types allow more than one key / value pair per '
            'instance.  For example, Cinder allows user and image metadata '
            'on volumes.  Only the image properties metadata is evaluated '
            'by Nova (scheduling or drivers).  This property allows a '
            'namespace target to remove the ambiguity.', NAME_LENGTH),
        **TIMESTAMPS,
    }


def resource_type_schema():
    return {'name': 'resource_type_association',
            'properties': association_fields(), 'required': ['name'],
            'additionalProperties': False}


def object_fields():
    return {
        'name': _string('The name of the object', NAME_LENGTH),
        'description': _string('What the object is for'),
        'required': {'$ref': '#/definitions/stringArray'},
        'properties': {'$ref': '#/definitions/property'},
        'schema': _read_only('The schema of an object'),
        'self': _read_only('The URL of the object'),
        **TIMESTAMPS,
    }


def object_schema():
    return {'name': 'object', 'properties': object_fields(),
            'required': ['name'], 'additionalProperties': False,
            'definitions': definitions()}


def tag_fields():
    return {'name': _string('The name of the tag', NAME_LENGTH),
            **TIMESTAMPS}


def tag_schema():
    return {'name': 'tag', 'properties': tag_fields(), 'required': ['name'],
            'additionalProperties': False}


def namespace_schema():
    return {
        'name': 'namespace',
        'properties': {
            'namespace': _string('The unique namespace text.', NAME_LENGTH),
            'display_name': _string('The user friendly name for the '
                                    'namespace.  Used by UI if available.',
                                    NAME_LENGTH),
            'description': _string('Provides a user friendly description '
                                   'of the namespace.', 500),
            'visibility': {'type': 'string', 'enum': ['public', 'private'],
                           'description': 'Scope of namespace '
                                          'accessibility.'},
            'protected': {'type': 'boolean', 'description': 'If true, '
                          'namespace will not be deletable.'},
            'owner': _string('Owner of the namespace.', 255),
            'schema': _read_only('The schema of a namespace'),
            'self': _read_only('The URL of the namespace'),
            'resource_type_associations': {
                'type': 'array', 'items': {
                    'type': 'object',
                    'properties': {name: field for name, field in
                                   association_fields().items()
                                   if name in ('name', 'prefix',
                                               'properties_target')}}},
            'properties': {'$ref': '#/definitions/property'},
            'objects': {'type': 'array', 'items': {
                'type': 'object',
                'properties': {name: field for name, field in
                               object_fields().items()
                               if name in ('name', 'description',
                                           'required', 'properties')}}},
            'tags': {'type': 'array', 'items': {
                'type': 'object', 'properties': {
                    'name': _string('The name of the tag', NAME_LENGTH)}}},
            **TIMESTAMPS,
        },
        'required': ['namespace'],
        'additionalProperties': False,
        'definitions': definitions(),
    }


def _collection(name, items, item_schema, links=()):
    schema = {
        'name': name,
        'properties': {
            items: item_schema,
            'first': {'type': 'string'},
            'next': {'type': 'string'},
            'schema': {'type': 'string'},
        },
        'links': [{'rel': 'first', 'href': '{first}'},
                  {'rel': 'next', 'href': '{next}'},
                  {'rel': 'describedby', 'href': '{schema}'}, *links],
    }
    return schema


def _array_of(schema):
    item = dict(schema)
    item.pop('definitions', None)
    return {'type': 'array', 'items': item}


def namespaces_schema():
    schema = _collection('namespaces', 'namespaces',
                         _array_of(namespace_schema()))
    schema['definitions'] = definitions()
    return schema


def properties_schema():
    schema = _collection('properties', 'properties',
                         {'$ref': '#/definitions/property'})
    schema['definitions'] = definitions()
    return schema


def objects_schema():
    schema = _collection('objects', 'objects', _array_of(object_schema()))
    schema['definitions'] = definitions()
    return schema


def tags_schema():
    return _collection('tags', 'tags', _array_of(tag_schema()))


def resource_types_schema():
    return _collection('resource_type_associations',
                       'resource_type_associations',
                       _array_of(resource_type_schema()))


SCHEMAS = {
    'namespace': namespace_schema, 'namespaces': namespaces_schema,
    'property': property_schema, 'properties': properties_schema,
    'object': object_schema, 'objects': objects_schema,
    'tag': tag_schema, 'tags': tags_schema,
    'resource_type': resource_type_schema,
    'resource_types': resource_types_schema,
}

# Built once: requests are checked against the same fixed schemas.
_VALIDATORS = {name: jsonschema.Draft202012Validator(builder())
               for name, builder in SCHEMAS.items()}


def validate(name, body):
    """BadRequest unless ``body`` matches the schema ``name``."""
    if not isinstance(body, dict):
        raise exception.BadRequest('Request body must be a JSON object.')
    error = jsonschema.exceptions.best_match(
        _VALIDATORS[name].iter_errors(body))
    if error is not None:
        raise exception.BadRequest(
            "Provided object does not match schema '%s': %s"
            % (name, error.message))
    return body
