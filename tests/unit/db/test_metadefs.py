"""The SQL MetadefRepository on SQLite, PostgreSQL and MySQL (and, through
tests/unit/registry, the registry one)."""

import pytest
import sqlalchemy as sa

from glance.common import exception
from glance.db import models
from glance.domain import visibility
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository

Namespace = entities.Namespace


def definition(name, **fields):
    return entities.Definition(
        namespace=Namespace(namespace=name, **fields),
        associations=[entities.Association('OS::Glance::Image', 'hw_'),
                      entities.Association('OS::Nova::Flavor', 'hw:')],
        properties=[entities.Property('b', {'title': 'B', 'type': 'string'}),
                    entities.Property('a', {'title': 'A', 'type': 'integer',
                                            'minimum': 1})],
        objects=[entities.MetadefObject(
            'limits', description='Limits', required=['x'],
            properties={'x': {'title': 'X', 'type': 'integer'}})],
        tags=[entities.Tag('gold'), entities.Tag('Gold')])


def names(items):
    return [item.name for item in items]


def query(**fields):
    return repository.NamespaceQuery(**fields).check()


def test_a_definition_is_stored_whole(metadef_repo):
    metadef_repo.add_definition(definition('ns', visibility='public',
                                           owner='alpha', protected=True,
                                           display_name='NS'))
    namespace = metadef_repo.get_namespace('ns')
    assert (namespace.visibility, namespace.owner, namespace.protected,
            namespace.display_name) == ('public', 'alpha', True, 'NS')
    assert namespace.created_at is not None
    assert names(metadef_repo.associations('ns')) == [
        'OS::Glance::Image', 'OS::Nova::Flavor']
    assert metadef_repo.associations('ns')[1].prefix == 'hw:'
    properties = metadef_repo.list_items('properties', 'ns')
    assert names(properties) == ['a', 'b']
    assert properties[0].schema == {'title': 'A', 'type': 'integer',
                                    'minimum': 1}
    [limits] = metadef_repo.list_items('objects', 'ns')
    assert (limits.description, limits.required, limits.properties) == (
        'Limits', ['x'], {'x': {'title': 'X', 'type': 'integer'}})
    # Text compares by code point on every database.
    assert names(metadef_repo.list_items('tags', 'ns')) == ['Gold', 'gold']
    assert names(metadef_repo.list_resource_types()) == [
        'OS::Glance::Image', 'OS::Nova::Flavor']


def test_namespace_names_are_unique(metadef_repo):
    metadef_repo.add_definition(definition('ns'))
    with pytest.raises(exception.Duplicate):
        metadef_repo.add_definition(definition('ns'))
    metadef_repo.add_definition(definition('other'))
    with pytest.raises(exception.Duplicate):
        metadef_repo.save_namespace('other', Namespace('ns'))
    metadef_repo.save_namespace('other', Namespace('renamed',
                                                   description='d'))
    assert metadef_repo.get_namespace('renamed').description == 'd'
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.get_namespace('other')
    # What the renamed namespace holds went with it.
    assert names(metadef_repo.list_items('tags', 'renamed')) == [
        'Gold', 'gold']


def test_unknown_namespaces_and_items_are_not_found(metadef_repo):
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.get_namespace('missing')
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.list_items('tags', 'missing')
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.add_items('tags', 'missing', [entities.Tag('t')])
    metadef_repo.add_definition(definition('ns'))
    for kind in entities.KINDS:
        with pytest.raises(exception.MetadefItemNotFound):
            metadef_repo.get_item(kind, 'ns', 'missing')
        with pytest.raises(exception.MetadefItemNotFound):
            metadef_repo.delete_item(kind, 'ns', 'missing')
    with pytest.raises(exception.MetadefItemNotFound):
        metadef_repo.delete_association('ns', 'OS::Cinder::Volume')


@pytest.mark.parametrize('kind', entities.KINDS)
def test_item_names_are_unique_per_namespace(metadef_repo, kind):
    metadef_repo.add_definition(definition('ns'))
    metadef_repo.add_definition(definition('other'))
    [existing, *_] = metadef_repo.list_items(kind, 'ns')
    new = entities.ENTITIES[kind](name='new')
    with pytest.raises(exception.Duplicate):
        metadef_repo.add_items(kind, 'ns', [new, existing])
    # All or none.
    assert 'new' not in names(metadef_repo.list_items(kind, 'ns'))
    metadef_repo.add_items(kind, 'ns', [new])
    with pytest.raises(exception.Duplicate):
        metadef_repo.save_item(kind, 'ns', 'new', existing)
    renamed = metadef_repo.save_item(kind, 'ns', 'new',
                                     entities.ENTITIES[kind](name='newer'))
    assert renamed.name == 'newer'
    assert 'newer' in names(metadef_repo.list_items(kind, 'ns'))
    metadef_repo.delete_item(kind, 'ns', 'newer')
    metadef_repo.delete_items(kind, 'ns')
    assert metadef_repo.list_items(kind, 'ns') == []
    assert metadef_repo.list_items(kind, 'other') != []


def test_adding_items_may_replace_them(metadef_repo):
    metadef_repo.add_definition(definition('ns'))
    added = metadef_repo.add_items('tags', 'ns', [entities.Tag('gold'),
                                                  entities.Tag('silver')],
                                   replace=True)
    assert names(added) == ['gold', 'silver']
    assert names(metadef_repo.list_items('tags', 'ns')) == [
        'gold', 'silver']


def test_associations_create_their_resource_type(metadef_repo):
    metadef_repo.add_definition(definition('ns'))
    added = metadef_repo.add_association('ns', entities.Association(
        'OS::Cinder::Volume', properties_target='image'))
    assert (added.name, added.properties_target) == ('OS::Cinder::Volume',
                                                     'image')
    with pytest.raises(exception.Duplicate):
        metadef_repo.add_association('ns', entities.Association(
            'OS::Cinder::Volume'))
    assert 'OS::Cinder::Volume' in names(metadef_repo.list_resource_types())
    metadef_repo.delete_association('ns', 'OS::Cinder::Volume')
    assert names(metadef_repo.associations('ns')) == [
        'OS::Glance::Image', 'OS::Nova::Flavor']


def test_deleting_a_namespace_deletes_what_it_holds(metadef_repo):
    metadef_repo.add_definition(definition('ns'))
    metadef_repo.add_definition(definition('kept'))
    metadef_repo.delete_namespace('ns')
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.get_namespace('ns')
    assert len(metadef_repo.list_items('properties', 'kept')) == 2
    metadef_repo.add_definition(definition('ns'))
    assert len(metadef_repo.list_items('properties', 'ns')) == 2


def test_lists_show_what_the_viewer_sees(metadef_repo):
    metadef_repo.add_definition(definition('public', visibility='public',
                                           owner='beta'))
    metadef_repo.add_definition(definition('alpha', owner='alpha'))
    metadef_repo.add_definition(definition('nobody'))
    metadef_repo.add_definition(definition('beta', owner='beta'))
    metadef_repo.add_items('tags', 'beta', [entities.Tag('x')], True)
    metadef_repo.delete_association('beta', 'OS::Nova::Flavor')

    def listed(viewer, **fields):
        return sorted(namespace.namespace for namespace, _ in
                      metadef_repo.list_namespaces(query(viewer=viewer,
                                                         **fields)))

    alpha = visibility.Viewer(owner='alpha')
    assert listed(alpha) == ['alpha', 'nobody', 'public']
    assert listed(visibility.Viewer()) == ['nobody', 'public']
    assert listed(visibility.Viewer(is_admin=True)) == [
        'alpha', 'beta', 'nobody', 'public']
    assert listed(alpha, visibility='private') == ['alpha', 'nobody']
    assert listed(visibility.Viewer(is_admin=True),
                  resource_types=['OS::Nova::Flavor']) == [
        'alpha', 'nobody', 'public']
    assert listed(alpha, resource_types=['OS::Glance::Image',
                                         'OS::Nova::Flavor']) == [
        'alpha', 'nobody', 'public']
    assert {namespace.namespace: names(associations) for
            namespace, associations in metadef_repo.list_namespaces(
                query())} == {
        'alpha': ['OS::Glance::Image', 'OS::Nova::Flavor'],
        'beta': ['OS::Glance::Image'],
        'nobody': ['OS::Glance::Image', 'OS::Nova::Flavor'],
        'public': ['OS::Glance::Image', 'OS::Nova::Flavor']}


@pytest.mark.parametrize('sort_key', ['namespace', 'display_name', 'owner',
                                      'created_at', 'protected'])
@pytest.mark.parametrize('sort_dir', ['asc', 'desc'])
def test_pages_follow_the_sort_order(metadef_repo, sort_key, sort_dir):
    values = [None, 'b', 'a', None, 'b']
    for index, value in enumerate(values):
        metadef_repo.add_definition(entities.Definition(Namespace(
            'ns-%d' % index, display_name=value, owner=value,
            protected=index % 2 == 0)))
    everything = [namespace for namespace, _ in metadef_repo.list_namespaces(
        query(sort_key=sort_key, sort_dir=sort_dir, limit=100))]
    order = [namespace.namespace for namespace in everything]
    assert len(order) == 5

    def key(namespace):
        value = getattr(namespace, sort_key)
        return (value is not None, value or 0, namespace.namespace)
    assert order == [namespace.namespace for namespace in sorted(
        everything, key=key, reverse=sort_dir == 'desc')]

    paged, marker = [], None
    for _ in range(5):
        page = metadef_repo.list_namespaces(query(
            sort_key=sort_key, sort_dir=sort_dir, limit=2, marker=marker))
        paged += [namespace.namespace for namespace, _ in page]
        if len(page) < 2:
            break
        marker = page[-1][0].namespace
    assert paged == order


def test_an_unknown_marker_is_not_found(metadef_repo):
    with pytest.raises(exception.MetadefNamespaceNotFound):
        metadef_repo.list_namespaces(query(marker='missing'))


def test_queries_are_checked():
    for fields in ({'sort_key': 'colour'}, {'sort_dir': 'up'},
                   {'visibility': 'shared'}):
        with pytest.raises(exception.Invalid):
            query(**fields)


def test_delete_all_keeps_protected_resource_types(metadef_repo, engine):
    metadef_repo.add_definition(definition('ns'))
    with engine.begin() as connection:
        connection.execute(sa.update(models.MetadefResourceType).where(
            models.MetadefResourceType.name == 'OS::Glance::Image').values(
            protected=True))
    metadef_repo.delete_all()
    assert metadef_repo.list_namespaces(query()) == []
    assert names(metadef_repo.list_resource_types()) == ['OS::Glance::Image']


@pytest.mark.parametrize('databases', ['postgresql', 'mysql'],
                         indirect=True)
def test_names_the_columns_cannot_hold_are_refused(metadef_repo):
    """SQLite holds them: the domain refuses them first (check_name)."""
    metadef_repo.add_definition(definition('ns'))
    too_long = 'x' * 81
    for call in (
            lambda: metadef_repo.add_definition(definition(too_long)),
            lambda: metadef_repo.add_items('tags', 'ns',
                                           [entities.Tag(too_long)])):
        with pytest.raises(exception.Invalid):
            call()
