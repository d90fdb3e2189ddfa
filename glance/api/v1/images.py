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

What only v1 does is translated here, so the domain speaks one language:
``is_public`` becomes a visibility; a PUT replaces the extra properties
unless ``x-glance-registry-purge-props: false``; read-only fields a request
repeats must match the image (else 403); data goes only to a queued image;
an image whose data fails to arrive is killed.
"""

import contextlib
import dataclasses

from glance.api import image_body
from glance.api import parsing
from glance.api.v1 import image_meta
from glance.api.v1 import list_query
from glance.common import exception
from glance.common import wsgi
from glance.domain import lifecycle
from glance.domain.metadata import Change

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


def visibility_for_is_public(is_public, current=None):
    """The visibility ``is_public`` asks for.

    True is public.  False keeps a non-public visibility as it is and
    makes a public (or new) image shared, as Glance mapped it, so that v1
    members still see it.
    """
    if is_public:
        return 'public'
    if current is None or current == 'public':
        return 'shared'
    return current


def _check_expected(image, expected):
    """Read-only fields a request repeats must be the image's."""
    for name, value in expected.items():
        current = getattr(image, name)
        if value is not None and current is not None and current != value:
            raise exception.Forbidden(
                "Forbidden to modify '%s' of image %s." % (name, image.id))


class Controller:

    def __init__(self, services):
        self.images = services.images
        self.data = services.data

    def _list(self, req):
        query, as_admin = list_query.parse(req.params)
        context = req.context
        # An admin without a project has no images of its own to list.
        if not as_admin and context.owner is not None:
            context = dataclasses.replace(context, is_admin=False)
        return self.images.list(context, query)

    def index(self, req):
        return wsgi.json_response(
            {'images': [image_meta.summary(image)
                        for image in self._list(req)]})

    def detail(self, req):
        return wsgi.json_response(
            {'images': [image_meta.view(image) for image in self._list(req)]})

    def meta(self, req, image_id):
        image = self.images.get(req.context, image_id)
        response = wsgi.empty_response(200)
        response.headerlist.extend(image_meta.headers(image) +
                                   image_body.cache_headers(image))
        return response

    def show(self, req, image_id):
        image, response = image_body.download(req, self.data, image_id)
        if response is None:
            raise exception.NotFound('Image %s is not active.' % image_id)
        if response.status_code in (200, 206):
            response.headerlist.extend(image_meta.headers(image))
        return response

    def create(self, req):
        meta = image_meta.parse(req.headers)
        source = _Source(req, meta)
        self._check_source(req, meta, source)
        attributes = dict(meta.attributes)
        if 'is_public' in attributes:
            attributes['visibility'] = visibility_for_is_public(
                attributes.pop('is_public'))
        image = self.images.create(req.context, attributes, meta.properties)
        image = self._fill(req, image, meta, source)
        return wsgi.json_response({'image': image_meta.view(image)},
                                  status=201,
                                  headers=image_meta.location_headers(image))

    def update(self, req, image_id):
        meta = image_meta.parse(req.headers)
        source = _Source(req, meta)
        self._check_source(req, meta, source)
        purge = parsing.parse_bool(PURGE_HEADER,
                                   req.headers.get(PURGE_HEADER, 'true'))
        image = self.images.get(req.context, image_id)
        if source and image.status != lifecycle.QUEUED:
            raise exception.Conflict(
                'Image status must be queued to receive data, not %s.'
                % image.status)
        attributes = dict(meta.attributes)
        expected = {'id': attributes.pop('id', None), 'status': meta.status}
        if not source:
            expected.update(size=meta.size, checksum=meta.checksum)
        _check_expected(image, expected)
        if 'is_public' in attributes:
            attributes['visibility'] = visibility_for_is_public(
                attributes.pop('is_public'), image.visibility)
        changes = [Change('replace', name, value)
                   for name, value in attributes.items()]
        changes += [Change('add', name, value)
                    for name, value in meta.properties.items()]
        if purge and not source.body:
            changes += [Change('remove', name)
                        for name in image.extra_properties
                        if name not in meta.properties]
        image = self.images.update(req.context, image_id, changes)
        image = self._fill(req, image, meta, source)
        return wsgi.json_response({'image': image_meta.view(image)},
                                  headers=image_meta.location_headers(image))

    def delete(self, req, image_id):
        """200 once the data is removed; 202 while the image waits in
        pending_delete for a store to let its data go."""
        done = self.images.delete(req.context, image_id)
        return wsgi.empty_response(200 if done else 202)

    def _check_source(self, req, meta, source):
        """Refuse a bad store or source before anything is created."""
        if meta.store is not None:
            self.data.check_store(meta.store)
        if source.copy_from:
            self.data.check_source(req.context, source.copy_from, copy=True)
        elif source.location:
            self.data.check_source(req.context, source.location, copy=False)

    def _fill(self, req, image, meta, source):
        """Give a queued image the data of the request; the image after."""
        if source.body:
            with self._killed_on_failure(req.context, image.id):
                return self.data.upload(
                    req.context, image.id, req.environ['wsgi.input'],
                    source.size, meta.checksum, meta.store)
        if source.copy_from:
            with self._killed_on_failure(req.context, image.id):
                return self.data.copy_from(
                    req.context, image.id, source.copy_from, meta.checksum,
                    meta.store)
        if source.location:
            return self.data.set_location(
                req.context, image.id, source.location, source.size,
                meta.checksum)
        return image

    @contextlib.contextmanager
    def _killed_on_failure(self, context, image_id):
        """v1 kills an image whose data failed to arrive (v2 leaves it
        queued for another try)."""
        try:
            yield
        except BaseException:
            with contextlib.suppress(exception.GlanceException):
                self.data.kill(context, image_id)
            raise
