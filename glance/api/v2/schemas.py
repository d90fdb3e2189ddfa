"""JSON schemas of the v2 resources, as Glance publishes them.

python-glanceclient builds its models and JSON patches from
``/v2/schemas/image``; the property definitions therefore follow Glance's.
Extra properties are free-form strings (``additionalProperties``).

Requests are checked against ``request_schema()``: the published schema
with the bounds Glance enforces without publishing them (``min_ram`` and
``min_disk`` are never negative and fit their INTEGER column).  Published,
they would make python-glanceclient, which validates the images it reads,
refuse images stored before the bounds were enforced.
"""

import jsonschema
import webob.exc

from glance.common import bounds
from glance.common import config
from glance.common import wsgi
from glance.domain import formats
from glance.domain import lifecycle
from glance.domain import task as task_mod

CONF = config.CONF

UUID_PATTERN = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')


def _nullable(kind, **extra):
    return dict(type=['null', kind], **extra)


def image_properties():
    """Definitions of the base image attributes."""
    return {
        'id': {'type': 'string', 'pattern': UUID_PATTERN,
               'description': 'An identifier for the image'},
        'name': _nullable('string', maxLength=255,
                          description='Descriptive name for the image'),
        'status': {'type': 'string', 'readOnly': True,
                   'enum': list(lifecycle.STATUSES),
                   'description': 'Status of the image'},
        'visibility': {'type': 'string',
                       'enum': ['community', 'public', 'private', 'shared'],
                       'description': 'Scope of image accessibility'},
        'protected': {'type': 'boolean',
                      'description': 'If true, image will not be deletable.'},
        'os_hidden': {'type': 'boolean',
                      'description': 'If true, image will not appear in '
                                     'default image list response.'},
        'checksum': _nullable('string', readOnly=True, maxLength=32,
                              description='md5 hash of image contents.'),
        'os_hash_algo': _nullable(
            'string', readOnly=True, maxLength=64,
            description='Algorithm to calculate the os_hash_value'),
        'os_hash_value': _nullable(
            'string', readOnly=True, maxLength=128,
            description='Hexdigest of the image contents using the '
                        'algorithm specified by the os_hash_algo'),
        'owner': _nullable('string', maxLength=255,
                           description='Owner of the image'),
        'size': _nullable('integer', readOnly=True,
                          description='Size of image file in bytes'),
        'virtual_size': _nullable('integer', readOnly=True,
                                  description='Virtual size of image in '
                                              'bytes'),
        'container_format': _nullable(
            'string',
            enum=[None] + list(CONF[formats.GROUP].container_formats),
            description='Format of the container'),
        'disk_format': _nullable(
            'string', enum=[None] + list(CONF[formats.GROUP].disk_formats),
            description='Format of the disk'),
        'created_at': {'type': 'string', 'readOnly': True,
                       'description': 'Date and time of image registration'},
        'updated_at': {'type': 'string', 'readOnly': True,
                       'description': 'Date and time of the last image '
                                      'modification'},
        'tags': {'type': 'array',
                 'items': {'type': 'string', 'maxLength': 255},
                 'description': 'List of strings related to the image'},
        'direct_url': {'type': 'string', 'readOnly': True,
                       'description': 'URL to access the image file kept in '
                                      'external store'},
        'stores': {'type': 'string', 'readOnly': True,
                   'description': 'Store in which image data resides.  Only '
                                  'present when the operator has enabled '
                                  'multiple stores.  May be a '
                                  'comma-separated list of store '
                                  'identifiers.'},
        'min_ram': {'type': 'integer',
                    'description': 'Amount of ram (in MB) required to boot '
                                   'image.'},
        'min_disk': {'type': 'integer',
                     'description': 'Amount of disk space (in GB) required '
                                    'to boot image.'},
        'self': {'type': 'string', 'readOnly': True,
                 'description': 'An image self url'},
        'file': {'type': 'string', 'readOnly': True,
                 'description': 'An image file url'},
        'schema': {'type': 'string', 'readOnly': True,
                   'description': 'An image schema url'},
        'locations': {
            'type': 'array',
            'items': {'type': 'object',
                      'properties': {
                          'url': {'type': 'string', 'maxLength': 255},
                          'metadata': {'type': 'object'},
                          'validation_data': {
                              'description': (
                                  'Values to be used to populate the '
                                  'corresponding image properties. If the '
                                  "image status is not 'queued', values "
                                  'must exactly match those already '
                                  'contained in the image properties.'),
                              'type': 'object',
                              'writeOnly': True,
                              'additionalProperties': False,
                              'properties': {
                                  'checksum': {'type': 'string',
                                               'minLength': 32,
                                               'maxLength': 32},
                                  'os_hash_algo': {'type': 'string',
                                                   'maxLength': 64},
                                  'os_hash_value': {'type': 'string',
                                                    'maxLength': 128}},
                              'required': ['os_hash_algo',
                                           'os_hash_value']}},
                      'required': ['url', 'metadata']},
            'description': 'A set of URLs to access the image file kept in '
                           'external store'},
    }


UNPUBLISHED_BOUNDS = {
    'min_ram': {'minimum': 0, 'maximum': bounds.MAX_INTEGER},
    'min_disk': {'minimum': 0, 'maximum': bounds.MAX_INTEGER},
}


def request_properties():
    """image_properties() with the UNPUBLISHED_BOUNDS: what requests may
    set."""
    properties = image_properties()
    for name, limits in UNPUBLISHED_BOUNDS.items():
        properties[name] = dict(properties[name], **limits)
    return properties


def request_schema():
    return dict(image_schema(), properties=request_properties())


def image_schema():
    return {
        'name': 'image',
        'properties': image_properties(),
        'additionalProperties': {'type': 'string'},
        'links': [{'rel': 'self', 'href': '{self}'},
                  {'rel': 'enclosure', 'href': '{file}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def _collection(name, item_schema, links):
    return {
        'name': name,
        'properties': {
            name: {'type': 'array', 'items': item_schema},
            'schema': {'type': 'string'},
            'first': {'type': 'string'},
            'next': {'type': 'string'},
        },
        'links': links,
    }


def images_schema():
    return _collection('images', image_schema(),
                       [{'rel': 'first', 'href': '{first}'},
                        {'rel': 'next', 'href': '{next}'},
                        {'rel': 'describedby', 'href': '{schema}'}])


def member_schema():
    return {
        'name': 'member',
        'properties': {
            'created_at': {'type': 'string', 'description':
                           'Date and time of image member creation'},
            'image_id': {'type': 'string', 'pattern': UUID_PATTERN,
                         'description': 'An identifier for the image'},
            'member_id': {'type': 'string',
                          'description': 'An identifier for the image '
                                         'member (tenantId)'},
            'status': {'type': 'string',
                       'enum': ['pending', 'accepted', 'rejected'],
                       'description': 'The status of this image member'},
            'updated_at': {'type': 'string', 'description':
                           'Date and time of last modification of image '
                           'member'},
            'schema': {'type': 'string', 'readOnly': True},
        },
    }


def members_schema():
    return _collection('members', member_schema(),
                       [{'rel': 'describedby', 'href': '{schema}'}])


def task_schema():
    """Glance's task schema; python-glanceclient builds its task models
    from it."""
    def text(description, **extra):
        return dict({'type': 'string', 'description': description}, **extra)
    return {
        'name': 'task',
        'properties': {
            'id': text('An identifier for the task', pattern=UUID_PATTERN),
            'type': text('The type of task represented by this content',
                         enum=list(task_mod.TYPES)),
            'status': text('The current status of this task',
                           enum=list(task_mod.STATUSES)),
            'input': {'type': ['null', 'object'],
                      'description': 'The parameters required by task, JSON '
                                     'blob'},
            'result': {'type': ['null', 'object'],
                       'description': 'The result of current task, JSON '
                                      'blob'},
            'owner': _nullable('string', description='An identifier for '
                               'the owner of this task'),
            'message': text('Human-readable informative message only '
                            'included when appropriate (usually on '
                            'failure)'),
            'image_id': _nullable('string', readOnly=True,
                                  description='Image associated with the '
                                              'task'),
            'request_id': _nullable('string', readOnly=True,
                                    description='Request ID associated '
                                                'with the task'),
            'user_id': _nullable('string', readOnly=True,
                                 description='User associated with the '
                                             'task'),
            'expires_at': _nullable('string', description='Datetime when '
                                    'this resource would be subject to '
                                    'removal'),
            'created_at': text('Datetime when this resource was created'),
            'updated_at': text('Datetime when this resource was updated'),
            'self': {'type': 'string', 'readOnly': True},
            'schema': {'type': 'string', 'readOnly': True},
        },
        'links': [{'rel': 'self', 'href': '{self}'},
                  {'rel': 'describedby', 'href': '{schema}'}],
    }


def tasks_schema():
    item = task_schema()
    for name in ('input', 'result', 'message'):
        del item['properties'][name]
    return _collection('tasks', item,
                       [{'rel': 'first', 'href': '{first}'},
                        {'rel': 'next', 'href': '{next}'},
                        {'rel': 'describedby', 'href': '{schema}'}])


def validate(value, schema):
    """jsonschema.validate, without checking ``schema`` itself against the
    metaschema on every call as jsonschema.validate does: that check was
    most of the CPU a create cost, and our schemas are fixed (a test
    checks them once)."""
    jsonschema.Draft202012Validator(schema).validate(value)


SCHEMAS = {'image': image_schema, 'images': images_schema,
           'member': member_schema, 'members': members_schema,
           'task': task_schema, 'tasks': tasks_schema}


class Controller:

    def show(self, req, name):
        builder = SCHEMAS.get(name)
        if builder is None:
            raise webob.exc.HTTPNotFound()
        return wsgi.json_response(builder())
