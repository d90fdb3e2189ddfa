"""What glance-api says at start of a swift or s3 store it cannot use, in
a real glance-api against a real Swift (tests/swift_server.py), natively
and through its S3 API: it starts all the same, the store answers 503
until its backend answers, and the other stores serve meanwhile."""

import uuid

import pytest
import requests

from tests.functional.stores import S3Backend
from tests.functional.stores import SwiftBackend
from tests.tcp_relay import TcpRelay

UNUSABLE = ' is unusable: '


def multi_store_conf(tmp_path, **object_stores):
    """glance-api with the stores ``id=(backend, relay port)``, the first
    the default, and a file store "local"."""
    backends = ', '.join('%s:%s' % (store_id, backend.name)
                         for store_id, (backend, _port)
                         in object_stores.items())
    conf = {'DEFAULT': {'enabled_backends': backends + ', local:file'},
            'glance_store': {'default_backend': next(iter(object_stores))},
            'local': {'filesystem_store_datadir': str(tmp_path / 'local')}}
    for store_id, (backend, port) in object_stores.items():
        conf[store_id] = backend.conf(port)
    return conf


def unusable_lines(api):
    with open(api.log_path) as f:
        return [line for line in f if UNUSABLE in line]


def upload(api, data, store=None):
    """Create an image and upload ``data`` (to ``store``); the image id and
    the upload's response."""
    image = requests.post(api.url + '/v2/images', json={
        'name': 'checked', 'disk_format': 'raw',
        'container_format': 'bare'}).json()
    headers = {'Content-Type': 'application/octet-stream'}
    if store:
        headers['X-Image-Meta-Store'] = store
    return image['id'], requests.put(
        '%s/v2/images/%s/file' % (api.url, image['id']), data=data,
        headers=headers)


@pytest.mark.parametrize('kind', [SwiftBackend, S3Backend])
def test_a_backend_down_at_start(kind, swift_server, tmp_path,
                                 make_api_server):
    backend = kind(swift_server, tmp_path)
    with TcpRelay(backend.proxy_port) as relay:
        relay.stop()
        api = make_api_server(conf=multi_store_conf(
            tmp_path, obj=(backend, relay.port)))
        line, = unusable_lines(api)
        assert 'ERROR' in line and "Store 'obj' (%s)" % kind.name in line
        assert '127.0.0.1:%d' % relay.port in line
        assert 'cannot be reached (Connection refused)' in line
        assert requests.get(api.url + '/').status_code == 300
        image_id, refused = upload(api, b'x' * 1000)
        assert refused.status_code == 503, refused.text
        assert requests.get(api.url + '/v2/images/' + image_id).json()[
            'status'] == 'queued'
        assert backend.contents() == []
        assert upload(api, b'local', store='local')[1].status_code == 204
        relay.start()
        assert upload(api, b'y' * 1000)[1].status_code == 204
        assert len(backend.contents()) == 1


def test_refused_credentials_at_start(swift_server, tmp_path,
                                      make_api_server):
    swift, s3 = SwiftBackend(swift_server, tmp_path), S3Backend(
        swift_server, tmp_path)
    port = swift_server.ports['proxy']
    conf = multi_store_conf(tmp_path, obj=(swift, port), s3obj=(s3, port))
    swift.references.write_text(swift.references.read_text().replace(
        'key = ', 'key = wrong-'))
    conf['s3obj']['s3_store_secret_key'] = 'wrong-%s' % uuid.uuid4()
    api = make_api_server(conf=conf)
    swift_line, s3_line = unusable_lines(api)
    assert "Store 'obj' (swift)" in swift_line
    assert 'refused to authenticate it' in swift_line
    assert '401 Unauthorized' in swift_line
    assert 'reference ref1' in swift_line
    assert "Store 's3obj' (s3)" in s3_line
    assert 'refused the keys' in s3_line and 'HTTP 403' in s3_line
    assert requests.get(api.url + '/v2/images').status_code == 200


def test_sound_backends_log_no_error(swift_server, tmp_path,
                                     make_api_server):
    port = swift_server.ports['proxy']
    api = make_api_server(conf=multi_store_conf(
        tmp_path, obj=(SwiftBackend(swift_server, tmp_path), port),
        s3obj=(S3Backend(swift_server, tmp_path), port)))
    assert upload(api, b'z' * 100)[1].status_code == 204
    with open(api.log_path) as f:
        log = f.read()
    assert 'ERROR' not in log and 'WARNING' not in log, log
