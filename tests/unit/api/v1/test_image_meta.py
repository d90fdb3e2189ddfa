"""The x-image-meta-* header codec and the v1 JSON views."""

import datetime

import pytest
import webob

from glance.api.v1 import image_meta
from glance.common import exception
from glance.domain import image as image_mod

CHECKSUM = '5d41402abc4b2a76b9719d911017c592'


def parse(**headers):
    request = webob.Request.blank('/')
    for name, value in headers.items():
        request.headers[name] = value
    return image_meta.parse(request.headers)


def test_fields_properties_and_data_headers():
    meta = parse(**{
        'x-image-meta-name': 'cirros', 'x-image-meta-disk_format': 'qcow2',
        'X-Image-Meta-Container-Format': 'bare',
        'x-image-meta-is_public': 'True', 'x-image-meta-protected': 'false',
        'x-image-meta-min_ram': '512', 'x-image-meta-min-disk': '1',
        'x-image-meta-owner': 'p1',
        'x-image-meta-id': 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36',
        'x-image-meta-size': '5', 'x-image-meta-checksum': CHECKSUM.upper(),
        'x-image-meta-location': 'http://host/disk',
        'x-image-meta-store': 'file', 'x-image-meta-status': 'active',
        'x-image-meta-property-OS-Distro': 'ubuntu',
        'x-image-meta-property-empty': '',
        'x-image-meta-created_at': '2012-01-01T00:00:00',
        'Content-Type': 'application/octet-stream'})
    assert meta.attributes == {
        'name': 'cirros', 'disk_format': 'qcow2', 'container_format': 'bare',
        'is_public': True, 'protected': False, 'min_ram': 512,
        'min_disk': 1, 'owner': 'p1',
        'id': 'd1f6ba6d-0d45-4d57-9e4b-3a2e8e0a3b36'}
    assert meta.properties == {'os_distro': 'ubuntu', 'empty': ''}
    assert meta.size == 5 and meta.checksum == CHECKSUM
    assert meta.location == 'http://host/disk' and meta.store == 'file'
    assert meta.status == 'active'


def test_utf8_values_are_decoded():
    raw = 'caf\u00e9 \u2603'.encode('utf-8').decode('latin-1')
    meta = parse(**{'x-image-meta-name': raw,
                    'x-image-meta-property-note': raw})
    assert meta.attributes['name'] == 'caf\u00e9 \u2603'
    assert meta.properties['note'] == 'caf\u00e9 \u2603'


@pytest.mark.parametrize('header, value', [
    ('x-image-meta-size', 'big'), ('x-image-meta-size', '-1'),
    ('x-image-meta-min_ram', '1.5'), ('x-image-meta-min_disk', '-3'),
    ('x-image-meta-is_public', 'perhaps'), ('x-image-meta-protected', 'y?'),
    ('x-image-meta-checksum', 'abc'), ('x-image-meta-name', 'n' * 256),
    ('x-image-meta-colour', 'blue'), ('x-image-meta-property-', 'x')])
def test_bad_headers_are_invalid(header, value):
    with pytest.raises(exception.InvalidParameterValue):
        parse(**{header: value})


def make_image(**fields):
    fields.setdefault('created_at', datetime.datetime(2012, 4, 3, 12, 0, 1))
    fields.setdefault('updated_at', datetime.datetime(2012, 4, 3, 12, 0, 2))
    return image_mod.Image(**fields)


def test_views():
    image = make_image(name='cirros', visibility='public',
                       extra_properties={'os_distro': 'ubuntu'})
    view = image_meta.view(image)
    assert view == {
        'id': image.id, 'name': 'cirros', 'disk_format': None,
        'container_format': None, 'checksum': None, 'size': 0,
        'virtual_size': None, 'status': 'queued', 'is_public': True,
        'protected': False, 'min_ram': 0, 'min_disk': 0, 'owner': None,
        'created_at': '2012-04-03T12:00:01',
        'updated_at': '2012-04-03T12:00:02', 'deleted_at': None,
        'deleted': False, 'properties': {'os_distro': 'ubuntu'}}
    assert image_meta.summary(image) == {
        'id': image.id, 'name': 'cirros', 'disk_format': None,
        'container_format': None, 'checksum': None, 'size': 0}
    assert make_image(visibility='community').is_public is False


def test_headers_round_trip():
    image = make_image(name='caf\u00e9', checksum=CHECKSUM, size=5,
                       status='active', disk_format='raw',
                       container_format='bare', owner='p1',
                       extra_properties={'os_distro': 'ubuntu',
                                         'bad key': 'x',
                                         'line': 'a\r\nInjected: yes'})
    headers = image_meta.headers(image)
    names = [name for name, _ in headers]
    assert 'x-image-meta-property-bad key' not in names
    assert ('x-image-meta-property-line', 'a  Injected: yes') in headers
    assert ('Location', '/v1/images/%s' % image.id) in headers
    assert 'ETag' not in names
    assert ('ETag', '"%s"' % CHECKSUM) in image_meta.location_headers(image)
    assert ('x-image-meta-is_public', 'False') in headers
    assert 'x-image-meta-deleted_at' not in names
    request = webob.Request.blank('/')
    for name, value in headers:
        request.headers[name] = value
    meta = image_meta.parse(request.headers)
    assert meta.attributes['name'] == 'caf\u00e9'
    assert meta.attributes['disk_format'] == 'raw'
    assert meta.properties['os_distro'] == 'ubuntu'
    assert meta.size == 5 and meta.checksum == CHECKSUM
    assert meta.status == 'active'
