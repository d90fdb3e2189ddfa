"""Downloads with a ``Range`` header, in v1 and v2 alike."""

import os

import pytest

from tests.unit.api.helpers import create
from tests.unit.api.helpers import upload

# Over 1 MiB, so ranges cross the chunks of an iterated download too.
DATA = os.urandom(2 * 1024 * 1024 + 17)


@pytest.fixture
def download(api):
    """``download(range_header)``: the answer of each API version to a
    download of an image holding DATA."""
    image = create(api, disk_format='raw', container_format='bare')
    assert upload(api, image['id'], DATA).status_code == 204
    paths = ('/v1/images/' + image['id'], image['file'])
    return lambda header: [api.get(path, headers={'Range': header})
                           for path in paths]


@pytest.mark.parametrize('header, start, stop', [
    ('bytes=100-199', 100, 200), ('bytes=0-0', 0, 1),
    ('bytes=1048575-2097152', 1048575, 2097153),
    ('bytes=2000000-', 2000000, len(DATA)),
    ('bytes=-10', len(DATA) - 10, len(DATA)),
    ('bytes=0-%d' % (len(DATA) * 2), 0, len(DATA))])
def test_a_range_is_206_with_those_bytes(download, header, start, stop):
    for response in download(header):
        assert response.status_code == 206
        assert response.content == DATA[start:stop]
        assert response.headers['Content-Range'] == 'bytes %d-%d/%d' % (
            start, stop - 1, len(DATA))
        assert response.headers['Content-Length'] == str(stop - start)


@pytest.mark.parametrize('header', [
    'bytes=%d-' % len(DATA), 'bytes=%d-' % 2 ** 70, 'bytes=10-5',
    'bytes=--1', 'bytes=abc', 'items=0-1', ''])
def test_an_unsatisfiable_or_unreadable_range_is_416(download, header):
    for response in download(header):
        assert response.status_code == 416, header
        assert response.headers['Content-Range'] == 'bytes */%d' % len(DATA)


def test_several_ranges_are_400(download):
    for response in download('bytes=0-1,3-4'):
        assert response.status_code == 400
        assert 'multiple ranges are not supported' in response.text
