"""The metadefs domain: visibility, owner, protection and policy rules,
decided once for every route and tool (glance.domain.metadefs)."""

import pytest

from glance.common import exception
from glance.context import RequestContext
from glance.db import metadefs as db_metadefs
from glance.domain import policy
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository
from glance.domain.metadefs import rules
from glance.domain.metadefs import service
from glance.domain import visibility
from tests.unit.domain.conftest import ADMIN
from tests.unit.domain.conftest import ALICE
from tests.unit.domain.conftest import BOB

ANONYMOUS = RequestContext(read_only=True)


@pytest.fixture
def metadefs(repo, conf):
    return service.Metadefs(db_metadefs.SqlMetadefRepository(repo._engine),
                            policy.Authorizer(conf))


def namespace(name, **fields):
    return entities.Definition(entities.Namespace(name, **fields),
                               tags=[entities.Tag('t')])


@pytest.mark.parametrize('viewer, owner, public, seen', [
    (visibility.Viewer(is_admin=True), 'alice', False, True),
    (visibility.Viewer(owner='alice'), 'alice', False, True),
    (visibility.Viewer(owner='bob'), 'alice', False, False),
    (visibility.Viewer(owner='bob'), 'alice', True, True),
    (visibility.Viewer(), None, False, True),
    (visibility.Viewer(), 'alice', False, False),
])
def test_who_sees_a_namespace(viewer, owner, public, seen):
    found = entities.Namespace('ns', owner=owner,
                               visibility='public' if public else 'private')
    assert rules.can_see(viewer, found) is seen


def test_who_changes_a_namespace():
    mine = entities.Namespace('ns', owner='alice', visibility='public')
    assert rules.may_change(ALICE, mine)
    assert rules.may_change(ADMIN, mine)
    assert not rules.may_change(BOB, mine)
    assert not rules.may_change(RequestContext(project_id='alice',
                                               read_only=True), mine)
    assert not rules.may_change(ALICE, entities.Namespace('ns'))


def test_admins_write_and_others_read_what_they_see(metadefs):
    metadefs.create_namespace(ADMIN, namespace('open', visibility='public'))
    metadefs.create_namespace(ADMIN, namespace('alices', owner='alice'))
    with pytest.raises(exception.Forbidden):
        metadefs.create_namespace(ALICE, namespace('mine'))
    with pytest.raises(exception.Forbidden):
        metadefs.add_item(ALICE, 'tags', 'alices', entities.Tag('x'))
    assert metadefs.get_namespace(ALICE, 'alices').tags[0].name == 't'
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadefs.get_namespace(BOB, 'alices')
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadefs.list_items(ANONYMOUS, 'tags', 'alices')
    listed = metadefs.list_namespaces(BOB, repository.NamespaceQuery())
    assert [found.namespace for found, _ in listed] == ['open']


def test_an_admin_creates_for_another_owner(metadefs):
    created = metadefs.create_namespace(ADMIN, namespace('x', owner='bob'))
    assert created.namespace.owner == 'bob'
    assert metadefs.create_namespace(
        ADMIN, namespace('y')).namespace.owner == 'ops'


def test_protection(metadefs):
    metadefs.create_namespace(ADMIN, namespace('p', protected=True))
    for delete in (lambda: metadefs.delete_namespace(ADMIN, 'p'),
                   lambda: metadefs.delete_item(ADMIN, 'tags', 'p', 't'),
                   lambda: metadefs.delete_items(ADMIN, 'tags', 'p')):
        with pytest.raises(exception.ProtectedMetadefDelete):
            delete()
    metadefs.update_namespace(ADMIN, 'p', {'protected': False})
    metadefs.delete_namespace(ADMIN, 'p')


def test_update_checks_what_it_writes(metadefs):
    metadefs.create_namespace(ADMIN, namespace('ns'))
    with pytest.raises(exception.Invalid):
        metadefs.update_namespace(ADMIN, 'ns', {'visibility': 'shared'})
    with pytest.raises(exception.Invalid):
        metadefs.update_namespace(ADMIN, 'ns', {'colour': 'blue'})
    assert metadefs.update_namespace(
        ADMIN, 'ns', {'description': 'd'}).namespace.description == 'd'


def test_tags_given_twice_are_refused(metadefs):
    metadefs.create_namespace(ADMIN, namespace('ns'))
    with pytest.raises(exception.Duplicate):
        metadefs.add_tags(ADMIN, 'ns', [entities.Tag('a'),
                                        entities.Tag('a')])
    assert [tag.name for tag in metadefs.add_tags(
        ADMIN, 'ns', [entities.Tag('b')], append=True)] == ['b']
    assert [tag.name for tag in metadefs.list_items(
        ADMIN, 'tags', 'ns')] == ['b', 't']
