"""Sharing rules of the domain: who may add, see and remove members."""

import pytest
from oslo_config import cfg

from glance.common import config
from glance.common import exception
from glance.context import RequestContext
from glance.db import migration
from glance.db import repository
from glance.db import session
from glance.domain import images
from glance.domain import policy

OWNER = RequestContext(project_id='owner')
ALICE = RequestContext(project_id='alice')
BOB = RequestContext(project_id='bob')
ADMIN = RequestContext(project_id='ops', roles=['admin'], is_admin=True)


@pytest.fixture
def repo(tmp_path):
    engine = session.create_engine('sqlite:///%s' % (tmp_path / 'glance.db'))
    migration.db_sync(engine=engine)
    yield repository.SqlImageRepository(engine)
    engine.dispose()


@pytest.fixture
def service(repo):
    conf = cfg.ConfigOpts()
    conf.register_opts(config.image_opts)
    conf([], project='glance')
    return images.ImageService(repo, None, policy.Authorizer(conf), conf)


@pytest.fixture
def image(service):
    return service.create(OWNER, {'name': 'shared-one'})


def member_ids(members):
    return sorted(member.member_id for member in members)


def test_owner_shares_and_member_sees_the_image(service, image):
    with pytest.raises(exception.NotFound):
        service.get(ALICE, image.id)
    service.add_member(OWNER, image.id, 'alice')
    assert service.get(ALICE, image.id).id == image.id
    with pytest.raises(exception.NotFound):
        service.get(BOB, image.id)


def test_adding_a_member_twice_is_a_conflict_unless_updating(service, image):
    service.add_member(OWNER, image.id, 'alice')
    with pytest.raises(exception.Conflict):
        service.add_member(OWNER, image.id, 'alice')
    member = service.add_member(OWNER, image.id, 'alice', can_share=True,
                                update_existing=True)
    assert member.can_share


def test_only_shared_images_have_members(service):
    private = service.create(OWNER, {'visibility': 'private'})
    with pytest.raises(exception.Forbidden):
        service.add_member(OWNER, private.id, 'alice')


def test_a_member_sees_only_its_own_membership(service, image):
    service.add_member(OWNER, image.id, 'alice')
    service.add_member(OWNER, image.id, 'bob')
    assert member_ids(service.list_members(OWNER, image.id)) == [
        'alice', 'bob']
    assert member_ids(service.list_members(ALICE, image.id)) == ['alice']
    with pytest.raises(exception.MemberNotFound):
        service.get_member(ALICE, image.id, 'bob')


def test_a_member_shares_further_only_with_can_share(service, image):
    service.add_member(OWNER, image.id, 'alice')
    with pytest.raises(exception.Forbidden):
        service.add_member(ALICE, image.id, 'bob')
    service.add_member(OWNER, image.id, 'alice', can_share=True,
                       update_existing=True)
    service.add_member(ALICE, image.id, 'bob')
    assert member_ids(service.list_members(OWNER, image.id)) == [
        'alice', 'bob']


def test_only_the_member_sets_its_status(service, image):
    service.add_member(OWNER, image.id, 'alice')
    with pytest.raises(exception.Forbidden):
        service.set_member_status(OWNER, image.id, 'alice', 'accepted')
    with pytest.raises(exception.Invalid):
        service.set_member_status(ALICE, image.id, 'alice', 'maybe')
    member = service.set_member_status(ALICE, image.id, 'alice', 'accepted')
    assert member.status == 'accepted'


def test_replace_and_remove(service, image):
    service.add_member(OWNER, image.id, 'alice')
    service.replace_members(OWNER, image.id, [('bob', True), ('carol', False)])
    assert member_ids(service.list_members(OWNER, image.id)) == [
        'bob', 'carol']
    service.remove_member(OWNER, image.id, 'bob')
    with pytest.raises(exception.MemberNotFound):
        service.remove_member(OWNER, image.id, 'bob')
    assert member_ids(service.list_members(OWNER, image.id)) == ['carol']


def test_member_quota(service, image):
    service.conf.set_override('image_member_quota', 1)
    service.add_member(OWNER, image.id, 'alice')
    with pytest.raises(exception.LimitExceeded):
        service.add_member(OWNER, image.id, 'bob')
    with pytest.raises(exception.LimitExceeded):
        service.replace_members(OWNER, image.id, [('a', False), ('b', False)])


def test_shared_images_do_not_leak_to_strangers(service, image):
    service.add_member(OWNER, image.id, 'alice')
    other = service.create(BOB, {'name': 'bobs'})
    service.add_member(BOB, other.id, 'alice')
    for caller in (ALICE, ADMIN):
        assert sorted(m.image_id for m in service.shared_images(
            caller, 'alice')) == sorted([image.id, other.id])
    assert [m.image_id for m in service.shared_images(OWNER, 'alice')] == [
        image.id]
    assert service.shared_images(RequestContext(project_id='eve'),
                                 'alice') == []
