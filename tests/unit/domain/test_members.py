"""Sharing rules of the domain: who may add, see and remove members."""

import pytest

from glance.common import exception
from glance.context import RequestContext
from tests.unit.domain.conftest import ADMIN, ALICE, BOB, OWNER

EVE = RequestContext(project_id='eve')


@pytest.fixture
def service(services):
    return services.members


@pytest.fixture
def image(images):
    return images.create(OWNER, {'name': 'shared-one'})


def member_ids(members):
    return sorted(member.member_id for member in members)


def test_owner_shares_and_member_sees_the_image(images, service, image):
    with pytest.raises(exception.NotFound):
        images.get(ALICE, image.id)
    service.add(OWNER, image.id, 'alice')
    assert images.get(ALICE, image.id).id == image.id
    with pytest.raises(exception.NotFound):
        images.get(BOB, image.id)


def test_adding_a_member_twice_is_a_conflict_unless_updating(service, image):
    service.add(OWNER, image.id, 'alice')
    with pytest.raises(exception.Conflict):
        service.add(OWNER, image.id, 'alice')
    member = service.put(OWNER, image.id, 'alice', can_share=True)
    assert member.can_share


@pytest.mark.parametrize('visibility', ['private', 'public', 'community'])
def test_only_shared_images_have_members(images, service, visibility):
    image = images.create(ADMIN, {'visibility': visibility,
                                  'owner': 'owner'})
    with pytest.raises(exception.Forbidden):
        service.add(OWNER, image.id, 'alice')
    with pytest.raises(exception.Forbidden, match='Only shared images'):
        service.list(OWNER, image.id)


def test_a_member_sees_only_its_own_membership(service, image):
    service.add(OWNER, image.id, 'alice')
    service.add(OWNER, image.id, 'bob')
    assert member_ids(service.list(OWNER, image.id)) == [
        'alice', 'bob']
    assert member_ids(service.list(ALICE, image.id)) == ['alice']
    with pytest.raises(exception.MemberNotFound):
        service.get(ALICE, image.id, 'bob')


def test_a_member_shares_further_only_with_can_share(service, image):
    service.add(OWNER, image.id, 'alice')
    with pytest.raises(exception.Forbidden):
        service.add(ALICE, image.id, 'bob')
    service.put(OWNER, image.id, 'alice', can_share=True)
    service.add(ALICE, image.id, 'bob')
    assert member_ids(service.list(OWNER, image.id)) == [
        'alice', 'bob']


def test_only_the_member_sets_its_status(service, image):
    service.add(OWNER, image.id, 'alice')
    with pytest.raises(exception.Forbidden):
        service.set_status(OWNER, image.id, 'alice', 'accepted')
    with pytest.raises(exception.Invalid):
        service.set_status(ALICE, image.id, 'alice', 'maybe')
    member = service.set_status(ALICE, image.id, 'alice', 'accepted')
    assert member.status == 'accepted'


def test_replace_and_remove(service, image):
    service.add(OWNER, image.id, 'alice')
    service.replace(OWNER, image.id, [('bob', True), ('carol', False)])
    assert member_ids(service.list(OWNER, image.id)) == [
        'bob', 'carol']
    service.remove(OWNER, image.id, 'bob')
    with pytest.raises(exception.MemberNotFound):
        service.remove(OWNER, image.id, 'bob')
    assert member_ids(service.list(OWNER, image.id)) == ['carol']


def test_member_quota(conf, service, image):
    conf.set_override('image_member_quota', 1)
    service.add(OWNER, image.id, 'alice')
    with pytest.raises(exception.ImageMemberLimitExceeded,
                       match='Attempted: 2, Maximum: 1'):
        service.add(OWNER, image.id, 'bob')
    with pytest.raises(exception.ImageMemberLimitExceeded):
        service.put(OWNER, image.id, 'bob')
    with pytest.raises(exception.ImageMemberLimitExceeded):
        service.replace(OWNER, image.id, [('a', False), ('b', False)])
    assert member_ids(service.list(OWNER, image.id)) == ['alice']
    service.put(OWNER, image.id, 'alice', can_share=True)
    service.replace(OWNER, image.id, [('bob', False)])
    assert member_ids(service.list(OWNER, image.id)) == ['bob']


def test_shared_images_do_not_leak_to_strangers(images, service, image):
    service.add(OWNER, image.id, 'alice')
    other = images.create(BOB, {'name': 'bobs'})
    service.add(BOB, other.id, 'alice')
    for caller in (ALICE, ADMIN):
        assert sorted(m.image_id for m in service.shared_images(
            caller, 'alice')) == sorted([image.id, other.id])
    assert [m.image_id for m in service.shared_images(OWNER, 'alice')] == [
        image.id]
    assert service.shared_images(EVE,
                                 'alice') == []
