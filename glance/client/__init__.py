"""A small Python client for glance-api: Image API v1 and v2.

    from glance.client import V2Client
    glance = V2Client.from_url('http://127.0.0.1:9292', auth_token=token)
    image = glance.create_image(name='cirros', disk_format='qcow2',
                                container_format='bare')
    with open('cirros.img', 'rb') as f:
        glance.upload_image(image['id'], f)
    glance.download_image(image['id'], 'copy.img')

Standard library only (http.client): the project's own tools use it, and so
can any Python program that wants a small dependency.  doc/client.md has the
whole story.
"""

from glance.client.exceptions import (  # noqa: F401
    BadRequest, ClientException, CommunicationError, Conflict,
    DataIntegrityError, Forbidden, HTTPError, MethodNotAllowed, NoImageData,
    NotAuthenticated, NotFound, RangeNotSatisfiable, RequestEntityTooLarge,
    ServerError, ServiceUnavailable, UnsupportedMediaType)
from glance.client.download import ImageData  # noqa: F401
from glance.client.transport import DEFAULT_PORT  # noqa: F401
from glance.client.v1 import V1Client
from glance.client.v2 import V2Client  # noqa: F401

# Glance's original module offered the v1 client under this name.
Client = V1Client
