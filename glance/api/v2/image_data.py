"""``/v2/images/{image_id}/file``: stream image data in and out.

Uploads are read straight from ``wsgi.input`` (Content-Length or chunked)
and never buffered whole; downloads stream from the store, with ``Range``
answered by 206 and ``Content-Range``.
"""

import webob.exc

from glance.common import wsgi

UPLOAD_MEDIA_TYPE = wsgi.OCTET_STREAM


class Controller:

    def __init__(self, service):
        self.service = service

    def upload(self, req, image_id):
        if req.content_type != UPLOAD_MEDIA_TYPE:
            raise webob.exc.HTTPUnsupportedMediaType(
                explanation='Image data must be sent as %s'
                            % UPLOAD_MEDIA_TYPE)
        self.service.upload(req.context, image_id, req.environ['wsgi.input'],
                            req.content_length)
        return wsgi.empty_response()

    def download(self, req, image_id):
        offset, length = 0, None
        image = self.service.get(req.context, image_id)
        byte_range = req.range.range_for_length(image.size) \
            if req.range is not None and image.size else None
        if req.range is not None and image.size and byte_range is None:
            return webob.exc.HTTPRequestRangeNotSatisfiable(
                headers=[('Content-Range', 'bytes */%d' % image.size)])
        if byte_range is not None:
            offset, length = byte_range[0], byte_range[1] - byte_range[0]
        image, data = self.service.download(req.context, image_id,
                                            offset, length)
        if data is None:
            return wsgi.empty_response()
        response = wsgi.image_data_response(data)
        if byte_range is not None:
            response.status = 206
            response.content_range = (offset, offset + data.size, image.size)
        elif image.checksum:
            response.headers['Content-MD5'] = image.checksum
        return response
