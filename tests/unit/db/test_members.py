"""Memberships in the SQL repository."""

import pytest

from glance.common import exception
from glance.domain import image as domain


@pytest.fixture
def image(repo):
    image = domain.Image(owner='owner')
    repo.add(image)
    return image


def member_ids(members):
    return [member.member_id for member in members]


def test_a_saved_member_is_listed_with_its_fields(repo, image):
    repo.save_member(domain.Member(image.id, 'alice', can_share=True))
    [member] = repo.members(image.id)
    assert (member.image_id, member.member_id, member.can_share,
            member.status) == (image.id, 'alice', True, 'pending')
    assert repo.member_status(image.id, 'alice') == 'pending'


def test_saving_an_existing_member_updates_it_in_place(repo, image):
    repo.save_member(domain.Member(image.id, 'alice'))
    repo.save_member(domain.Member(image.id, 'alice', can_share=True,
                                   status='accepted'))
    [member] = repo.members(image.id)
    assert (member.can_share, member.status) == (True, 'accepted')


def test_removed_member_is_gone_and_can_come_back(repo, image):
    repo.save_member(domain.Member(image.id, 'alice', status='accepted'))
    repo.remove_member(image.id, 'alice')
    assert repo.members(image.id) == []
    assert repo.member_status(image.id, 'alice') is None
    repo.save_member(domain.Member(image.id, 'alice'))
    assert member_ids(repo.members(image.id)) == ['alice']


def test_removing_an_unknown_member_is_not_found(repo, image):
    with pytest.raises(exception.MemberNotFound):
        repo.remove_member(image.id, 'nobody')


def test_members_of_a_missing_image_cannot_be_saved(repo):
    with pytest.raises(exception.ImageNotFound):
        repo.save_member(domain.Member(domain.Image().id, 'alice'))


def test_replace_keeps_status_of_kept_members_and_drops_others(repo, image):
    repo.save_member(domain.Member(image.id, 'alice', status='accepted'))
    repo.save_member(domain.Member(image.id, 'bob'))
    repo.replace_members(image.id, [
        domain.Member(image.id, 'alice', can_share=True),
        domain.Member(image.id, 'carol')])
    members = {member.member_id: member for member in repo.members(image.id)}
    assert sorted(members) == ['alice', 'carol']
    assert (members['alice'].status, members['alice'].can_share) == (
        'accepted', True)
    assert members['carol'].status == 'pending'


def test_member_images_skip_deleted_images_and_memberships(repo, image):
    other = domain.Image(owner='owner')
    repo.add(other)
    gone = domain.Image(owner='owner')
    repo.add(gone)
    for target in (image, other, gone):
        repo.save_member(domain.Member(target.id, 'alice'))
    repo.remove_member(other.id, 'alice')
    repo.transition(gone.id, 'queued', 'deleted', deleted=True)
    assert [member.image_id for member in repo.member_images('alice')] == [
        image.id]
