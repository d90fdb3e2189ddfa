"""Image metadata through the domain: validation, visibility, listing."""

import pytest

from glance.common import exception
from glance.context import RequestContext
from glance.domain.metadata import Change
from glance.domain.repository import ImageQuery
from tests.unit.domain.conftest import ADMIN, ALICE, OWNER

READER = RequestContext(project_id='owner', roles=['reader'])


@pytest.mark.parametrize('formats, expected', [
    ({'disk_format': 'aki'}, ('aki', 'aki')),
    ({'container_format': 'ari'}, ('ari', 'ari')),
    ({'disk_format': 'ami', 'container_format': 'ami'}, ('ami', 'ami')),
    ({'disk_format': 'raw', 'container_format': 'bare'}, ('raw', 'bare')),
])
def test_amazon_formats_are_completed(images, formats, expected):
    image = images.create(OWNER, formats)
    assert (image.disk_format, image.container_format) == expected


def test_amazon_formats_must_match(images):
    with pytest.raises(exception.Invalid, match='must match'):
        images.create(OWNER, {'disk_format': 'aki',
                              'container_format': 'bare'})


@pytest.mark.parametrize('name', ['min_ram', 'name', 'id', 'checksum',
                                  'is_public', 'os_glance_x'])
def test_properties_cannot_take_attribute_names(images, name):
    with pytest.raises(exception.Forbidden):
        images.create(OWNER, {}, {name: 'x'})
    image = images.create(OWNER, {})
    if name not in ('min_ram', 'name'):
        with pytest.raises(exception.Forbidden):
            images.update(OWNER, image.id, [Change('add', name, 'x')])


@pytest.mark.parametrize('name, value', [('k' * 256, 'v'), ('k', 'v' * 256)])
def test_property_names_and_values_are_at_most_255_characters(images, name,
                                                              value):
    with pytest.raises(exception.Invalid, match='255'):
        images.create(OWNER, {}, {name: value})
    image = images.create(OWNER, {}, {'k' * 255: 'v' * 255})
    with pytest.raises(exception.Invalid, match='255'):
        images.update(OWNER, image.id, [Change('add', name, value)])
    assert images.get(OWNER, image.id).extra_properties == {
        'k' * 255: 'v' * 255}


@pytest.mark.parametrize('value', [-1, 2 ** 31, 2 ** 64, True, '5'])
def test_min_ram_and_min_disk_are_integers_the_database_holds(images,
                                                              value):
    for name in ('min_ram', 'min_disk'):
        with pytest.raises(exception.Invalid, match=name):
            images.create(OWNER, {name: value})
        image = images.create(OWNER, {})
        with pytest.raises(exception.Invalid, match=name):
            images.update(OWNER, image.id, [Change('replace', name, value)])


def test_changes_to_one_image_from_two_reads_both_stay(images):
    image = images.create(OWNER, {'name': 'old'}, {'a': '1'}, ['t'])
    images.update(OWNER, image.id, [Change('replace', 'name', 'new')])
    images.update(OWNER, image.id, [Change('add', 'b', '2')])
    images.add_tag(OWNER, image.id, 'u')
    stored = images.get(OWNER, image.id)
    assert (stored.name, stored.extra_properties, stored.tags) == (
        'new', {'a': '1', 'b': '2'}, {'t', 'u'})


def test_readers_and_strangers_change_nothing(images):
    image = images.create(ADMIN, {'visibility': 'public', 'owner': 'owner'})
    for caller in (READER, ALICE):
        with pytest.raises(exception.Forbidden):
            images.update(caller, image.id,
                          [Change('replace', 'name', 'x')])
        with pytest.raises(exception.Forbidden):
            images.delete(caller, image.id)
    with pytest.raises(exception.Forbidden):
        images.create(READER, {})


def test_an_image_without_owner_is_seen_and_listed_by_admins_only(images):
    """Seen by id and listed agree: both come from one definition."""
    image = images.create(ADMIN, {'owner': None, 'visibility': 'private'})
    for caller in (OWNER, ALICE):
        with pytest.raises(exception.ImageNotFound):
            images.get(caller, image.id)
        assert images.list(caller, ImageQuery()) == []
    assert images.get(ADMIN, image.id).id == image.id
    assert [i.id for i in images.list(ADMIN, ImageQuery())] == [image.id]


def test_ids_that_are_not_uuids_are_not_found(images):
    with pytest.raises(exception.ImageNotFound):
        images.get(ADMIN, '../../etc/passwd')


def test_images_created_in_one_second_list_newest_first(images):
    created = [images.create(OWNER, {'name': str(n)}).id for n in range(3)]
    assert [i.id for i in images.list(OWNER, ImageQuery())] == \
        created[::-1]


def test_an_unknown_marker_is_invalid(images):
    with pytest.raises(exception.InvalidParameterValue, match='marker'):
        images.list(OWNER, ImageQuery(
            marker='0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'))
