"""Default policy rules for metadata definitions, with Glance's names.

Everyone reads the namespaces they can see (public ones, their own);
administrators write.  ``metadef_default`` and ``metadef_admin`` are the
two rules the others refer to, so an operator may open or close them all
at once.  Namespace targets expose ``namespace``, ``owner`` and
``visibility``.
"""

from oslo_policy import policy

from glance.policies import base

DEFAULT = 'rule:metadef_default'
ADMIN = 'rule:metadef_admin'

_RULES = [
    ('metadef_default', '', 'What reading metadefs takes.'),
    ('metadef_admin', base.ADMIN_RULE, 'What writing metadefs takes.'),
    ('get_metadef_namespace', DEFAULT, 'Show a namespace.'),
    ('get_metadef_namespaces', DEFAULT, 'List namespaces.'),
    ('modify_metadef_namespace', ADMIN, 'Update a namespace.'),
    ('add_metadef_namespace', ADMIN, 'Create a namespace.'),
    ('delete_metadef_namespace', ADMIN,
     'Delete a namespace, or all its properties, objects or tags.'),
    ('get_metadef_object', DEFAULT, 'Show an object.'),
    ('get_metadef_objects', DEFAULT, 'List the objects of a namespace.'),
    ('modify_metadef_object', ADMIN, 'Update an object.'),
    ('add_metadef_object', ADMIN, 'Create an object.'),
    ('delete_metadef_object', ADMIN, 'Delete an object.'),
    ('list_metadef_resource_types', DEFAULT, 'List resource types.'),
    ('get_metadef_resource_type', DEFAULT,
     'List the resource type associations of a namespace.'),
    ('add_metadef_resource_type_association', ADMIN,
     'Associate a resource type with a namespace.'),
    ('remove_metadef_resource_type_association', ADMIN,
     'Remove a resource type association.'),
    ('get_metadef_property', DEFAULT, 'Show a property.'),
    ('get_metadef_properties', DEFAULT,
     'List the properties of a namespace.'),
    ('modify_metadef_property', ADMIN, 'Update a property.'),
    ('add_metadef_property', ADMIN, 'Create a property.'),
    ('remove_metadef_property', ADMIN, 'Delete a property.'),
    ('get_metadef_tag', DEFAULT, 'Show a tag.'),
    ('get_metadef_tags', DEFAULT, 'List the tags of a namespace.'),
    ('modify_metadef_tag', ADMIN, 'Rename a tag.'),
    ('add_metadef_tag', ADMIN, 'Create a tag.'),
    ('add_metadef_tags', ADMIN, 'Create several tags at once.'),
    ('delete_metadef_tag', ADMIN, 'Delete a tag.'),
    ('delete_metadef_tags', ADMIN, 'Delete every tag of a namespace.'),
]


def list_rules():
    return [policy.RuleDefault(name, check, description=description)
            for name, check, description in _RULES]
