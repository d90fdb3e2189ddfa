"""glance-registry's metadefs routes, over the SQL MetadefRepository.

One route per repository operation (``{kind}``: properties, objects or
tags); bodies are glance.registry.metadefs_wire's:

====== ============================================== ======================
GET    ``/metadefs/namespaces``                       list: NamespaceQuery
                                                      in the query string;
                                                      each namespace with
                                                      its associations
POST   ``/metadefs/namespaces``                       add a definition
GET    ``/metadefs/namespaces/{ns}``                  one namespace
PUT    ``/metadefs/namespaces/{ns}``                  save its attributes
DELETE ``/metadefs/namespaces/{ns}``                  remove it all
GET    ``/metadefs/namespaces/{ns}/{kind}``           its items
POST   ``/metadefs/namespaces/{ns}/{kind}``           add items (replace)
DELETE ``/metadefs/namespaces/{ns}/{kind}``           remove its items
GET    ``/metadefs/namespaces/{ns}/{kind}/{name}``    one item
PUT    ``/metadefs/namespaces/{ns}/{kind}/{name}``    save one item
DELETE ``/metadefs/namespaces/{ns}/{kind}/{name}``    remove one item
GET    ``/metadefs/namespaces/{ns}/resource_types``   its associations
POST   ``/metadefs/namespaces/{ns}/resource_types``   associate
DELETE ``/metadefs/namespaces/{ns}/resource_types/{name}``  deassociate
GET    ``/metadefs/resource_types``                   every resource type
====== ============================================== ======================

As for images, the registry applies visibility for the identity it is
given (glance.domain.metadefs.rules): a namespace the caller may not see
is not found, and a list shows what the caller sees, unless an
administrator names the viewer (``viewer_is_admin``, with
``viewer_owner`` unless it has no owner id).
Read-only callers write nothing.
"""

from glance.common import exception
from glance.common import wsgi
from glance.domain import visibility
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository
from glance.domain.metadefs import rules
from glance.registry import metadefs_wire as wire

KINDS = '|'.join(entities.KINDS)


def _writable(req):
    if req.context.read_only:
        raise exception.Forbidden('Read-only access.')


def encode_query(query):
    """The query string of a NamespaceQuery."""
    params = [('visibility', query.visibility), ('marker', query.marker),
              ('limit', str(query.limit)), ('sort_key', query.sort_key),
              ('sort_dir', query.sort_dir),
              ('viewer_owner', query.viewer.owner),
              ('viewer_is_admin', 'true' if query.viewer.is_admin
               else 'false')]
    params += [('resource_type', name) for name in query.resource_types]
    return [(name, value) for name, value in params if value is not None]


def decode_query(req):
    params = req.params
    limit = params.get('limit', '25')
    if not limit.isdigit():
        raise exception.InvalidParameterValue(param='limit', value=limit,
                                              extra='must be an integer')
    viewer = visibility.Viewer.of(req.context)
    if req.context.is_admin and 'viewer_is_admin' in params:
        viewer = visibility.Viewer(
            owner=params.get('viewer_owner'),
            is_admin=params['viewer_is_admin'] == 'true')
    return repository.NamespaceQuery(
        viewer=viewer, visibility=params.get('visibility'),
        resource_types=params.getall('resource_type'),
        marker=params.get('marker'), limit=int(limit),
        sort_key=params.get('sort_key', 'created_at'),
        sort_dir=params.get('sort_dir', 'desc')).check()


def _body(req, key):
    body = req.json_body_or_400()
    if not isinstance(body, dict) or key not in body:
        raise exception.BadRequest('The body must be {"%s": ...}.' % key)
    return body[key]


class Controller:

    def __init__(self, repo):
        self.repo = repo

    def _visible(self, req, namespace):
        found = self.repo.get_namespace(namespace)
        if not rules.can_see(visibility.Viewer.of(req.context), found):
            raise exception.MetadefNamespaceNotFound(namespace=namespace)
        return found

    def list_namespaces(self, req):
        return wsgi.json_response({'namespaces': [
            {'namespace': wire.to_dict(namespace),
             'associations': [wire.to_dict(item) for item in associations]}
            for namespace, associations in self.repo.list_namespaces(
                decode_query(req))]})

    def add_definition(self, req):
        _writable(req)
        self.repo.add_definition(
            wire.definition_from_dict(_body(req, 'definition')))
        return wsgi.empty_response()

    def get_namespace(self, req, namespace):
        return wsgi.json_response(
            {'namespace': wire.to_dict(self._visible(req, namespace))})

    def save_namespace(self, req, namespace):
        _writable(req)
        updated = wire.from_dict(entities.Namespace,
                                 _body(req, 'namespace'))
        self._visible(req, namespace)
        self.repo.save_namespace(namespace, updated)
        return wsgi.empty_response()

    def delete_namespace(self, req, namespace):
        _writable(req)
        self._visible(req, namespace)
        self.repo.delete_namespace(namespace)
        return wsgi.empty_response()

    def _items(self, kind, items):
        return wsgi.json_response({'items': [wire.to_dict(item)
                                             for item in items]})

    def list_items(self, req, namespace, kind):
        self._visible(req, namespace)
        return self._items(kind, self.repo.list_items(kind, namespace))

    def add_items(self, req, namespace, kind):
        _writable(req)
        body = req.json_body_or_400()
        if not isinstance(body, dict) or not isinstance(body.get('items'),
                                                        list):
            raise exception.BadRequest('The body must be {"items": [...]}.')
        items = [wire.from_dict(wire.KINDS[kind], item)
                 for item in body['items']]
        self._visible(req, namespace)
        return self._items(kind, self.repo.add_items(
            kind, namespace, items, replace=bool(body.get('replace'))))

    def delete_items(self, req, namespace, kind):
        _writable(req)
        self._visible(req, namespace)
        self.repo.delete_items(kind, namespace)
        return wsgi.empty_response()

    def get_item(self, req, namespace, kind, name):
        self._visible(req, namespace)
        return wsgi.json_response({'item': wire.to_dict(
            self.repo.get_item(kind, namespace, name))})

    def save_item(self, req, namespace, kind, name):
        _writable(req)
        item = wire.from_dict(wire.KINDS[kind], _body(req, 'item'))
        self._visible(req, namespace)
        return wsgi.json_response({'item': wire.to_dict(
            self.repo.save_item(kind, namespace, name, item))})

    def delete_item(self, req, namespace, kind, name):
        _writable(req)
        self._visible(req, namespace)
        self.repo.delete_item(kind, namespace, name)
        return wsgi.empty_response()

    def list_resource_types(self, req):
        return wsgi.json_response({'resource_types': [
            wire.to_dict(item) for item in self.repo.list_resource_types()]})

    def associations(self, req, namespace):
        self._visible(req, namespace)
        return wsgi.json_response({'associations': [
            wire.to_dict(item) for item in self.repo.associations(namespace)]})

    def add_association(self, req, namespace):
        _writable(req)
        association = wire.from_dict(entities.Association,
                                     _body(req, 'association'))
        self._visible(req, namespace)
        return wsgi.json_response({'association': wire.to_dict(
            self.repo.add_association(namespace, association))})

    def delete_association(self, req, namespace, name):
        _writable(req)
        self._visible(req, namespace)
        self.repo.delete_association(namespace, name)
        return wsgi.empty_response()


def add_routes(router, repo):
    controller = Controller(repo)
    base = '/metadefs/namespaces'
    one = base + '/{namespace}'
    router.add(base, controller,
               {'GET': 'list_namespaces', 'POST': 'add_definition'})
    router.add(one, controller, {'GET': 'get_namespace',
                                 'PUT': 'save_namespace',
                                 'DELETE': 'delete_namespace'})
    router.add(one + '/resource_types', controller,
               {'GET': 'associations', 'POST': 'add_association'})
    router.add(one + '/resource_types/{name}', controller,
               {'DELETE': 'delete_association'})
    kind = {'kind': KINDS}
    router.add(one + '/{kind}', controller,
               {'GET': 'list_items', 'POST': 'add_items',
                'DELETE': 'delete_items'}, requirements=kind)
    router.add(one + '/{kind}/{name}', controller,
               {'GET': 'get_item', 'PUT': 'save_item',
                'DELETE': 'delete_item'}, requirements=kind)
    router.add('/metadefs/resource_types', controller,
               {'GET': 'list_resource_types'})
