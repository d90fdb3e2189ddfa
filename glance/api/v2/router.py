"""Every route of the Image API v2 served so far."""

from glance.api.v2 import cached_images
from glance.api.v2 import image_actions
from glance.api.v2 import image_data
from glance.api.v2 import image_import
from glance.api.v2 import image_locations
from glance.api.v2 import image_members
from glance.api.v2 import image_tags
from glance.api.v2 import images
from glance.api.v2.metadefs import routes as metadefs_routes
from glance.api.v2 import schemas
from glance.api.v2 import stores
from glance.api.v2 import tasks
from glance.api.v2 import usage
from glance.common import wsgi


def build(services):
    """The v2 WSGI app, mounted at ``/v2``."""
    router = wsgi.Router(request_class=wsgi.ApiRequest)
    router.add('/schemas/{name}', schemas.Controller(), {'GET': 'show'})
    images_controller = images.Controller(services.images,
                                          services.locations)
    router.add('/images', images_controller,
               {'GET': 'index', 'POST': 'create'})
    router.add('/images/{image_id}', images_controller,
               {'GET': 'show', 'PATCH': 'update', 'DELETE': 'delete'})
    router.add('/images/{image_id}/file', image_data.Controller(services.data),
               {'GET': 'download', 'HEAD': 'download', 'PUT': 'upload'})
    router.add('/images/{image_id}/tags/{tag_value}',
               image_tags.Controller(services.images),
               {'PUT': 'update', 'DELETE': 'delete'})
    router.add('/images/{image_id}/locations',
               image_locations.Controller(services.locations),
               {'GET': 'index', 'POST': 'add'})
    members = image_members.Controller(services.members)
    router.add('/images/{image_id}/members', members,
               {'GET': 'index', 'POST': 'create'})
    router.add('/images/{image_id}/members/{member_id}', members,
               {'GET': 'show', 'PUT': 'update', 'DELETE': 'delete'})
    actions = image_actions.Controller(services.images)
    router.add('/images/{image_id}/actions/deactivate', actions,
               {'POST': 'deactivate'})
    router.add('/images/{image_id}/actions/reactivate', actions,
               {'POST': 'reactivate'})
    metadefs_routes.add_routes(router, services.metadefs)
    importer = image_import.Controller(services.imports)
    router.add('/images/{image_id}/stage', importer, {'PUT': 'stage'})
    router.add('/images/{image_id}/import', importer,
               {'POST': 'import_image'})
    router.add('/info/import', importer, {'GET': 'info'})
    router.add('/info/usage', usage.Controller(services.data.limits),
               {'GET': 'usage'})
    store_routes = stores.Controller(services.stores, services.data)
    router.add('/info/stores', store_routes, {'GET': 'index'})
    router.add('/info/stores/detail', store_routes, {'GET': 'detail'})
    router.add('/stores/{store_id}/{image_id}', store_routes,
               {'DELETE': 'delete_from_store'})
    task_routes = tasks.Controller(services.tasks, services.imports)
    router.add('/tasks', task_routes, {'GET': 'index', 'POST': 'create'})
    router.add('/tasks/{task_id}', task_routes, {'GET': 'show'})
    router.add('/images/{image_id}/tasks', task_routes,
               {'GET': 'image_tasks'})
    if services.cache is not None:
        add_cache_routes(router, cached_images.Controller(services.cache))
    return router


def add_cache_routes(router, cache):
    """The v2 cache API (2.14, 2.16; clean and prune): fixed names before
    ``{image_id}``, which would take them."""
    router.add('/cache', cache, {'GET': 'state', 'DELETE': 'clear'})
    router.add('/cache/clean', cache, {'POST': 'clean'})
    router.add('/cache/prune', cache, {'POST': 'prune'})
    router.add('/cache/nodes/{image_id}', cache, {'GET': 'nodes'})
    router.add('/cache/{image_id}', cache,
               {'PUT': 'queue', 'DELETE': 'delete'})
