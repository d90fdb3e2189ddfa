"""``/v2/images/{id}/file``: upload and download."""

import hashlib
import os

from tests.unit.api.helpers import create
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload


def test_upload_download_roundtrip(api):
    data = os.urandom(3 * 1024 * 1024 + 17)
    image = create(api, name='data', disk_format='raw',
                   container_format='bare')
    response = upload(api, image['id'], data)
    assert response.status_code == 204, response.text
    active = show(api, image['id']).json()
    assert active['status'] == 'active'
    assert active['size'] == len(data)
    assert active['checksum'] == hashlib.md5(data).hexdigest()
    assert active['os_hash_algo'] == 'sha512'
    assert active['os_hash_value'] == hashlib.sha512(data).hexdigest()
    download = api.get(active['file'])
    assert download.status_code == 200
    assert download.content == data
    assert download.headers['Content-MD5'] == active['checksum']
    assert download.headers['Content-Length'] == str(len(data))
    assert download.headers['Content-Type'] == 'application/octet-stream'
    assert upload(api, image['id'], b'again').status_code == 409


def test_download_without_data_is_204(api):
    image = create(api)
    assert api.get(image['file']).status_code == 204


def test_upload_needs_octet_stream(api):
    image = create(api)
    response = api.put(image['file'], data=b'abc',
                       headers={'Content-Type': 'text/plain'})
    assert response.status_code == 415


def test_size_cap_while_streaming(make_api):
    api = make_api(conf={'DEFAULT': {'image_size_cap': 1000}})
    image = create(api)
    response = upload(api, image['id'], iter([b'x' * 600, b'y' * 600]))
    assert response.status_code == 413
    assert show(api, image['id']).json()['status'] == 'queued'
    assert api.stored_files() == []
    assert upload(api, image['id'], b'z' * 1000).status_code == 204
