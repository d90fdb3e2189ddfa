"""Quotas kept by the writes that could break them, on every database:
concurrent writers racing real transactions never pass a limit together."""

import pytest

from glance.common import exception
from glance.domain import image as domain
from glance.domain.repository import OwnerUsage
from glance.domain.repository import StorageQuota
from tests.unit.db.test_repository import add
from tests.unit.db.test_repository import race

CONTENDERS = 8
LIMIT = 3


def changes(**fields):
    return domain.ImageChanges(**fields)


def test_concurrent_property_adds_stop_at_the_quota(repo):
    image = add(repo, extra_properties={'kept': 'k'})

    def add_property(number):
        repo.save(image.id, changes(set_properties={'p%d' % number: 'v'}),
                  max_properties=LIMIT)

    errors = race(CONTENDERS, add_property)

    assert len(repo.get(image.id).extra_properties) == LIMIT
    assert len(errors) == CONTENDERS - (LIMIT - 1)
    assert all(isinstance(error, exception.ImagePropertyLimitExceeded)
               for error in errors), errors


def test_concurrent_tag_adds_stop_at_the_quota(repo):
    image = add(repo)

    def add_tag(number):
        repo.save(image.id, changes(added_tags=frozenset({'t%d' % number})),
                  max_tags=LIMIT)

    errors = race(CONTENDERS, add_tag)

    assert len(repo.get(image.id).tags) == LIMIT
    assert len(errors) == CONTENDERS - LIMIT
    assert all(isinstance(error, exception.ImageTagLimitExceeded)
               for error in errors), errors


def test_concurrent_member_adds_stop_at_the_quota(repo):
    image = add(repo, owner='owner')

    def add_member(number):
        repo.save_member(domain.Member(image.id, 'project-%d' % number),
                         max_members=LIMIT)

    errors = race(CONTENDERS, add_member)

    assert len(repo.members(image.id)) == LIMIT
    assert len(errors) == CONTENDERS - LIMIT
    assert all(isinstance(error, exception.ImageMemberLimitExceeded)
               for error in errors), errors


def test_concurrent_activations_stop_at_the_storage_quota(repo):
    """Eight uploads of 10 bytes end at once for an owner allowed 35."""
    images = [add(repo, owner='owner', status='saving')
              for _ in range(CONTENDERS)]
    add(repo, owner='someone else', status='active', size=1000,
        locations=[domain.Location('file:///elsewhere')])
    quota = StorageQuota(owner='owner', limit=35)

    def activate(number):
        image_id = images[number].id
        repo.transition(image_id, 'saving', 'active', size=10,
                        locations=[domain.Location('file:///%s' % image_id)],
                        storage_quota=quota)

    errors = race(CONTENDERS, activate)

    statuses = [repo.get(image.id).status for image in images]
    assert statuses.count('active') == 3
    assert statuses.count('saving') == CONTENDERS - 3
    assert all(isinstance(error, exception.StorageQuotaFull)
               for error in errors), errors
    assert repo.storage_used('owner') == 30


def test_writes_within_the_quotas_or_adding_nothing_pass(repo):
    image = add(repo, owner='owner', extra_properties={'a': '1', 'b': '2'},
                tags={'x', 'y'})
    # Over the quota already (it was lowered): changing and removing pass.
    repo.save(image.id, changes(set_properties={'a': 'new'},
                                removed_tags=frozenset({'y'})),
              max_properties=1, max_tags=1)
    with pytest.raises(exception.ImagePropertyLimitExceeded,
                       match='Attempted: 3, Maximum: 2'):
        repo.save(image.id, changes(set_properties={'c': '3'},
                                    added_tags=frozenset({'z'})),
                  max_properties=2, max_tags=5)
    stored = repo.get(image.id)
    assert (stored.extra_properties, stored.tags) == (
        {'a': 'new', 'b': '2'}, {'x'})


def test_member_quota_counts_what_a_replace_leaves(repo):
    image = add(repo, owner='owner')
    repo.replace_members(image.id, [domain.Member(image.id, 'a'),
                                    domain.Member(image.id, 'b')],
                         max_members=2)
    with pytest.raises(exception.ImageMemberLimitExceeded):
        repo.replace_members(image.id, [domain.Member(image.id, m)
                                        for m in 'abc'], max_members=2)
    repo.replace_members(image.id, [domain.Member(image.id, 'c')],
                         max_members=2)
    assert [m.member_id for m in repo.members(image.id)] == ['c']
    # Updating a member adds none.
    repo.save_member(domain.Member(image.id, 'c', status='accepted'),
                     max_members=0)


def test_storage_used_counts_each_location_of_images_holding_data(repo):
    two = [domain.Location('file:///1'), domain.Location('file:///2')]
    counted = add(repo, owner='owner', status='active', size=7,
                  locations=two)
    add(repo, owner='owner', status='killed', size=100,
        locations=[domain.Location('file:///killed')])
    add(repo, owner='owner', status='queued')
    add(repo, owner='other', status='active', size=1000,
        locations=[domain.Location('file:///other')])

    assert repo.storage_used('owner') == 14
    assert repo.storage_used('owner', excluding=counted.id) == 0
    assert repo.storage_used('nobody') == 0


def test_usage_counts_as_glance_does_for_the_unified_limits(repo):
    importing = {'os_glance_importing_to_stores': 'file'}
    add(repo, owner='owner', status='active', size=7,
        locations=[domain.Location('file:///1'), domain.Location('file:///2')])
    add(repo, owner='owner', status='saving', size=1)
    add(repo, owner='owner', status='uploading', size=20)
    add(repo, owner='owner', status='importing', size=300)
    # An active image being copied to another store: staged, uploading.
    add(repo, owner='owner', status='active', size=4000,
        extra_properties=importing,
        locations=[domain.Location('file:///3')])
    add(repo, owner='owner', status='active', size=50000,
        extra_properties={'os_glance_importing_to_stores': ''},
        locations=[domain.Location('file:///4')])
    add(repo, owner='owner', status='queued')
    add(repo, owner='owner', status='pending_delete', size=600000)
    for status in ('killed', 'deleted'):
        add(repo, owner='owner', status=status, size=10 ** 7,
            extra_properties=importing)
    add(repo, owner='other', status='uploading', size=10 ** 8)

    assert repo.usage('owner') == OwnerUsage(
        stored_bytes=14 + 4000 + 50000, staged_bytes=20 + 4000,
        images=8, uploading=4)
    assert repo.usage('nobody') == OwnerUsage(0, 0, 0, 0)
