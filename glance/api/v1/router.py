"""Every route of the Image API v1, mounted at ``/v1``."""

from glance.api.v1 import images
from glance.api.v1 import members
from glance.common import wsgi


def build(services):
    """The v1 WSGI app."""
    router = wsgi.Router(request_class=wsgi.ApiRequest)
    images_controller = images.Controller(services)
    router.add('/images', images_controller,
               {'GET': 'index', 'POST': 'create'})
    router.add('/images/detail', images_controller, {'GET': 'detail'})
    router.add('/images/{image_id}', images_controller,
               {'HEAD': 'meta', 'GET': 'show', 'PUT': 'update',
                'DELETE': 'delete'})
    members_controller = members.Controller(services.members)
    router.add('/images/{image_id}/members', members_controller,
               {'GET': 'index', 'PUT': 'update_all'})
    router.add('/images/{image_id}/members/{member_id}', members_controller,
               {'PUT': 'update', 'DELETE': 'delete'})
    router.add('/shared-images/{member_id}', members_controller,
               {'GET': 'index_shared_images'})
    return router
