"""Preconditions in RFC 9110's order, on an image's validators."""

import datetime

import pytest

from glance.api import conditional

ETAG = 'd41d8cd98f00b204e9800998ecf8427e'
CHANGED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
AT = 'Fri, 02 Jan 2026 03:04:05 GMT'
BEFORE = 'Fri, 02 Jan 2026 03:04:04 GMT'
AFTER = 'Fri, 02 Jan 2026 03:04:06 GMT'


def outcome(headers, method='GET', etag=ETAG):
    return conditional.evaluate(headers, method, etag, CHANGED)


@pytest.mark.parametrize('value', [
    '"%s"' % ETAG, 'W/"%s"' % ETAG, '"other", W/"%s"' % ETAG, '*', ETAG])
def test_if_none_match_that_matches_is_304(value):
    assert outcome({'If-None-Match': value}).status == 304
    assert outcome({'If-None-Match': value}, 'HEAD').status == 304


@pytest.mark.parametrize('value', ['"other"', 'W/"other"', '"%sx"' % ETAG])
def test_if_none_match_that_does_not_match_proceeds(value):
    assert outcome({'If-None-Match': value}) == conditional.Outcome(
        None, False)


def test_if_none_match_wins_over_if_modified_since():
    assert outcome({'If-None-Match': '"other"',
                    'If-Modified-Since': AFTER}).status is None
    assert outcome({'If-None-Match': '"%s"' % ETAG,
                    'If-Modified-Since': BEFORE}).status == 304


@pytest.mark.parametrize('since, status', [
    (AT, 304), (AFTER, 304), (BEFORE, None), ('not a date', None)])
def test_if_modified_since(since, status):
    assert outcome({'If-Modified-Since': since}).status == status


def test_if_modified_since_only_on_get_and_head():
    assert outcome({'If-Modified-Since': AFTER}, 'PUT').status is None


def test_if_none_match_on_other_methods_is_412():
    assert outcome({'If-None-Match': '*'}, 'PUT').status == 412


def test_no_etag_matches_only_star():
    assert outcome({'If-None-Match': '"x"'}, etag=None).status is None
    assert outcome({'If-None-Match': '*'}, etag=None).status == 304
    assert outcome({'If-Match': '"x"'}, etag=None).status == 412


@pytest.mark.parametrize('value, status', [
    ('"%s"' % ETAG, None), ('*', None), ('"a", "%s"' % ETAG, None),
    ('W/"%s"' % ETAG, 412), ('"other"', 412)])
def test_if_match_compares_strongly(value, status):
    assert outcome({'If-Match': value}).status == status


def test_if_match_is_checked_before_if_none_match():
    assert outcome({'If-Match': '"other"',
                    'If-None-Match': '"%s"' % ETAG}).status == 412


@pytest.mark.parametrize('since, status', [
    (AT, None), (AFTER, None), (BEFORE, 412), ('garbage', None)])
def test_if_unmodified_since(since, status):
    assert outcome({'If-Unmodified-Since': since}).status == status


def test_if_match_wins_over_if_unmodified_since():
    assert outcome({'If-Match': '"%s"' % ETAG,
                    'If-Unmodified-Since': BEFORE}).status is None


@pytest.mark.parametrize('if_range, use_range', [
    (None, True), ('"%s"' % ETAG, True), ('W/"%s"' % ETAG, False),
    ('"other"', False), (AT, True), (AFTER, False), (BEFORE, False),
    ('garbage', False)])
def test_if_range(if_range, use_range):
    headers = {'Range': 'bytes=0-9'}
    if if_range is not None:
        headers['If-Range'] = if_range
    assert outcome(headers) == conditional.Outcome(None, use_range)


def test_no_range_no_use_range():
    assert outcome({'If-Range': '"%s"' % ETAG}).use_range is False
