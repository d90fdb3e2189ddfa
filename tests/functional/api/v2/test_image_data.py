"""The v2 image data path through a real glance-api process: what the
server itself does (sendfile, chunked decoding, access log lines, a client
that goes away) and concurrent uploads.  The API's behaviour is tested in
process, in tests/unit/api/."""

import hashlib
import os
import socket
import threading
import time

import requests


def create(server, **body):
    """A new image, ready for data (raw and bare unless ``body`` says)."""
    body = dict({'disk_format': 'raw', 'container_format': 'bare'}, **body)
    response = requests.post(server.url + '/v2/images', json=body)
    assert response.status_code == 201, response.text
    return response.json()


def upload(server, image_id, data, **kwargs):
    return requests.put(
        '%s/v2/images/%s/file' % (server.url, image_id), data=data,
        headers={'Content-Type': 'application/octet-stream'}, **kwargs)


def show(server, image_id):
    return requests.get('%s/v2/images/%s' % (server.url, image_id))


def stored_files(server):
    root = os.path.join(server.data_dir, 'images')
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_downloads_return_exact_bytes_and_are_logged(api_server):
    # Over 1 MiB, so ranges cross the chunks of an iterated download too.
    data = os.urandom(5 * 1024 * 1024 + 3)
    image = create(api_server, disk_format='raw', container_format='bare')
    assert upload(api_server, image['id'], data).status_code == 204
    file_url = '%s/v2/images/%s/file' % (api_server.url, image['id'])
    expected = [(None, 200, data)]
    for header, start, stop in [('bytes=0-0', 0, 1),
                                ('bytes=1048575-3145728', 1048575, 3145729),
                                ('bytes=5000000-', 5000000, len(data)),
                                ('bytes=-7', len(data) - 7, len(data))]:
        expected.append((header, 206, data[start:stop]))
    with requests.Session() as session:
        for header, status, content in expected:
            response = session.get(file_url,
                                   headers={'Range': header} if header else {})
            assert response.status_code == status, header
            assert response.content == content, header
            assert response.headers['Content-Length'] == str(len(content))

    def logged_lines():
        with open(api_server.log_path) as f:
            return [line for line in f
                    if '"GET /v2/images/%s/file"' % image['id'] in line]

    # A line is written once its response has been sent, maybe after the
    # client has read it.
    give_up_at = time.monotonic() + 10
    while len(logged := logged_lines()) < len(expected) and \
            time.monotonic() < give_up_at:
        time.sleep(0.05)
    assert len(logged) == len(expected)
    for line, (_, status, content) in zip(logged, expected):
        assert 'status: %d len: %d ' % (status, len(content)) in line


def test_chunked_upload(api_server):
    chunks = [os.urandom(1024 * 1024) for _ in range(3)] + [b'tail']
    image = create(api_server)
    assert upload(api_server, image['id'], iter(chunks)).status_code == 204
    data = b''.join(chunks)
    active = show(api_server, image['id']).json()
    assert active['size'] == len(data)
    assert active['checksum'] == hashlib.md5(data).hexdigest()


def test_client_disconnect_leaves_image_queued_and_no_data(api_server):
    image = create(api_server)
    sock = socket.create_connection(('127.0.0.1', api_server.port))
    sock.sendall(('PUT /v2/images/%s/file HTTP/1.1\r\nHost: x\r\n'
                  'Content-Type: application/octet-stream\r\n'
                  'Content-Length: 10000000\r\n\r\n' % image['id']).encode())
    sock.sendall(b'x' * 1000000)
    sock.close()
    # Until the server has handled the upload, the image may still be
    # queued because the upload has not begun.
    handled = '"PUT /v2/images/%s/file" status: 400' % image['id']
    for _ in range(200):
        if handled in api_server.read_log():
            break
        time.sleep(0.05)
    assert handled in api_server.read_log()
    assert show(api_server, image['id']).json()['status'] == 'queued'
    assert stored_files(api_server) == []


def test_concurrent_uploads_exactly_one_wins(api_server):
    image = create(api_server)
    results = []
    barrier = threading.Barrier(4)

    def slow_body(tag):
        barrier.wait()
        for _ in range(8):
            yield tag * 128 * 1024

    def worker(tag):
        try:
            results.append(upload(api_server, image['id'],
                                  slow_body(tag)).status_code)
        except requests.ConnectionError:
            # A loser may be cut off while still sending its body.
            results.append(409)

    threads = [threading.Thread(target=worker, args=(bytes([65 + i]),))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [204, 409, 409, 409]
    active = show(api_server, image['id']).json()
    data = requests.get(api_server.url + active['file']).content
    assert len(data) == 1024 * 1024 and len(set(data)) == 1
    assert hashlib.md5(data).hexdigest() == active['checksum']
    assert len(stored_files(api_server)) == 1
