"""Downloads with a ``Range`` header, validators and preconditions, in v1
and v2 alike."""

import hashlib
import os
import time

import pytest
import webob.datetime_utils

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import upload

# Over 1 MiB, so ranges cross the chunks of an iterated download too.
DATA = os.urandom(2 * 1024 * 1024 + 17)
ETAG = '"%s"' % hashlib.md5(DATA).hexdigest()


@pytest.fixture
def download(api):
    """``download(range_header)``: the answer of each API version to a
    download of an image holding DATA."""
    image = create(api, disk_format='raw', container_format='bare')
    assert upload(api, image['id'], DATA).status_code == 204
    paths = ('/v1/images/' + image['id'], image['file'])
    return lambda header: [api.get(path, headers={'Range': header})
                           for path in paths]


@pytest.fixture
def stored(api):
    """``(image, paths)``: an image holding DATA and its download paths in
    v1 and v2."""
    image = create(api, disk_format='raw', container_format='bare')
    assert upload(api, image['id'], DATA).status_code == 204
    return image, ('/v1/images/' + image['id'], image['file'])


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


def test_downloads_carry_validators_and_cache_control(api, stored):
    image, paths = stored
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200 and response.content == DATA
        assert response.headers['ETag'] == ETAG
        assert webob.datetime_utils.parse_date(
            response.headers['Last-Modified']) is not None
        assert response.headers['Cache-Control'] == 'no-cache'
        ranged = api.get(path, headers={'Range': 'bytes=0-9'})
        assert ranged.status_code == 206
        assert ranged.headers['ETag'] == ETAG
        assert ranged.headers['Cache-Control'] == 'no-cache'
    assert api.get(paths[1]).headers['Content-MD5'] == ETAG.strip('"')
    assert 'Content-MD5' not in api.get(
        paths[1], headers={'Range': 'bytes=0-9'}).headers


def test_if_none_match_and_if_modified_since_are_304(api, stored):
    image, paths = stored
    modified = api.get(paths[1]).headers['Last-Modified']
    for path in paths:
        for headers in ({'If-None-Match': ETAG},
                        {'If-None-Match': 'W/' + ETAG + ', "x"'},
                        {'If-None-Match': '*'},
                        {'If-Modified-Since': modified},
                        {'If-None-Match': ETAG,
                         'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT'},
                        {'If-None-Match': ETAG, 'Range': 'bytes=0-9'}):
            response = api.get(path, headers=headers)
            assert response.status_code == 304, (path, headers)
            assert response.content == b''
            assert response.headers['ETag'] == ETAG
            assert response.headers['Last-Modified'] == modified
            assert response.headers['Cache-Control'] == 'no-cache'
            assert 'x-image-meta-id' not in response.headers
        for headers in ({'If-None-Match': '"other"'},
                        {'If-None-Match': '"other"',
                         'If-Modified-Since': modified},
                        {'If-Modified-Since':
                         'Thu, 01 Jan 1970 00:00:00 GMT'}):
            response = api.get(path, headers=headers)
            assert response.status_code == 200 and response.content == DATA


def test_a_metadata_change_moves_last_modified_not_the_etag(api, stored):
    image, paths = stored
    before = api.get(paths[1]).headers['Last-Modified']
    time.sleep(1.1)
    assert patch(api, image['id'], {'op': 'replace', 'path': '/name',
                                    'value': 'renamed'}).status_code == 200
    after = api.get(paths[1])
    assert after.headers['ETag'] == ETAG
    assert after.headers['Last-Modified'] != before
    assert api.get(paths[1], headers={
        'If-Modified-Since': before}).status_code == 200
    assert api.get(paths[1], headers={
        'If-None-Match': ETAG, 'If-Modified-Since': before}).status_code == 304


def test_if_match_is_412_when_the_data_is_another(api, stored):
    image, paths = stored
    for path in paths:
        assert api.get(path, headers={
            'If-Match': '"other"'}).status_code == 412
        assert api.get(path, headers={
            'If-Unmodified-Since':
            'Thu, 01 Jan 1970 00:00:00 GMT'}).status_code == 412
        matched = api.get(path, headers={'If-Match': ETAG,
                                         'Range': 'bytes=5-9'})
        assert matched.status_code == 206 and matched.content == DATA[5:10]


def test_if_range_that_no_longer_matches_gets_the_whole_image(api, stored):
    image, paths = stored
    modified = api.get(paths[1]).headers['Last-Modified']
    for path in paths:
        for if_range in (ETAG, modified):
            response = api.get(path, headers={'Range': 'bytes=5-9',
                                              'If-Range': if_range})
            assert response.status_code == 206
            assert response.content == DATA[5:10]
        for if_range in ('"other"', 'W/' + ETAG,
                         'Thu, 01 Jan 1970 00:00:00 GMT'):
            response = api.get(path, headers={'Range': 'bytes=5-9',
                                              'If-Range': if_range})
            assert response.status_code == 200 and response.content == DATA


def test_head_of_the_file_answers_without_the_data(api, stored):
    image, paths = stored
    for name in api.stored_files():
        os.remove(os.path.join(api.datadir, name))
    whole = api.head(paths[1])
    assert whole.status_code == 200 and whole.content == b''
    assert whole.headers['Content-Length'] == str(len(DATA))
    assert whole.headers['ETag'] == ETAG
    assert whole.headers['Content-MD5'] == ETAG.strip('"')
    assert whole.headers['Content-Type'] == 'application/octet-stream'
    ranged = api.head(paths[1], headers={'Range': 'bytes=10-19'})
    assert ranged.status_code == 206 and ranged.content == b''
    assert ranged.headers['Content-Range'] == 'bytes 10-19/%d' % len(DATA)
    assert ranged.headers['Content-Length'] == '10'
    # Preconditions are answered before any data would be opened too.
    for path in paths:
        assert api.get(path, headers={
            'If-None-Match': ETAG}).status_code == 304
    v1_head = api.head(paths[0])
    assert v1_head.status_code == 200 and v1_head.content == b''
    assert v1_head.headers['ETag'] == ETAG
    assert v1_head.headers['Last-Modified'] == whole.headers['Last-Modified']
    assert v1_head.headers['Cache-Control'] == 'no-cache'


def test_head_of_an_image_without_data_is_204(api):
    image = create(api)
    assert api.head(image['file']).status_code == 204


def test_preconditions_come_after_the_access_check(make_api, data_api):
    api = make_api(flavor='trusted-auth', data_api=data_api)
    alpha, beta = as_project(api, 'alpha'), as_project(api, 'beta')
    ops = as_project(api, 'ops', 'admin')
    image = alpha.post('/v2/images', json={
        'disk_format': 'raw', 'container_format': 'bare'}).json()
    assert alpha.put(image['file'], data=DATA,
                     headers=OCTET).status_code == 204
    paths = ('/v1/images/' + image['id'], image['file'])
    for path in paths:
        assert alpha.get(path, headers={
            'If-None-Match': ETAG}).status_code == 304
        assert beta.get(path, headers={
            'If-None-Match': ETAG}).status_code == 404
        assert beta.head(path).status_code == 404
    assert ops.post('/v2/images/%s/actions/deactivate'
                    % image['id']).status_code == 204
    for path in paths:
        assert alpha.get(path, headers={
            'If-None-Match': ETAG}).status_code == 403
    assert alpha.head(paths[1]).status_code == 403


@pytest.mark.parametrize('configured, public, private', [
    ('public, max-age=300', 'public, max-age=300', 'no-cache'),
    ('max-age=60, stale-if-error=30, must-revalidate',
     'max-age=60, stale-if-error=30, must-revalidate',
     'must-revalidate, no-cache'),
    ('private, no-cache', 'private, no-cache', 'private, no-cache'),
    ('no-store', 'no-store', 'no-store, no-cache'),
    ('', None, 'no-cache')])
def test_cache_control_is_configured_for_images_all_see(
        make_api, configured, public, private):
    api = make_api(conf={'DEFAULT': {
        'image_download_cache_control': configured}})
    for visibility, expected in (('public', public), ('community', public),
                                 ('private', private), ('shared', private)):
        image = create(api, disk_format='raw', container_format='bare',
                       visibility=visibility)
        assert upload(api, image['id'], b'abc').status_code == 204
        for path in ('/v1/images/' + image['id'], image['file']):
            response = api.get(path)
            assert response.headers.get('Cache-Control') == expected, (
                visibility, path)
