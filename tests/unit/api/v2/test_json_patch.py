import pytest
import webob.exc

from glance.api.v2 import json_patch
from glance.common import exception

V21, V20 = json_patch.MEDIA_TYPES


def test_v21_and_v20_operations():
    changes = json_patch.parse(
        [{'op': 'replace', 'path': '/name', 'value': 'n'},
         {'op': 'add', 'path': '/a~1b~0c', 'value': 'v'},
         {'op': 'remove', 'path': '/old'}], V21)
    assert [(c.op, c.name, c.value) for c in changes] == [
        ('replace', 'name', 'n'), ('add', 'a/b~c', 'v'),
        ('remove', 'old', None)]
    [change] = json_patch.parse([{'replace': '/min_ram', 'value': 5}], V20)
    assert (change.op, change.name, change.value) == ('replace', 'min_ram', 5)


@pytest.mark.parametrize('value', [{}, [], 5, True, None, 'x'])
def test_a_value_given_with_remove_is_ignored(value):
    [change] = json_patch.parse(
        [{'op': 'remove', 'path': '/tags', 'value': value}], V21)
    assert (change.op, change.name, change.value) == ('remove', 'tags', None)


@pytest.mark.parametrize('body', [
    {'op': 'replace'}, [{'op': 'move', 'path': '/x', 'value': 1}],
    [{'op': 'add', 'path': 'x', 'value': 'v'}],
    [{'op': 'add', 'path': '/a/b', 'value': 'v'}],
    [{'op': 'add', 'path': '/x'}],
    [{'op': 'replace', 'path': '/min_ram', 'value': 'lots'}],
    [{'op': 'add', 'path': '/custom', 'value': 5}],
    [{'op': 'replace', 'path': '/visibility', 'value': 'everyone'}],
])
def test_malformed_patches_are_bad_requests(body):
    with pytest.raises(exception.BadRequest):
        json_patch.parse(body, V21)


@pytest.mark.parametrize('name', ['size', 'status', 'checksum', 'id',
                                  'created_at'])
def test_read_only_attributes_are_forbidden(name):
    with pytest.raises(exception.ReadonlyProperty):
        json_patch.parse([{'op': 'replace', 'path': '/' + name,
                           'value': 'x'}], V21)


def test_other_media_types_are_415_with_accept_patch():
    with pytest.raises(webob.exc.HTTPUnsupportedMediaType) as e:
        json_patch.require_patch_media_type('application/json')
    assert V21 in e.value.headers['Accept-Patch']
