"""``/v1/images`` and ``/v1/images/{image_id}``: headers <-> domain calls.

Creating an image (POST) has four scenarios, as in Glance:
  1. data in the body (application/octet-stream, Content-Length or
     chunked): queued -> saving -> active, or killed on failure;
  2. ``x-glance-api-copy-from: <url>``: the service copies the data from
     there into its store, with the same transitions;
  3. ``x-image-meta-location: <url>``: nothing is copied; the image is
     active at once and its data is read from there;
  4. none of these: a queued image, to be given data by a PUT later.
A PUT may do the same to a queued image, besides changing metadata.
``x-image-meta-size`` and ``x-image-meta-checksum`` describe the data
sent: a checksum that does not match kills the image (400).
"""

from glance.api import image_body
from glance.api import parsing
from glance.api.v1 import image_meta
from glance.api.v1 import list_query
from glance.common import exception
from glance.common import wsgi
from glance.domain import lifecycle

COPY_FROM_HEADER = 'x-glance-api-copy-from'
PURGE_HEADER = 'x-glance-registry-purge-props'


class _Source:
    """Where the data of a create or update request comes from, if any."""

    def __init__(self, req, meta):
        self.body = wsgi.has_body(req)
        self.copy_from = req.headers.get(COPY_FROM_HEADER) or None
        self.location = meta.location
        if sum(map(bool, (self.body, self.copy_from, self.location))) > 1:
            raise exception.BadRequest(
                "It's invalid to provide multiple image sources.")
        if self.body and req.content_type != image_body.MEDIA_TYPE:
            raise exception.BadRequest(
                'Content-Type must be %s' % image_body.MEDIA_TYPE)
        self.size = meta.size
        if self.body and req.content_length is not None:
            if meta.size is not None and meta.size != req.content_length:
                raise parsing.invalid(
                    'size', meta.size, 'differs from the Content-Length %d'
                    % req.content_length)
            self.size = req.content_length

    def __bool__(self):
        return bool(self.body or self.copy_from or self.location)


class Controller:

    def __init__(self, service):
        self.service = service

    def index(self, req):
        images = self.service.list(req.context, list_query.parse(req.params))
        return wsgi.json_response(
            {'images': [image_meta.summary(image) for image in images]})

    def detail(self, req):
        images = self.service.list(req.context, list_query.parse(req.params))
        return wsgi.json_response(
            {'images': [image_meta.view(image) for image in images]})

    def meta(self, req, image_id):
        image = self.service.get(req.context, image_id)
        response = wsgi.empty_response(200)
        response.headerlist.extend(image_meta.headers(image))
        return response

    def show(self, req, image_id):
        image, response = image_body.download(req, self.service, image_id)
        if image is None:
            return response
        if response is None:
            raise exception.NotFound('Image %s is not active.' % image_id)
        response.headerlist.extend(image_meta.headers(image))
        return response

    def create(self, req):
        meta = image_meta.parse(req.headers)
        source = _Source(req, meta)
        self._check_source(req, meta, source)
        image = self.service.create(req.context, meta.attributes,
                                    meta.properties)
        image = self._fill(req, image, meta, source)
        return wsgi.json_response({'image': image_meta.view(image)},
                                  status=201,
                                  headers=image_meta.location_headers(image))

    def update(self, req, image_id):
        meta = image_meta.parse(req.headers)
        source = _Source(req, meta)
        self._check_source(req, meta, source)
        attributes = dict(meta.attributes)
        expected = {'id': attributes.pop('id', None), 'status': meta.status}
        if not source:
            expected.update(size=meta.size, checksum=meta.checksum)
        purge = parsing.parse_bool(PURGE_HEADER,
                                   req.headers.get(PURGE_HEADER, 'true'))
        image = self.service.update_metadata(
            req.context, image_id, attributes, meta.properties,
            purge_properties=purge and not source.body,
            require_status=lifecycle.QUEUED if source else None,
            expected={k: v for k, v in expected.items() if v is not None})
        image = self._fill(req, image, meta, source)
        return wsgi.json_response({'image': image_meta.view(image)},
                                  headers=image_meta.location_headers(image))

    def delete(self, req, image_id):
        self.service.delete(req.context, image_id)
        return wsgi.empty_response(200)

    def _check_source(self, req, meta, source):
        """Refuse a bad store or source before anything is created."""
        if meta.store is not None:
            self.service.check_store(meta.store)
        if source.copy_from:
            self.service.check_source(req.context, source.copy_from,
                                      copy=True)
        elif source.location:
            self.service.check_source(req.context, source.location,
                                      copy=False)

    def _fill(self, req, image, meta, source):
        """Give a queued image the data of the request; the image after."""
        if source.body:
            return self.service.upload(
                req.context, image.id, req.environ['wsgi.input'],
                source.size, meta.checksum, meta.store, kill_on_failure=True)
        if source.copy_from:
            return self.service.copy_from(
                req.context, image.id, source.copy_from, meta.checksum,
                meta.store, kill_on_failure=True)
        if source.location:
            return self.service.set_location(
                req.context, image.id, source.location, source.size,
                meta.checksum)
        return image
