"""Images and members as the registry's JSON."""

import datetime
import json

import pytest

from glance.common import exception
from glance.common import ids
from glance.domain import image as domain
from glance.registry import wire

T0 = datetime.datetime(2024, 1, 2, 3, 4, 5)


def through_json(body):
    return json.loads(json.dumps(body))


def test_an_image_travels_whole():
    image = domain.Image(
        name='cirros', status='active', visibility='public', protected=True,
        os_hidden=True, owner='p1', disk_format='qcow2',
        container_format='bare', size=10, virtual_size=20, checksum='c',
        os_hash_algo='sha512', os_hash_value='h', min_disk=1, min_ram=64,
        created_at=T0, updated_at=T0 + datetime.timedelta(seconds=1),
        extra_properties={'os_distro': 'cirros'}, tags={'b', 'a'},
        locations=[domain.Location('file:///a', {'store': 'fs'}, 'deleted'),
                   domain.Location('file:///b')])
    body = through_json(wire.image_to_dict(image))
    assert wire.image_from_dict(body) == image
    assert body['tags'] == ['a', 'b'] and body['created_at'] == \
        '2024-01-02T03:04:05'
    assert body['is_public'] is True and body['location'] == 'file:///b'
    assert body['properties'] == {'os_distro': 'cirros'}


def test_defaults_fill_what_an_image_leaves_out():
    image = wire.image_from_dict({'name': 'n'}, status='active')
    assert image.status == 'active' and ids.is_uuid(image.id)
    assert image.locations == [] and image.tags == set()


@pytest.mark.parametrize('body', [
    {'nonsense': 1}, {'min_ram': '64'}, {'protected': 1},
    {'created_at': 'yesterday'}, {'name': 5}, {'tags': 'a'},
    {'properties': ['a']}, {'location_data': [{'metadata': {}}]}, []])
def test_malformed_images_are_invalid(body):
    with pytest.raises(exception.Invalid):
        wire.image_from_dict(body)


def test_a_member_travels_whole():
    member = domain.Member(image_id='i', member_id='m', can_share=True,
                           status='accepted', created_at=T0, updated_at=T0)
    body = through_json(wire.member_to_dict(member))
    assert wire.member_from_dict(body) == member


@pytest.mark.parametrize('value, text', [
    (True, 'true'), (False, 'false'), (5, '5'), ('x', 'x'),
    (T0, '2024-01-02T03:04:05')])
def test_scalars_as_text_and_back(value, text):
    assert wire.to_text(value) == text
    assert wire.from_text(type(value) | None, 'p', text) == value


def test_values_without_a_text_form_are_refused():
    with pytest.raises(TypeError):
        wire.to_text(None)
