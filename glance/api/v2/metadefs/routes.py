"""The routes of ``/v2/metadefs`` and ``/v2/schemas/metadefs``."""

import webob.exc

from glance.api.v2.metadefs import items
from glance.api.v2.metadefs import namespaces
from glance.api.v2.metadefs import resource_types
from glance.api.v2.metadefs import schemas
from glance.common import wsgi


class SchemasController:

    def show(self, req, name):
        builder = schemas.SCHEMAS.get(name)
        if builder is None:
            raise webob.exc.HTTPNotFound()
        return wsgi.json_response(builder())


def add_routes(router, service):
    """Route the metadefs API on ``router`` (mounted at ``/v2``) to the
    domain's Metadefs ``service``."""
    router.add('/schemas/metadefs/{name}', SchemasController(),
               {'GET': 'show'})
    base = '/metadefs/namespaces'
    one = base + '/{namespace}'
    controller = namespaces.Controller(service)
    router.add(base, controller, {'GET': 'index', 'POST': 'create'})
    router.add(one, controller,
               {'GET': 'show', 'PUT': 'update', 'DELETE': 'delete'})
    for kind, item_controller in (('properties', items.Properties(service)),
                                  ('objects', items.Objects(service))):
        router.add('%s/%s' % (one, kind), item_controller,
                   {'GET': 'index', 'POST': 'create',
                    'DELETE': 'delete_all'})
        router.add('%s/%s/{name}' % (one, kind), item_controller,
                   {'GET': 'show', 'PUT': 'update', 'DELETE': 'delete'})
    tags = items.Tags(service)
    router.add(one + '/tags', tags,
               {'GET': 'index', 'POST': 'create_many',
                'DELETE': 'delete_all'})
    router.add(one + '/tags/{name}', tags,
               {'GET': 'show', 'POST': 'create', 'PUT': 'update',
                'DELETE': 'delete'})
    associations = resource_types.Controller(service)
    router.add(one + '/resource_types', associations,
               {'GET': 'associations', 'POST': 'associate'})
    router.add(one + '/resource_types/{name}', associations,
               {'DELETE': 'deassociate'})
    router.add('/metadefs/resource_types', associations, {'GET': 'index'})
