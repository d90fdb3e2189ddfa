"""``/v2/images`` and ``/v2/images/{image_id}``: thin translation to JSON."""

import urllib.parse

import jsonschema

from glance.api.v2 import json_patch
from glance.api.v2 import list_query
from glance.api.v2 import schemas
from glance.common import config
from glance.common import exception
from glance.common import wsgi
from glance.domain import image as image_mod
from glance.domain import locations
from glance import store

CONF = config.CONF
CONF.register_opts(store.multi_store_opts)

BASE_FIELDS = ('id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
               'owner', 'disk_format', 'container_format', 'size',
               'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
               'min_disk', 'min_ram')
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def image_view(image, shown_locations=()):
    """The v2 JSON representation of an image; ``shown_locations``: those
    the caller may see (ImageLocations.visible)."""
    view = dict(image.extra_properties)
    view.update({field: getattr(image, field) for field in BASE_FIELDS})
    view.update(
        tags=sorted(image.tags),
        created_at=image.created_at.strftime(TIME_FORMAT),
        updated_at=image.updated_at.strftime(TIME_FORMAT),
        self='/v2/images/%s' % image.id,
        file='/v2/images/%s/file' % image.id,
        schema='/v2/schemas/image')
    stores = store.store_ids(image.locations)
    if CONF.enabled_backends and stores:
        view['stores'] = ','.join(stores)
    if CONF.show_image_direct_url and shown_locations:
        view['direct_url'] = shown_locations[0].url
    if CONF.show_multiple_locations:
        view['locations'] = [{'url': location.url,
                              'metadata': location.metadata}
                             for location in shown_locations]
    return view


def _create_request(body):
    """Split a create body into base attributes, extra properties, tags."""
    if not isinstance(body, dict):
        raise exception.BadRequest('Request body must be a JSON object.')
    for name in body:
        if name in image_mod.READ_ONLY:
            raise exception.ReadonlyProperty(property=name)
        if name in image_mod.RESERVED or name.startswith('os_glance'):
            raise exception.ReservedProperty(property=name)
    try:
        schemas.validate(body, schemas.request_schema())
    except jsonschema.ValidationError as e:
        raise exception.BadRequest(
            "Provided object does not match schema 'image': %s" % e.message)
    base = {k: v for k, v in body.items()
            if k in image_mod.MUTABLE or k == 'id'}
    extra = {k: v for k, v in body.items()
             if k not in base and k != 'tags'}
    return base, extra, body.get('tags', [])


class Controller:

    def __init__(self, service, locations):
        self.service = service
        self.locations = locations

    def _view(self, req, image):
        return image_view(image, self.locations.visible(req.context, image))

    def index(self, req):
        query = list_query.parse(req.params)
        images = self.service.list(req.context, query)
        params = [(k, v) for k, v in req.params.items() if k != 'marker']
        first = '/v2/images'
        if params:
            first += '?' + urllib.parse.urlencode(params)
        body = {'images': [self._view(req, image) for image in images],
                'first': first, 'schema': '/v2/schemas/images'}
        if images and len(images) == query.limit:
            params.append(('marker', images[-1].id))
            body['next'] = '/v2/images?' + urllib.parse.urlencode(params)
        return wsgi.json_response(body)

    def create(self, req):
        base, extra, tags = _create_request(req.json_body_or_400())
        image = self.service.create(req.context, base, extra, tags)
        headers = [('Location', '/v2/images/%s' % image.id)]
        if CONF.enabled_import_methods:
            headers.append(('OpenStack-image-import-methods',
                            ','.join(CONF.enabled_import_methods)))
        if CONF.enabled_backends:
            headers.append(('OpenStack-image-store-ids',
                            ','.join(CONF.enabled_backends)))
        return wsgi.json_response(self._view(req, image), status=201,
                                  headers=headers)

    def show(self, req, image_id):
        return wsgi.json_response(
            self._view(req, self.service.get(req.context, image_id)))

    def update(self, req, image_id):
        json_patch.require_patch_media_type(req.content_type)
        changes = json_patch.parse(req.json_body_or_400(), req.content_type)
        moves = [change for change in changes
                 if isinstance(change, locations.LocationChange)]
        image = self.service.update(req.context, image_id, [
            change for change in changes
            if not isinstance(change, locations.LocationChange)])
        if moves:
            image = self.locations.patch(req.context, image_id, moves)
        return wsgi.json_response(self._view(req, image))

    def delete(self, req, image_id):
        """204 once the data is removed; 202 while the image waits in
        pending_delete for a store to let its data go."""
        done = self.service.delete(req.context, image_id)
        return wsgi.empty_response(204 if done else 202)
