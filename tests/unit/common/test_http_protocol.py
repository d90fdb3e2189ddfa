"""The checks HttpProtocol makes of a request before the app sees it, and
the request body it hands the app.

What a client receives is tested against a real glance-api in
tests/functional/test_server.py.
"""

import io
import os

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


def request_body(raw, content_length=None, chunked=False, expect=False):
    """A RequestBody over ``raw`` bytes; with ``expect``, a client that
    asked for 100 Continue (what the body sends it is in ``.sent``)."""
    sent = io.BytesIO()
    body = http_protocol.RequestBody(
        io.BufferedReader(io.BytesIO(raw), 8192), content_length, None,
        wfile=sent if expect else None,
        wfile_line=b'HTTP/1.1 100 Continue\r\n' if expect else None,
        chunked_input=chunked)
    body.sent = sent
    return body


def chunked(data, frame):
    """``data`` in chunked encoding, ``frame`` bytes a frame, with a
    trailer."""
    frames = [b'%x\r\n%s\r\n' % (len(data[i:i + frame]), data[i:i + frame])
              for i in range(0, len(data), frame)]
    return b''.join(frames) + b'0\r\nX-Trailer: 1\r\n\r\n'


def read_with_readinto(body, size):
    buffer = bytearray(size)
    pieces = []
    while count := body.readinto(buffer):
        pieces.append(bytes(buffer[:count]))
    return pieces


@pytest.mark.parametrize('frame', [1, 1000, 65524, 300000])
def test_readinto_joins_chunked_frames_into_the_buffer(frame):
    data = os.urandom(200000)
    body = request_body(chunked(data, frame) + b'NEXT', chunked=True)
    pieces = read_with_readinto(body, 65536)
    assert b''.join(pieces) == data
    # Each read fills the buffer until the body ends.
    assert [len(p) for p in pieces] == [65536, 65536, 65536, 3392]
    assert body.rfile.read() == b'NEXT'  # Trailers read, no more.


def test_readinto_reads_up_to_the_content_length():
    data = os.urandom(100000)
    body = request_body(data + b'NEXT', content_length=len(data))
    assert b''.join(read_with_readinto(body, 65536)) == data
    assert body.rfile.read() == b'NEXT'


def test_readinto_and_read_share_their_place_in_the_body():
    data = os.urandom(30000)
    for body in (request_body(chunked(data, 7000), chunked=True),
                 request_body(data, content_length=len(data))):
        buffer = bytearray(10000)
        assert body.readinto(buffer) == 10000 and buffer == data[:10000]
        assert body.read(5000) == data[10000:15000]
        assert body.readinto(buffer) == 10000
        assert buffer == data[15000:25000]
        assert body.read() == data[25000:]
        assert body.readinto(buffer) == 0


def test_readinto_sends_100_continue_first():
    body = request_body(b'abc', content_length=3, expect=True)
    buffer = bytearray(10)
    assert body.readinto(buffer) == 3
    assert body.sent.getvalue() == b'HTTP/1.1 100 Continue\r\n\r\n'


def test_a_chunked_body_cut_short_is_an_error():
    body = request_body(b'10\r\nonly eight', chunked=True)
    with pytest.raises(OSError):
        body.readinto(bytearray(100))


def test_a_malformed_frame_size_is_a_value_error():
    body = request_body(b'zz\r\nabc\r\n0\r\n\r\n', chunked=True)
    with pytest.raises(ValueError):
        body.readinto(bytearray(100))
