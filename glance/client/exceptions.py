"""What the client raises: every failure is a ClientException.

An error answer of the server becomes the HTTPError subclass of its status,
carrying ``status``, the server's ``message`` and its ``request_id`` (quote
it to the operator: it is in the server's log).  Failures without an answer
(refused, reset, timed out) are CommunicationError; downloaded bytes that do
not match the image's size or checksum are DataIntegrityError.
"""


class ClientException(Exception):
    """Base of every error of glance.client."""

    status = None

    def __init__(self, message, status=None, request_id=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.request_id = request_id

    def __str__(self):
        text = self.message
        if self.status is not None:
            text = 'HTTP %d: %s' % (self.status, text)
        if self.request_id:
            text += ' (request %s)' % self.request_id
        return text


class CommunicationError(ClientException):
    """No usable answer: connection refused or lost, timeout, bad reply."""


class DataIntegrityError(ClientException):
    """Downloaded data differs from the image's size or checksum."""


class NoImageData(ClientException):
    """The image has no data to download (yet)."""


class HTTPError(ClientException):
    """The server answered with an error status."""


class BadRequest(HTTPError):
    status = 400


class NotAuthenticated(HTTPError):
    status = 401


class Forbidden(HTTPError):
    status = 403


class NotFound(HTTPError):
    status = 404


class MethodNotAllowed(HTTPError):
    status = 405


class Conflict(HTTPError):
    status = 409


class RequestEntityTooLarge(HTTPError):
    status = 413


class UnsupportedMediaType(HTTPError):
    status = 415


class RangeNotSatisfiable(HTTPError):
    status = 416


class ServerError(HTTPError):
    status = 500


class ServiceUnavailable(ServerError):
    status = 503


_BY_STATUS = {cls.status: cls for cls in (
    BadRequest, NotAuthenticated, Forbidden, NotFound, MethodNotAllowed,
    Conflict, RequestEntityTooLarge, UnsupportedMediaType,
    RangeNotSatisfiable, ServerError, ServiceUnavailable)}


def for_status(status):
    """The exception class of an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else HTTPError
