"""Every metadefs operation, for the API and glance-manage.

Each one reaches its namespace through ``_namespace``: a namespace the
caller may not see is not found, then the policy rule is applied by name
(the target exposes the namespace's ``namespace``, ``owner`` and
``visibility``), then, for changes, the caller must be allowed to change
the namespace (rules.may_change).
"""

import dataclasses

from glance.common import exception
from glance.domain import visibility
from glance.domain.metadefs import catalog
from glance.domain.metadefs import entities
from glance.domain.metadefs import rules

# The policy rules of each kind of namespace content, by action.
ITEM_RULES = {
    'properties': {'list': 'get_metadef_properties',
                   'get': 'get_metadef_property',
                   'add': 'add_metadef_property',
                   'modify': 'modify_metadef_property',
                   'delete': 'remove_metadef_property',
                   'delete_all': 'remove_metadef_property'},
    'objects': {'list': 'get_metadef_objects', 'get': 'get_metadef_object',
                'add': 'add_metadef_object',
                'modify': 'modify_metadef_object',
                'delete': 'delete_metadef_object',
                'delete_all': 'delete_metadef_object'},
    'tags': {'list': 'get_metadef_tags', 'get': 'get_metadef_tag',
             'add': 'add_metadef_tag', 'modify': 'modify_metadef_tag',
             'delete': 'delete_metadef_tag',
             'delete_all': 'delete_metadef_tags'},
}


class Metadefs:

    def __init__(self, repo, authorizer):
        self.repo = repo
        self.authorizer = authorizer

    def _authorize(self, context, rule, namespace=None):
        target = {}
        if namespace is not None:
            target = {'namespace': namespace.namespace,
                      'owner': namespace.owner or '',
                      'visibility': namespace.visibility}
        self.authorizer.authorize_on(context, rule, target)

    def _namespace(self, context, name, rule, change=False):
        namespace = self.repo.get_namespace(name)
        if not rules.can_see(visibility.Viewer.of(context), namespace):
            raise exception.MetadefNamespaceNotFound(namespace=name)
        self._authorize(context, rule, namespace)
        if change and not rules.may_change(context, namespace):
            raise exception.Forbidden(
                'You are not permitted to change namespace %s.' % name)
        return namespace

    # Namespaces.

    def list_namespaces(self, context, query):
        self._authorize(context, 'get_metadef_namespaces')
        query.viewer = visibility.Viewer.of(context)
        return self.repo.list_namespaces(query.check())

    def get_namespace(self, context, name, resource_type=None):
        """The namespace's whole Definition; with ``resource_type``, its
        property names carry that association's prefix."""
        self._namespace(context, name, 'get_metadef_namespace')
        definition = catalog.read_definition(self.repo, name)
        prefix = next((association.prefix
                       for association in definition.associations
                       if association.name == resource_type), None)
        return definition.with_prefix(prefix) if prefix else definition

    def create_namespace(self, context, definition):
        """Store a Definition as the caller's (owner: the caller unless an
        administrator names another)."""
        self._authorize(context, 'add_metadef_namespace')
        namespace = definition.namespace
        if namespace.owner is None:
            namespace.owner = context.owner
        rules.check_owner(context, namespace.owner)
        if context.read_only:
            raise exception.Forbidden('Read-only access.')
        self.repo.add_definition(definition)
        return self.get_namespace(context, namespace.namespace)

    def update_namespace(self, context, name, values):
        """Write the attributes ``values`` (a dict) gives over those of
        ``name``; those it leaves out are kept."""
        current = self._namespace(context, name, 'modify_metadef_namespace',
                                  change=True)
        unknown = set(values) - set(entities.Namespace.FIELDS)
        if unknown:
            raise exception.BadRequest('Unknown namespace attributes: %s'
                                       % ', '.join(sorted(unknown)))
        updated = dataclasses.replace(current, **{
            key: value for key, value in values.items() if value is not None})
        updated.check()
        if updated.owner != current.owner:
            rules.check_owner(context, updated.owner)
        self.repo.save_namespace(name, updated)
        return self.get_namespace(context, updated.namespace)

    def delete_namespace(self, context, name):
        namespace = self._namespace(context, name, 'delete_metadef_namespace',
                                    change=True)
        rules.require_unprotected(namespace, 'namespace')
        self.repo.delete_namespace(name)

    # Properties, objects and tags: the items of a namespace, by kind.

    def list_items(self, context, kind, namespace, page=None):
        """The items of ``kind``, by name, or the repository.ItemPage
        ``page`` of them."""
        self._namespace(context, namespace, ITEM_RULES[kind]['list'])
        items = self.repo.list_items(kind, namespace)
        return items if page is None else page.check().of(items, kind,
                                                          namespace)

    def get_item(self, context, kind, namespace, name, resource_type=None):
        """One item; for a property with ``resource_type``, ``name``
        carries that association's prefix, which is taken off."""
        self._namespace(context, namespace, ITEM_RULES[kind]['get'])
        if resource_type is not None:
            name = self._unprefixed(namespace, name, resource_type)
        return self.repo.get_item(kind, namespace, name)

    def _unprefixed(self, namespace, name, resource_type):
        for association in self.repo.associations(namespace):
            if association.name == resource_type:
                prefix = association.prefix or ''
                if not name.startswith(prefix):
                    raise exception.MetadefItemNotFound(
                        kind='property', name=name, namespace=namespace)
                return name[len(prefix):]
        raise exception.MetadefItemNotFound(
            kind='resource_type', name=resource_type, namespace=namespace)

    def add_item(self, context, kind, namespace, item):
        self._namespace(context, namespace, ITEM_RULES[kind]['add'],
                        change=True)
        return self.repo.add_items(kind, namespace, [item])[0]

    def add_tags(self, context, namespace, tags, append=False):
        """Several tags at once; they replace the namespace's unless
        ``append``."""
        self._namespace(context, namespace, 'add_metadef_tags', change=True)
        names = [tag.name for tag in tags]
        if len(names) != len(set(names)):
            raise exception.Duplicate('A tag is given twice.')
        return self.repo.add_items('tags', namespace, tags,
                                   replace=not append)

    def update_item(self, context, kind, namespace, name, item):
        self._namespace(context, namespace, ITEM_RULES[kind]['modify'],
                        change=True)
        return self.repo.save_item(kind, namespace, name, item)

    def delete_item(self, context, kind, namespace, name):
        found = self._namespace(context, namespace,
                                ITEM_RULES[kind]['delete'], change=True)
        rules.require_unprotected(found, kind)
        self.repo.delete_item(kind, namespace, name)

    def delete_items(self, context, kind, namespace):
        found = self._namespace(context, namespace,
                                ITEM_RULES[kind]['delete_all'], change=True)
        self._authorize(context, 'delete_metadef_namespace', found)
        rules.require_unprotected(found, kind)
        self.repo.delete_items(kind, namespace)

    # Resource types.

    def list_resource_types(self, context):
        self._authorize(context, 'list_metadef_resource_types')
        return self.repo.list_resource_types()

    def associations(self, context, namespace):
        self._namespace(context, namespace, 'get_metadef_resource_type')
        return self.repo.associations(namespace)

    def associate(self, context, namespace, association):
        self._namespace(context, namespace,
                        'add_metadef_resource_type_association', change=True)
        return self.repo.add_association(namespace, association)

    def deassociate(self, context, namespace, resource_type):
        found = self._namespace(context, namespace,
                                'remove_metadef_resource_type_association',
                                change=True)
        rules.require_unprotected(found, 'resource type associations')
        self.repo.delete_association(namespace, resource_type)
