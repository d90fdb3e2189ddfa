"""Format safety through the API: every real disk image of
tests/disk_images.py given to glance-api (in process) by a v2 upload, a v2
stage and glance-direct import, a v1 upload and a v1 copy-from (a web
server on loopback): accepted with its virtual size, or refused with a 400
(a failed task) that says why and nothing stored."""

import os

import pytest

from tests import disk_images
from tests import file_server
from tests.unit.api.v2.test_image_import import stage
from tests.unit.api.v2.test_image_import import start_import
from tests.unit.api.v2.test_image_import import wait_for_task
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import create
from tests.unit.api.helpers import meta
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload

pytestmark = disk_images.requires_qemu_img


@pytest.fixture
def images(real_images):
    return real_images


@pytest.fixture(scope='module')
def web(real_images):
    """A web server on loopback serving the images."""
    directory = os.path.dirname(real_images['raw'].path)
    with file_server.FileServer(directory) as server:
        yield server


def v2_upload(api, image, web):
    created = create(api, name=image.name, disk_format=image.disk_format,
                     container_format='bare')
    with open(image.path, 'rb') as data:
        response = upload(api, created['id'], iter(lambda: data.read(65536),
                                                   b''))
    return response, created['id']


def v1_upload(api, image, web):
    return _v1_create(api, image, data=image.read(), headers=OCTET)


def v1_copy_from(api, image, web):
    return _v1_create(api, image, headers={
        'x-glance-api-copy-from': web.url(os.path.basename(image.path))})


def _v1_create(api, image, data=None, headers=None):
    """POST the image; the answer and the id of the image it made."""
    headers = dict(meta(name=image.name, disk_format=image.disk_format,
                        container_format='bare'), **headers)
    before = _image_ids(api)
    response = api.post('/v1/images', data=data, headers=headers)
    made = _image_ids(api) - before
    assert len(made) == 1, made
    return response, made.pop()


def _image_ids(api):
    return {image['id'] for image in api.get('/v2/images').json()['images']}


def v2_stage_and_import(api, image, web):
    """glance-direct: the answer is the import task's (400 when it
    failed, with its message)."""
    created = create(api, name=image.name, disk_format=image.disk_format,
                     container_format='bare')
    assert stage(api, created['id'], image.read()).status_code == 204
    response = start_import(api, created['id'])
    assert response.status_code == 202, response.text
    task = wait_for_task(api, created['id'])
    response.status_code = 204 if task['status'] == 'success' else 400
    response.content = task['message'].encode()
    return response, created['id']


WAYS = {'v2 upload': v2_upload, 'v1 upload': v1_upload,
        'v1 copy-from': v1_copy_from, 'v2 import': v2_stage_and_import}


# What a refused image is left as: v2 may try again, v1 kills it.
LEFT_AS = {'v2 upload': 'queued', 'v1 upload': 'killed',
           'v1 copy-from': 'killed', 'v2 import': 'queued'}


@pytest.mark.parametrize('name', disk_images.SAFE + disk_images.REFUSED)
@pytest.mark.parametrize('way', sorted(WAYS))
def test_each_image_each_way(make_api, images, web, way, name):
    """A safe image is stored with its virtual size; any other is refused
    with a 400 that says why, and nothing is stored."""
    image = images[name]
    api = make_api()
    response, image_id = WAYS[way](api, image, web)
    shown = show(api, image_id).json()
    if image.refusal is None:
        assert response.status_code in (200, 201, 204), response.text
        assert shown['status'] == 'active'
        assert shown['disk_format'] == image.disk_format
        assert shown['size'] == os.path.getsize(image.path)
        assert shown['virtual_size'] == image.virtual_size
        assert api.stored_files() == [image_id]
        assert api.get(shown['file']).content == image.read()
    else:
        assert response.status_code == 400, response.text
        assert 'Image data refused' in response.text
        assert image.refusal in response.text
        assert 'Traceback' not in response.text
        assert shown['status'] == LEFT_AS[way]
        assert shown['size'] is None and shown['virtual_size'] is None
        assert api.stored_files() == []


def test_through_glance_registry_too(api, images, web):
    """The virtual size reaches the image however metadata is stored."""
    response, stored_id = v2_upload(api, images['vhdx'], web)
    assert response.status_code == 204, response.text
    assert show(api, stored_id).json()['virtual_size'] == \
        images['vhdx'].virtual_size
    response, image_id = v1_copy_from(api, images['vmdk-flat-extent'], web)
    assert response.status_code == 400
    assert 'extent filenames' in response.text
    assert show(api, image_id).json()['status'] == 'killed'
    assert api.stored_files() == [stored_id]


def test_a_refused_v2_image_takes_good_data_afterwards(make_api, images,
                                                       web):
    api = make_api()
    response, image_id = v2_upload(api, images['qcow2-backing-file'], web)
    assert response.status_code == 400
    response = upload(api, image_id, images['qcow2'].read())
    assert response.status_code == 204, response.text
    shown = show(api, image_id).json()
    assert shown['status'] == 'active'
    assert shown['virtual_size'] == images['qcow2'].virtual_size


def test_the_options_reach_the_api(make_api, images, web):
    api = make_api(conf={'image_format': {
        'require_image_format_match': False,
        'vmdk_allowed_types': ['monolithicSparse'],
        'disk_formats': ['raw', 'qcow2', 'vmdk']}})
    response, _ = v2_upload(api, images['qcow2-declared-vmdk'], web)
    assert response.status_code == 204, response.text
    response, _ = v2_upload(api, images['vmdk-streamOptimized'], web)
    assert response.status_code == 400
    assert 'createType streamoptimized is not allowed' in response.text
    refused = api.post('/v2/images', json={'disk_format': 'vhdx'})
    assert refused.status_code == 400
    schema = api.get('/v2/schemas/image').json()
    assert schema['properties']['disk_format']['enum'] == [
        None, 'raw', 'qcow2', 'vmdk']
