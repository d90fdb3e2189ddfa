"""Conditional requests on image data, as RFC 9110 (section 13) orders them.

``evaluate(headers, method, etag, last_modified)`` says what a download
answers given the request's preconditions and the image's validators (its
entity tag without quotes, or None, and the time of its last change):

1. ``If-Match`` (strong comparison; ``*`` matches), or else
   ``If-Unmodified-Since``: 412 when it fails;
2. ``If-None-Match`` (weak comparison; ``*`` matches): 304 for GET and
   HEAD, 412 otherwise, when a tag matches; or else, for GET and HEAD,
   ``If-Modified-Since``: 304 when nothing changed since that date;
3. ``If-Range``: the ``Range`` header counts only when its entity tag
   matches strongly, or its date is exactly the Last-Modified.

Dates that cannot be parsed are ignored, as the RFC says.  An entity tag
sent without its quotes still matches (clients that strip them).
"""

import dataclasses

import webob.datetime_utils
import webob.etag

NOT_MODIFIED = 304
PRECONDITION_FAILED = 412


@dataclasses.dataclass(frozen=True)
class Outcome:
    """``status``: None to answer normally, else 304 or 412; ``use_range``:
    whether a Range header is to be honoured."""
    status: int | None
    use_range: bool


def evaluate(headers, method, etag, last_modified):
    """The Outcome of a request's preconditions (see the module doc).
    ``last_modified`` is a timezone-aware datetime, whole seconds."""
    safe = method in ('GET', 'HEAD')
    if not _if_match(headers, etag, last_modified):
        return Outcome(PRECONDITION_FAILED, False)
    if not _if_none_match(headers, etag, last_modified, safe):
        return Outcome(NOT_MODIFIED if safe else PRECONDITION_FAILED, False)
    return Outcome(None, 'Range' in headers and _if_range(
        headers.get('If-Range'), etag, last_modified))


def _if_match(headers, etag, last_modified):
    """Whether If-Match, or else If-Unmodified-Since, holds."""
    value = headers.get('If-Match')
    if value is not None:
        return _matches(value, etag, strong=True)
    since = _date(headers.get('If-Unmodified-Since'))
    return since is None or last_modified <= since


def _if_none_match(headers, etag, last_modified, safe):
    """Whether If-None-Match, or else If-Modified-Since, holds (False:
    the client has this version)."""
    value = headers.get('If-None-Match')
    if value is not None:
        return not _matches(value, etag, strong=False)
    since = _date(headers.get('If-Modified-Since')) if safe else None
    return since is None or last_modified > since


def _if_range(value, etag, last_modified):
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', 'W/')):
        return _matches(value, etag, strong=True)
    return _date(value) == last_modified


def _matches(value, etag, strong):
    """Whether the entity tag list ``value`` names ``etag``; a strong
    comparison leaves weak tags (W/"...") out of the list."""
    tags = webob.etag.ETagMatcher.parse(value.strip(), strong=strong)
    if tags is webob.etag.AnyETag:
        return True
    return etag is not None and etag in tags


def _date(value):
    """An HTTP-date as an aware datetime; None if absent or unreadable."""
    if not value:
        return None
    return webob.datetime_utils.parse_date(value)
