"""The checks HttpProtocol makes of a request before the app sees it.

What a client receives is tested against a real glance-api in
tests/functional/test_server.py.
"""

import pytest

from glance.common import http_protocol


@pytest.mark.parametrize('line', [
    b'GET / HTTP/1.1\r\n',
    b'GET / HTTP/1.0\r\n',
    b'GET /v2/images?name=x HTTP/1.1\n',
    b'OPTIONS * HTTP/1.1\r\n',
    b'GET http://glance.example/v2/images HTTP/1.1\r\n',
    'GET /v2/images?name=caf\u00e9 HTTP/1.1\r\n'.encode('utf-8'),
])
def test_a_request_line_of_http_1_is_served(line):
    assert http_protocol.request_line_problem(line) is None


@pytest.mark.parametrize('line', [
    b'GARBAGE\r\n',
    b'GET\r\n',
    b'GET /\r\n',
    b'GET / HTTP/9.9\r\n',
    b'GET / HTTP/2.0\r\n',
    b'GET / HTTP/1.1 extra\r\n',
    b'GET  / HTTP/1.1\r\n',
    b'GET / http/1.1\r\n',
    b'G(T / HTTP/1.1\r\n',
    b'GET /\x00 HTTP/1.1\r\n',
    b'GET /\x7f HTTP/1.1\r\n',
    b'GET /a\tb HTTP/1.1\r\n',
    b'GET / HTTP/1.1',
])
def test_a_malformed_request_line_is_refused(line):
    assert http_protocol.request_line_problem(line).startswith(
        'Bad request line: expected')


def test_a_request_target_that_is_not_utf8_is_refused():
    assert http_protocol.request_line_problem(b'GET /\xff HTTP/1.1\r\n') == \
        'Bad request line: the target is not UTF-8'


@pytest.mark.parametrize('values', [
    None, ['0'], ['1048576'], [' 12 '], ['9223372036854775807'],
    ['0009223372036854775807'],
])
def test_a_content_length_of_one_64_bit_number_frames_the_body(values):
    assert http_protocol.content_length_problem(values) is None


@pytest.mark.parametrize('value', [
    '-1', '+1', '1_000', '1e3', '0x10', '', 'abc', '1 2', '\u0661',
])
def test_a_content_length_that_is_no_number_is_refused(value):
    assert http_protocol.content_length_problem([value]) == \
        'Content-Length is not a non-negative integer'


@pytest.mark.parametrize('value', [
    '9223372036854775808', '99999999999999999999999', '9' * 5000,
])
def test_a_content_length_beyond_64_bits_is_refused(value):
    assert http_protocol.content_length_problem([value]) == \
        'Content-Length is larger than 9223372036854775807'


def test_two_content_lengths_are_refused_even_when_equal():
    assert http_protocol.content_length_problem(['1', '1']) == \
        'More than one Content-Length'
