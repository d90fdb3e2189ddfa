import uuid

import pytest

from glance.common import ids

IMAGE_ID = '0b5ecbf2-5d2b-4e0a-9c3c-3f2f0a4b6e71'


def test_a_uuid_in_either_case_is_one():
    assert ids.is_uuid(IMAGE_ID) and ids.is_uuid(IMAGE_ID.upper())


@pytest.mark.parametrize('value', [
    None, 42, uuid.UUID(IMAGE_ID), '', IMAGE_ID.replace('-', ''),
    IMAGE_ID + '\n', '../' + IMAGE_ID,
    '.%s.0123456789abcdef.partial' % IMAGE_ID, 'g' + IMAGE_ID[1:],
])
def test_anything_else_is_not(value):
    assert not ids.is_uuid(value)
