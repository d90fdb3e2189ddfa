"""The one table mapping domain exceptions to HTTP errors.

Controllers raise domain exceptions; the router turns them into responses
here.  Anything not in the table is a 500 whose traceback stays in the
server log: a client only ever sees the request id to quote.
"""

import logging

import webob.exc

from glance.common import exception

LOG = logging.getLogger(__name__)

# Most specific first: the first matching class wins.
ERROR_MAP = (
    (exception.ImageNotFound, webob.exc.HTTPNotFound),
    (exception.NotFound, webob.exc.HTTPNotFound),
    (exception.NotAuthenticated, webob.exc.HTTPUnauthorized),
    (exception.Forbidden, webob.exc.HTTPForbidden),
    (exception.InvalidRange, webob.exc.HTTPRequestRangeNotSatisfiable),
    (exception.Invalid, webob.exc.HTTPBadRequest),
    (exception.Conflict, webob.exc.HTTPConflict),
    (exception.ImageSizeLimitExceeded, webob.exc.HTTPRequestEntityTooLarge),
    (exception.LimitExceeded, webob.exc.HTTPRequestEntityTooLarge),
    (exception.StorageFull, webob.exc.HTTPRequestEntityTooLarge),
    (exception.StorageWriteDenied, webob.exc.HTTPServiceUnavailable),
    (exception.StoreUnavailable, webob.exc.HTTPServiceUnavailable),
    (exception.RegistryUnavailable, webob.exc.HTTPServiceUnavailable),
    (exception.LimitsUnavailable, webob.exc.HTTPServiceUnavailable),
    (exception.DatabaseUnavailable, webob.exc.HTTPServiceUnavailable),
    (exception.UnknownScheme, webob.exc.HTTPBadRequest),
    (exception.BadStoreUri, webob.exc.HTTPBadRequest),
)


def to_http_error(error, request_id=None):
    """An HTTP error response for any exception raised by a controller."""
    if isinstance(error, webob.exc.HTTPException):
        return error
    for exc_class, http_class in ERROR_MAP:
        if isinstance(error, exc_class):
            return http_class(explanation=str(error))
    LOG.error('Unhandled error serving request %s', request_id,
              exc_info=error)
    return webob.exc.HTTPInternalServerError(
        explanation='The server has either erred or is incapable of '
                    'performing the requested operation. Request id: %s'
                    % request_id)
