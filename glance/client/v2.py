"""V2Client: the Image API v2 (JSON bodies, JSON-patch updates)."""

import urllib.parse

from glance.client import download
from glance.client import exceptions
from glance.client import transport

PATCH_MEDIA_TYPE = 'application/openstack-images-v2.1-json-patch'


def _pointer(name):
    """A JSON pointer to a top-level image attribute (RFC 6901)."""
    return '/' + name.replace('~', '~0').replace('/', '~1')


def _list_query(filters, page_size, sort):
    query = []
    for name, value in (filters or {}).items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        query += [(name, transport.query_value(v)) for v in values]
    if page_size is not None:
        query.append(('limit', page_size))
    if sort is not None:
        query.append(('sort', sort))
    return query


class V2Client(transport.BaseClient):
    """The Image API v2.

    Images are plain dicts, as the API returns them.  Data moves as streams:
    upload_image() takes bytes, a binary file (sent with its size) or an
    iterable of bytes (sent chunked); image_data() and download_image()
    stream the data out and check its size and MD5 checksum.
    """

    doc_root = '/v2'

    def list_images(self, filters=None, *, page_size=None, limit=None,
                    sort=None):
        """Iterate over the images matching ``filters``, page after page.

        ``filters`` maps a query parameter to a value or a list of values
        (``{'tag': ['a', 'b'], 'status': 'active'}``); ``page_size`` is the
        ``limit`` of each request; ``limit`` caps the number of images
        yielded; ``sort`` is e.g. ``'name:asc,created_at:desc'``.  Pages
        are fetched as the iteration reaches them, following ``next``.
        """
        path, query = '/images', _list_query(filters, page_size, sort)
        returned = 0
        while True:
            _, page = self.json_request('GET', path, query=query)
            for image in page.get('images', []):
                if limit is not None and returned >= limit:
                    return
                returned += 1
                yield image
            if not page.get('next') or \
                    (limit is not None and returned >= limit):
                return
            path, query = self._relative(page['next'])

    def _relative(self, link):
        """Path under doc_root and query string of a link of the API."""
        parts = urllib.parse.urlsplit(link)
        for root in (self.path_prefix + self.doc_root, self.doc_root):
            if parts.path.startswith(root + '/'):
                return parts.path[len(root):], parts.query
        raise exceptions.CommunicationError(
            'Unexpected link in the response: %r' % link)

    def get_image(self, image_id):
        return self.json_request('GET', transport.path('images', image_id))[1]

    def create_image(self, **fields):
        """Create an image record (status ``queued``); the new image."""
        return self.json_request('POST', '/images', body=fields)[1]

    def update_image(self, image_id, *, remove=(), **changes):
        """Set the attributes and properties in ``changes`` and remove the
        properties named in ``remove``; the updated image."""
        operations = [{'op': 'add', 'path': _pointer(name), 'value': value}
                      for name, value in changes.items()]
        operations += [{'op': 'remove', 'path': _pointer(name)}
                       for name in remove]
        return self.patch_image(image_id, operations)

    def patch_image(self, image_id, operations):
        """Apply JSON-patch ``operations`` (``{"op", "path", "value"}``)."""
        return self.json_request('PATCH', transport.path('images', image_id),
                                 body=operations,
                                 content_type=PATCH_MEDIA_TYPE)[1]

    def delete_image(self, image_id):
        self.json_request('DELETE', transport.path('images', image_id))

    def upload_image(self, image_id, data, *, size=None, progress=None):
        """Upload the data of a queued image.

        ``data``: bytes, a binary file (from its current position) or an
        iterable of bytes.  A file's size is found by itself; an iterable
        goes chunked unless ``size`` is given.  ``progress(sent, total)``
        is called as the data goes out (``total`` None when unknown).
        """
        self.request('PUT', transport.path('images', image_id, 'file'),
                     body=data, size=size, progress=progress).read()

    def image_data(self, image_id, *, progress=None, verify=True):
        """The image's data as a stream (ImageData); empty when the image
        has none yet.  ``progress(received, total)`` follows the reading."""
        response = self.request(
            'GET', transport.path('images', image_id, 'file'),
            headers={'Accept': transport.OCTET_STREAM})
        return download.ImageData(
            response, self.chunk_size,
            checksum=response.headers.get('Content-MD5'), progress=progress,
            verify=verify)

    def download_image(self, image_id, destination, *, progress=None,
                       verify=True):
        """Stream the image's data into ``destination`` (a path or a binary
        file); the number of bytes.  A path appears only once the data is
        complete and verified.  NoImageData if the image has no data."""
        data = self.image_data(image_id, progress=progress, verify=verify)
        if not data.has_data:
            data.close()
            raise exceptions.NoImageData('Image %s has no data' % image_id)
        return download.save(data, destination)

    def add_tag(self, image_id, tag):
        self.request('PUT',
                     transport.path('images', image_id, 'tags', tag)).read()

    def delete_tag(self, image_id, tag):
        self.request('DELETE',
                     transport.path('images', image_id, 'tags', tag)).read()

    def list_members(self, image_id):
        """The image's members: ``[{"member_id", "status", ...}]``."""
        return self.json_request(
            'GET', transport.path('images', image_id, 'members'))[1]['members']

    def get_member(self, image_id, member_id):
        return self.json_request(
            'GET', transport.path('images', image_id, 'members', member_id))[1]

    def add_member(self, image_id, member_id):
        """Share a ``shared`` image with a project (status ``pending``)."""
        return self.json_request(
            'POST', transport.path('images', image_id, 'members'),
            body={'member': member_id})[1]

    def update_member(self, image_id, member_id, status):
        """The member's answer: ``accepted``, ``rejected`` or ``pending``."""
        return self.json_request(
            'PUT', transport.path('images', image_id, 'members', member_id),
            body={'status': status})[1]

    def delete_member(self, image_id, member_id):
        self.json_request(
            'DELETE', transport.path('images', image_id, 'members', member_id))

    def deactivate_image(self, image_id):
        self.request('POST', transport.path('images', image_id, 'actions',
                                            'deactivate')).read()

    def reactivate_image(self, image_id):
        self.request('POST', transport.path('images', image_id, 'actions',
                                            'reactivate')).read()

    def get_schema(self, name):
        """A JSON schema: ``image``, ``images``, ..."""
        return self.json_request('GET', transport.path('schemas', name))[1]
