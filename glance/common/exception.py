"""Exceptions of the domain, stores and database layers.

They carry no HTTP knowledge: ``glance.common.errors`` holds the one table
that maps them to HTTP statuses.  The message is safe to show to a client.
"""


class GlanceException(Exception):
    message = 'An unknown exception occurred'

    def __init__(self, message=None, **kwargs):
        if message is None:
            message = self.message % kwargs if kwargs else self.message
        self.msg = message
        super().__init__(message)


class ConfigError(GlanceException):
    message = 'Invalid configuration'


class NotFound(GlanceException):
    message = 'An object with the specified identifier was not found.'


class ImageNotFound(NotFound):
    message = 'No image found with ID %(image_id)s'


class MemberNotFound(NotFound):
    message = 'Member %(member_id)s not found for image %(image_id)s.'


class TaskNotFound(NotFound):
    message = 'Task with the given id %(task_id)s was not found'


class Forbidden(GlanceException):
    message = 'You are not authorized to complete this action.'


class ReadonlyProperty(Forbidden):
    message = "Attribute '%(property)s' is read-only."


class ReservedProperty(Forbidden):
    message = "Attribute '%(property)s' is reserved."


class ProtectedProperty(Forbidden):
    message = "Property '%(property)s' is protected."


class ProtectedImageDelete(Forbidden):
    message = 'Image %(image_id)s is protected and cannot be deleted.'


class NotAuthenticated(GlanceException):
    message = 'You are not authenticated.'


class Invalid(GlanceException):
    message = 'Data supplied was not valid.'


class InvalidParameterValue(Invalid):
    message = "Invalid value '%(value)s' for parameter '%(param)s': %(extra)s"


class InvalidSortKey(Invalid):
    message = 'Sort key supplied is invalid: %(key)s'


class InvalidSortDir(Invalid):
    message = 'Sort direction supplied is invalid: %(direction)s'


class InvalidFilterOperatorValue(Invalid):
    message = 'Unable to filter using the specified operator.'


class InvalidFilterRangeValue(Invalid):
    message = 'Unable to filter using the specified range.'


class InvalidSource(Invalid):
    message = 'The image source %(uri)s cannot be read: %(reason)s'


class ImageFormatRefused(Invalid):
    message = 'Image data refused: %(reason)s.'


class DuplicateLocation(Invalid):
    message = 'The location %(location)s already exists'


class BadRequest(Invalid):
    message = 'The request was malformed.'


class ClientDisconnect(Invalid):
    message = 'The client went away before sending all the image data.'


class ChecksumMismatch(Invalid):
    message = ('Supplied checksum (%(supplied)s) and checksum generated from '
               'uploaded image (%(computed)s) did not match. Setting image '
               'status to \'killed\'.')


class Conflict(GlanceException):
    message = 'The request conflicts with the current state of the image.'


class ImportLockLost(Conflict):
    message = ('Import task %(task_id)s of image %(image_id)s was stopped: '
               'another task took over its import lock.')


class Duplicate(Conflict):
    message = 'An object with the same identifier already exists.'


class UploadCancelled(Conflict):
    message = ('The upload was cancelled: its partial data was removed, as '
               'the image was deleted or its upload found stalled.')


class InUseByStore(Conflict):
    message = ('The image cannot be deleted because it is in use through '
               'the backend store outside of Glance: %(reason)s')


class InvalidImageStatusTransition(Conflict):
    message = 'Image status transition from %(cur_status)s to ' \
              '%(new_status)s is not allowed'


class ImageSizeLimitExceeded(GlanceException):
    message = 'The provided image is too large.'


class LimitExceeded(GlanceException):
    message = 'The request exceeds a limit: %(limit)s'


class ImagePropertyLimitExceeded(LimitExceeded):
    message = ('The limit has been exceeded on the number of allowed image '
               'properties (image_property_quota). Attempted: '
               '%(attempted)s, Maximum: %(maximum)s')


class ImageTagLimitExceeded(LimitExceeded):
    message = ('The limit has been exceeded on the number of allowed image '
               'tags (image_tag_quota). Attempted: %(attempted)s, Maximum: '
               '%(maximum)s')


class ImageMemberLimitExceeded(LimitExceeded):
    message = ('The limit has been exceeded on the number of allowed image '
               'members for this image (image_member_quota). Attempted: '
               '%(attempted)s, Maximum: %(maximum)s')


class ImageLocationLimitExceeded(LimitExceeded):
    message = ('The limit has been exceeded on the number of allowed image '
               'locations (image_location_quota). Attempted: %(attempted)s, '
               'Maximum: %(maximum)s')


class StorageQuotaFull(LimitExceeded):
    message = ('The size of the data %(image_size)s will exceed the limit '
               '(user_storage_quota). %(remaining)s bytes remaining.')


class StorageFull(GlanceException):
    message = 'There is not enough disk space on the image storage media.'


class StorageWriteDenied(GlanceException):
    message = 'Permission to write image storage media denied.'


class StoreUnavailable(GlanceException):
    message = 'The image store is unavailable: %(reason)s'


class StoreDeleteFailed(StoreUnavailable):
    message = 'The image store could not remove image data: %(reason)s'


class UnknownScheme(GlanceException):
    message = 'Unknown scheme %(scheme)s found in URI'


class BadStoreUri(GlanceException):
    message = 'The store URI was malformed: %(uri)s'


class DatabaseUnavailable(GlanceException):
    message = 'The image database is unavailable: %(reason)s'


class RegistryUnavailable(GlanceException):
    message = 'The image registry is unavailable: %(reason)s'


class LimitsUnavailable(GlanceException):
    message = ('The project limits cannot be read from Keystone: '
               '%(reason)s')


class InvalidRange(GlanceException):
    message = 'The requested range is not satisfiable.'


class MetadefNamespaceNotFound(NotFound):
    message = 'Metadata definition namespace=%(namespace)s was not found.'


class MetadefItemNotFound(NotFound):
    message = ('Metadata definition %(kind)s=%(name)s was not found in '
               'namespace=%(namespace)s.')


class ProtectedMetadefDelete(Forbidden):
    message = ('Metadata definition namespace %(namespace)s is protected: '
               'its %(what)s cannot be deleted.')


class SourceRefused(Invalid):
    """An http location or copy-from source on an address the http store
    may not read from."""
    message = 'Image data may not be read from %(uri)s: %(reason)s'


class ImportRefused(Invalid):
    """A web-download source the import filters do not allow."""
    message = 'Import from %(uri)s is not allowed: %(reason)s'


class ImportFailed(Invalid):
    """An import plugin refused or could not process the image data."""
    message = 'The image data cannot be imported: %(reason)s'


class StagedOnAnotherNode(GlanceException):
    """The staged data of an image is on another API node, which the
    request must be passed on to (at ``url``)."""
    message = 'The image data is staged on %(url)s.'

    def __init__(self, url):
        super().__init__(url=url)
        self.url = url
