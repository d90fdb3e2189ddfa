"""V1Client: the Image API v1, metadata in ``x-image-meta-*`` headers.

An image's metadata is a dict of fields (``name``, ``disk_format``,
``is_public``, ...) with its free-form properties under ``properties``.  On
the wire a field travels as ``x-image-meta-<field>`` and a property as
``x-image-meta-property-<key>``; header names carry ``-`` where fields have
``_`` (a server reads both the same way, and some WSGI servers drop headers
with underscores).  ``copy_from`` becomes ``x-glance-api-copy-from``.
"""

import re

from glance.client import download
from glance.client import exceptions
from glance.client import transport

META_PREFIX = 'x-image-meta-'
PROPERTY_PREFIX = 'x-image-meta-property-'
COPY_FROM_HEADER = 'x-glance-api-copy-from'
PURGE_PROPS_HEADER = 'x-glance-registry-purge-props'
INTEGER_FIELDS = ('size', 'min_disk', 'min_ram')
BOOLEAN_FIELDS = ('is_public', 'deleted', 'protected')
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^`|~_-]+")


def _header_name(key):
    if not isinstance(key, str) or not _TOKEN.fullmatch(key):
        raise ValueError('%r cannot be sent as an image metadata header'
                         % (key,))
    return key.lower().replace('_', '-')


def _header_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    text = str(value)
    if '\r' in text or '\n' in text:
        raise ValueError('image metadata cannot hold line breaks: %r'
                         % text)
    # Non-ASCII text travels as UTF-8 (http.client would send latin-1).
    return text if text.isascii() else text.encode('utf-8')


def _decoded(value):
    """A header value as text: http.client reads headers as latin-1."""
    try:
        return value.encode('latin-1').decode('utf-8')
    except UnicodeError:
        return value


def meta_to_headers(meta):
    """The request headers carrying an image metadata dict."""
    headers = {}
    for key, value in meta.items():
        if key == 'properties':
            for name, prop in (value or {}).items():
                headers[PROPERTY_PREFIX + _header_name(name)] = \
                    _header_value('' if prop is None else prop)
        elif key == 'copy_from':
            headers[COPY_FROM_HEADER] = _header_value(value)
        elif value is not None:
            headers[META_PREFIX + _header_name(key)] = _header_value(value)
    return headers


def headers_to_meta(headers):
    """The image metadata dict that response headers carry."""
    meta, properties = {}, {}
    for name, value in headers.items():
        name = name.lower()
        if name.startswith(PROPERTY_PREFIX):
            key = name[len(PROPERTY_PREFIX):].replace('-', '_')
            properties[key] = _decoded(value) or None
        elif name.startswith(META_PREFIX):
            key = name[len(META_PREFIX):].replace('-', '_')
            meta[key] = _decoded(value) or None
    for key in INTEGER_FIELDS:
        if meta.get(key) is not None:
            try:
                meta[key] = int(meta[key])
            except ValueError:
                raise exceptions.CommunicationError(
                    'Invalid %s in the response: %r' % (key, meta[key]))
    for key in BOOLEAN_FIELDS:
        if meta.get(key) is not None:
            meta[key] = meta[key].lower() in ('true', '1', 'yes', 'on')
    meta['properties'] = properties
    return meta


class V1Client(transport.BaseClient):
    """The Image API v1, as Glance's original client spoke it.

    Lists, members and the cache management API answer JSON; an image's
    metadata comes from headers (get_image, get_image_meta) or from the
    JSON ``image`` of add_image and update_image.  Image data streams both
    ways as in V2Client.
    """

    doc_root = '/v1'

    def _images(self, path, filters, limit, marker, sort_key, sort_dir):
        query = {name: transport.query_value(value)
                 for name, value in (filters or {}).items()}
        for name, value in (('limit', limit), ('marker', marker),
                            ('sort_key', sort_key), ('sort_dir', sort_dir)):
            if value is not None:
                query[name] = value
        return self.json_request('GET', path, query=query)[1]['images']

    def get_images(self, filters=None, *, limit=None, marker=None,
                   sort_key=None, sort_dir=None):
        """One page of images (id, name, formats, checksum, size).

        ``filters``: ``name``, ``status``, ``disk_format``, ``size_min``,
        ``changes-since``, ``property-<key>``, ...; page on with ``marker``
        (the id of the last image of the previous page).
        """
        return self._images('/images', filters, limit, marker, sort_key,
                            sort_dir)

    def get_images_detailed(self, filters=None, *, limit=None, marker=None,
                            sort_key=None, sort_dir=None):
        """One page of images with all their metadata."""
        return self._images('/images/detail', filters, limit, marker,
                            sort_key, sort_dir)

    def get_image(self, image_id, *, progress=None, verify=True):
        """(metadata, ImageData): the data streams as it is read."""
        response = self.request('GET', transport.path('images', image_id),
                                headers={'Accept': transport.OCTET_STREAM})
        meta = headers_to_meta(response.headers)
        checksum = meta.get('checksum') or \
            (response.headers.get('ETag') or '').strip('"') or None
        return meta, download.ImageData(response, self.chunk_size,
                                        checksum=checksum, progress=progress,
                                        verify=verify)

    def download_image(self, image_id, destination, *, progress=None,
                       verify=True):
        """Stream the image's data into a path or a binary file; the number
        of bytes.  A path appears only once the data is complete and
        verified."""
        return download.save(self.get_image(image_id, progress=progress,
                                            verify=verify)[1], destination)

    def get_image_meta(self, image_id):
        """The image's metadata (HEAD: no data moves)."""
        response = self.request('HEAD', transport.path('images', image_id))
        response.read()
        return headers_to_meta(response.headers)

    def _send_image(self, method, path, headers, data, size, progress):
        headers['Accept'] = transport.JSON
        response = self.request(method, path, headers=headers, body=data,
                                size=size, progress=progress)
        return response.json()['image']

    def add_image(self, image_meta=None, image_data=None, *, size=None,
                  progress=None):
        """Create an image; with ``image_data`` (bytes, a binary file or an
        iterable of bytes) its data is uploaded in the same request.  The
        new image's metadata."""
        return self._send_image('POST', '/images',
                                meta_to_headers(image_meta or {}),
                                image_data, size, progress)

    def update_image(self, image_id, image_meta=None, image_data=None, *,
                     purge_props=None, size=None, progress=None):
        """Change metadata and/or upload the data of a queued image.

        ``purge_props=False`` keeps the properties ``image_meta`` does not
        name (the server drops them by default).
        """
        headers = meta_to_headers(image_meta or {})
        if purge_props is not None:
            headers[PURGE_PROPS_HEADER] = _header_value(purge_props)
        return self._send_image('PUT', transport.path('images', image_id),
                                headers, image_data, size, progress)

    def delete_image(self, image_id):
        self.request('DELETE', transport.path('images', image_id)).read()

    def get_image_members(self, image_id):
        """``[{"member_id": ..., "can_share": ...}, ...]``"""
        return self.json_request(
            'GET', transport.path('images', image_id, 'members'))[1]['members']

    def get_member_images(self, member_id):
        """Images shared with ``member_id``: ``[{"image_id", "can_share"}]``"""
        return self.json_request(
            'GET', transport.path('shared-images', member_id)
        )[1]['shared_images']

    def replace_members(self, image_id, *memberships):
        """Make ``memberships`` (``{"member_id", "can_share"}`` dicts) the
        image's whole member list."""
        self.json_request('PUT', transport.path('images', image_id, 'members'),
                          body={'memberships': list(memberships)})

    def add_member(self, image_id, member_id, can_share=None):
        """Share the image with ``member_id`` (or change ``can_share``)."""
        body = None if can_share is None \
            else {'member': {'can_share': can_share}}
        self.json_request(
            'PUT', transport.path('images', image_id, 'members', member_id),
            body=body)

    def delete_member(self, image_id, member_id):
        self.json_request(
            'DELETE', transport.path('images', image_id, 'members', member_id))

    def get_cached_images(self):
        """``[{"image_id", "hits", "last_accessed", "last_modified",
        "size"}, ...]``"""
        return self.json_request('GET', '/cached_images')[1]['cached_images']

    def get_queued_images(self):
        """Ids of the images queued for caching."""
        return self.json_request('GET', '/queued_images')[1]['queued_images']

    def delete_cached_image(self, image_id):
        self.json_request('DELETE', transport.path('cached_images', image_id))

    def delete_all_cached_images(self):
        """Empty the cache; the number of entries deleted."""
        return self.json_request('DELETE', '/cached_images')[1]['num_deleted']

    def queue_image_for_caching(self, image_id):
        self.json_request('PUT', transport.path('queued_images', image_id))

    def delete_queued_image(self, image_id):
        self.json_request('DELETE', transport.path('queued_images', image_id))

    def delete_all_queued_images(self):
        """Empty the queue; the number of entries deleted."""
        return self.json_request('DELETE', '/queued_images')[1]['num_deleted']
