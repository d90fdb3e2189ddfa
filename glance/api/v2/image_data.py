"""``/v2/images/{image_id}/file``: stream image data in and out.

Uploads are read straight from ``wsgi.input`` (Content-Length or chunked)
and never buffered whole, into the store ``X-Image-Meta-Store`` names when
several are enabled; downloads are glance.api.image_body's, shared
with the other API versions (sendfile for file-backed data, ``Range``).
"""

import webob
import webob.exc

from glance.api import image_body
from glance.common import wsgi

UPLOAD_MEDIA_TYPE = image_body.MEDIA_TYPE
# The store an upload goes to, with several stores (Glance's header).
STORE_HEADER = 'X-Image-Meta-Store'


class Controller:

    def __init__(self, service):
        self.service = service

    def upload(self, req, image_id):
        if req.content_type != UPLOAD_MEDIA_TYPE:
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation='Image data must be sent as %s'
                            % UPLOAD_MEDIA_TYPE)
        self.service.upload(req.context, image_id, req.environ['wsgi.input'],
                            req.content_length,
                            store_id=req.headers.get(STORE_HEADER))
        return wsgi.empty_response()

    def download(self, req, image_id):
        image, response = image_body.download(req, self.service, image_id)
        if response is None:
            return wsgi.empty_response()
        if response.status_code == 200 and image.checksum:
            response.headers['Content-MD5'] = image.checksum
        return response
