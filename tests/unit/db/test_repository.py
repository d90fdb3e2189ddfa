import datetime
import functools
import multiprocessing
import random
import threading
import uuid

import pytest
import sqlalchemy as sa

from glance.common import exception
from glance.db import models
from glance.db import repository
from glance.db import session
from glance.domain import image as domain
from glance.domain.repository import ImageQuery
from glance.domain.repository import StorageQuota
from glance.domain import visibility
from glance.domain.visibility import Viewer
from tests import databases as test_databases

T0 = datetime.datetime(2024, 1, 1)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def new_image(**attributes):
    attributes.setdefault('created_at', T0)
    attributes.setdefault('updated_at', T0)
    return domain.Image(**attributes)


def add(repo, **attributes):
    image = new_image(**attributes)
    repo.add(image)
    return image


def names(images):
    return {image.name for image in images}


def viewed_by(owner=None, admin=False, **fields):
    """An ImageQuery as the domain makes it for a caller, checked."""
    return ImageQuery(viewer=Viewer(owner, admin), **fields).check()


def admin_query(**fields):
    return viewed_by('admin', True, **fields)


def save(repo, image, require_status=None):
    """Save the changes made to ``image``, as the domain does."""
    updated_at = repo.save(image.id, image.changes(), require_status)
    image.mark_stored()
    return updated_at


def add_member(engine, image_id, member, status='accepted', deleted=False):
    with engine.begin() as connection:
        connection.execute(sa.insert(models.ImageMember).values(
            image_id=image_id, member=member, status=status,
            deleted=deleted, created_at=T0,
            deleted_at=T0 if deleted else None))


def stored_rows(engine, model, image_id):
    with engine.connect() as connection:
        return connection.execute(sa.select(model).where(
            model.image_id == image_id).order_by(model.id)).all()


# -- get / add ---------------------------------------------------------------

def test_add_then_get_returns_every_attribute_and_child(repo):
    image = new_image(
        name='cirros', owner='alice', visibility='private', protected=True,
        disk_format='qcow2', container_format='bare', min_disk=2,
        min_ram=512, extra_properties={'os_distro': 'cirros', 'empty': ''},
        tags={'small', 'test'},
        locations=[domain.Location('file:///var/a', {'store': 'a'})])
    repo.add(image)

    assert repo.get(image.id) == image


def test_datetimes_are_kept_to_the_microsecond(repo):
    moment = T0 + datetime.timedelta(microseconds=123456)
    image = add(repo, visibility='public', created_at=moment,
                updated_at=moment)
    add(repo, visibility='public', created_at=T0)

    assert (repo.get(image.id).created_at,
            repo.get(image.id).updated_at) == (moment, moment)
    assert repo.list(ImageQuery(ranges=[('created_at', 'gt', T0)])) == [
        repo.get(image.id)]


def test_get_unknown_image_raises_not_found(repo):
    with pytest.raises(exception.ImageNotFound):
        repo.get(str(uuid.uuid4()))


def test_add_with_an_existing_id_raises_duplicate(repo):
    image = add(repo, name='first')

    with pytest.raises(exception.Duplicate):
        repo.add(new_image(id=image.id, name='second'))
    assert repo.get(image.id).name == 'first'


def test_add_with_the_id_of_a_deleted_image_raises_duplicate(repo):
    image = add(repo)
    repo.transition(image.id, 'queued', 'deleted', deleted=True)

    with pytest.raises(exception.Duplicate):
        repo.add(new_image(id=image.id))


# -- save --------------------------------------------------------------------

def test_save_writes_mutable_attributes_but_not_managed_ones(repo):
    image = add(repo, name='old', owner='alice')
    image.name, image.visibility, image.min_ram = 'new', 'public', 64
    image.protected, image.os_hidden, image.owner = True, True, 'bob'
    image.disk_format, image.container_format, image.min_disk = \
        'raw', 'ovf', 3
    image.status, image.size, image.checksum = 'active', 10, 'x' * 32
    image.locations = [domain.Location('file:///ignored')]

    save(repo, image)

    stored = repo.get(image.id)
    assert (stored.name, stored.visibility, stored.min_ram, stored.protected,
            stored.os_hidden, stored.owner, stored.disk_format,
            stored.container_format, stored.min_disk) == (
        'new', 'public', 64, True, True, 'bob', 'raw', 'ovf', 3)
    assert (stored.status, stored.size, stored.checksum,
            stored.locations) == ('queued', None, None, [])


def test_save_applies_property_and_tag_changes(repo, engine):
    image = add(repo, extra_properties={'keep': '1', 'change': 'a',
                                        'drop': 'x'},
                tags={'stay', 'go'})
    image.extra_properties = {'keep': '1', 'change': 'b', 'new': 'n'}
    image.tags = {'stay', 'come'}

    save(repo, image)

    stored = repo.get(image.id)
    assert stored.extra_properties == {'keep': '1', 'change': 'b',
                                       'new': 'n'}
    assert stored.tags == {'stay', 'come'}
    dropped = [row for row in stored_rows(engine, models.ImageProperty,
                                          image.id) if row.name == 'drop']
    assert dropped[0].deleted and dropped[0].deleted_at is not None


def test_save_brings_back_a_removed_property_and_tag(repo):
    image = add(repo, extra_properties={'p': 'old'}, tags={'t'})
    image.extra_properties, image.tags = {}, set()
    save(repo, image)

    image.extra_properties, image.tags = {'p': 'new'}, {'t'}
    save(repo, image)

    stored = repo.get(image.id)
    assert stored.extra_properties == {'p': 'new'}
    assert stored.tags == {'t'}


def test_save_bumps_and_returns_updated_at(repo):
    image = add(repo, updated_at=T0)

    updated_at = save(repo, image)

    assert updated_at > T0
    assert repo.get(image.id).updated_at == updated_at


def test_save_with_require_status_writes_when_status_matches(repo):
    image = add(repo, name='before')
    image.name = 'after'

    save(repo, image, require_status='queued')

    assert repo.get(image.id).name == 'after'


def test_save_with_another_required_status_conflicts_and_writes_nothing(
        repo):
    image = add(repo, name='before', tags={'t'})
    image.name, image.tags = 'after', set()

    with pytest.raises(exception.Conflict):
        save(repo, image, require_status='active')

    stored = repo.get(image.id)
    assert (stored.name, stored.tags) == ('before', {'t'})


def test_save_of_a_missing_image_raises_not_found(repo):
    with pytest.raises(exception.ImageNotFound):
        repo.save(str(uuid.uuid4()), domain.ImageChanges(
            attributes={'name': 'x'}))


def test_save_of_a_deleted_image_raises_not_found(repo):
    image = add(repo)
    repo.transition(image.id, 'queued', 'deleted', deleted=True)

    with pytest.raises(exception.ImageNotFound):
        save(repo, image, require_status='deleted')


# Values some databases cannot hold: MySQL's TEXT ends at 64 KiB and
# PostgreSQL text holds no NUL character.
LONG_VALUE, NUL_VALUE = 'x' * 70000, 'before\x00after'
REFUSED = {('mysql', LONG_VALUE), ('postgresql', NUL_VALUE)}


@pytest.mark.parametrize('value', [LONG_VALUE, NUL_VALUE],
                         ids=['long', 'nul'])
def test_a_value_is_stored_whole_or_refused_as_invalid(repo, engine,
                                                       value):
    image = add(repo, extra_properties={'kept': 'k'})
    image.extra_properties['p'] = value
    image.name = 'changed'

    if (engine.dialect.name, value) in REFUSED:
        with pytest.raises(exception.Invalid):
            save(repo, image)
        stored = repo.get(image.id)
        assert (stored.name, stored.extra_properties) == (None, {'kept': 'k'})
    else:
        save(repo, image)
        assert repo.get(image.id).extra_properties['p'] == value


# -- save: several writers ----------------------------------------------------

def test_saves_from_one_read_keep_each_others_changes(repo):
    image = add(repo, name='old', min_ram=0, extra_properties={
        'kept': 'k', 'changed': 'c', 'removed': 'r'}, tags={'t1', 't2'})
    first, second = repo.get(image.id), repo.get(image.id)
    first.name = 'new'
    first.tags.add('first')
    first.tags.discard('t1')
    first.extra_properties.update(changed='c2', first='1')
    second.min_ram = 64
    second.tags.add('second')
    second.extra_properties['second'] = '2'
    del second.extra_properties['removed']

    save(repo, first)
    save(repo, second)

    stored = repo.get(image.id)
    assert (stored.name, stored.min_ram) == ('new', 64)
    assert stored.tags == {'t2', 'first', 'second'}
    assert stored.extra_properties == {'kept': 'k', 'changed': 'c2',
                                       'first': '1', 'second': '2'}


def test_a_second_save_of_one_image_writes_its_new_changes(repo):
    image = repo.get(add(repo, tags={'a'}).id)
    image.tags.add('b')
    save(repo, image)
    other = repo.get(image.id)
    other.tags.add('c')
    save(repo, other)

    image.tags.discard('a')
    save(repo, image)

    assert repo.get(image.id).tags == {'b', 'c'}


def race(contenders, action):
    """Run ``action(n)`` for n in range(contenders) in as many threads,
    started together; the exceptions they raised."""
    barrier = threading.Barrier(contenders)
    errors = []

    def run(number):
        barrier.wait()
        try:
            action(number)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,))
               for number in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_read_change_save_cycles_lose_no_change(repo):
    image = add(repo, tags={'base'}, extra_properties={'base': '0'})

    def add_tag_and_property(number):
        copy = repo.get(image.id)
        copy.tags.add('tag-%d' % number)
        copy.extra_properties['property_%d' % number] = str(number)
        save(repo, copy)

    assert race(8, add_tag_and_property) == []

    stored = repo.get(image.id)
    assert stored.tags == {'base'} | {'tag-%d' % n for n in range(8)}
    assert stored.extra_properties == {
        'base': '0', **{'property_%d' % n: str(n) for n in range(8)}}


def test_concurrent_adds_of_the_same_tag_and_property_all_succeed(repo):
    image = add(repo)

    def add_same(number):
        copy = repo.get(image.id)
        copy.tags.add('same')
        copy.extra_properties['same'] = 'value'
        save(repo, copy)

    assert race(8, add_same) == []

    stored = repo.get(image.id)
    assert (stored.tags, stored.extra_properties) == (
        {'same'}, {'same': 'value'})


def test_tags_and_properties_differing_in_case_or_spaces_are_distinct(
        repo):
    variants = {'os', 'OS', 'Os', 'os ', ' os', 'ös'}
    image = add(repo, visibility='public', tags=set(variants),
                extra_properties={name: name for name in variants})

    stored = repo.get(image.id)
    assert stored.tags == variants
    assert stored.extra_properties == {name: name for name in variants}
    for variant in variants:
        assert repo.list(ImageQuery(tags=[variant])) == [stored]
        assert repo.list(ImageQuery(
            property_filters={variant: [variant]})) == [stored]
    assert repo.list(ImageQuery(tags=['oS'])) == []


def test_names_sort_and_filter_by_code_point(repo):
    for name in ('b', 'B', 'a', 'a ', 'A', 'é'):
        add(repo, name=name, visibility='public')

    listed = repo.list(ImageQuery(sort=[('name', 'asc')]))

    assert [image.name for image in listed] == ['A', 'B', 'a', 'a ', 'b',
                                                 'é']
    assert names(repo.list(ImageQuery(filters={'name': ['a']}))) == {'a'}


# -- transition --------------------------------------------------------------

def test_transition_sets_status_values_and_updated_at(repo):
    image = add(repo)

    moved = repo.transition(image.id, 'queued', 'active', size=10,
                            virtual_size=20, checksum='c' * 32,
                            os_hash_algo='sha512', os_hash_value='h' * 128)

    assert moved == repo.get(image.id)
    assert (moved.status, moved.size, moved.virtual_size, moved.checksum,
            moved.os_hash_algo, moved.os_hash_value) == (
        'active', 10, 20, 'c' * 32, 'sha512', 'h' * 128)
    assert moved.updated_at > T0


def test_transition_from_a_status_the_image_left_conflicts(repo):
    image = add(repo)
    repo.transition(image.id, 'queued', 'saving')

    with pytest.raises(exception.Conflict) as error:
        repo.transition(image.id, 'queued', 'saving', size=1)

    assert 'saving' in str(error.value) and 'queued' in str(error.value)
    assert repo.get(image.id).size is None


def test_transition_of_a_missing_image_raises_not_found(repo):
    with pytest.raises(exception.ImageNotFound):
        repo.transition(str(uuid.uuid4()), 'queued', 'saving')


def test_transition_of_a_deleted_image_raises_not_found(repo):
    image = add(repo)
    repo.transition(image.id, 'queued', 'deleted', deleted=True)

    with pytest.raises(exception.ImageNotFound):
        repo.transition(image.id, 'queued', 'saving')


def test_transition_replaces_locations_keeping_old_rows_deleted(
        repo, engine):
    image = add(repo)
    repo.transition(image.id, 'queued', 'active',
                    locations=[domain.Location('file:///a')])

    moved = repo.transition(
        image.id, 'active', 'active',
        locations=[domain.Location('file:///b', {'k': 'v'}),
                   domain.Location('file:///c', status='pending_delete')])

    assert moved.locations == [
        domain.Location('file:///b', {'k': 'v'}),
        domain.Location('file:///c', status='pending_delete')]
    rows = stored_rows(engine, models.ImageLocation, image.id)
    assert [(row.value, row.deleted) for row in rows] == [
        ('file:///a', True), ('file:///b', False), ('file:///c', False)]


def test_transition_without_locations_keeps_them(repo):
    image = add(repo, locations=[domain.Location('file:///a')])

    moved = repo.transition(image.id, 'queued', 'active')

    assert moved.locations == [domain.Location('file:///a')]


def test_soft_delete_hides_the_image_but_keeps_the_row(repo, engine):
    image = add(repo, visibility='public')

    deleted = repo.transition(image.id, 'queued', 'deleted', deleted=True)

    assert deleted.status == 'deleted'
    with pytest.raises(exception.ImageNotFound):
        repo.get(image.id)
    assert repo.list(admin_query()) == []
    with engine.connect() as connection:
        row = connection.execute(sa.select(models.Image).where(
            models.Image.id == image.id)).one()
    assert row.deleted and row.deleted_at is not None


def race_to_saving(repo, image_id, contenders=8):
    """``contenders`` threads move the image from queued to saving at once;
    the sizes they set that won, and the errors of those that lost."""
    winners = []

    def contend(size):
        repo.transition(image_id, 'queued', 'saving', size=size)
        winners.append(size)

    return winners, race(contenders, contend)


def test_concurrent_transitions_in_threads_let_exactly_one_win(repo):
    image = add(repo)

    winners, errors = race_to_saving(repo, image.id)

    assert len(winners) == 1 and len(errors) == 7
    assert all(isinstance(error, exception.Conflict) for error in errors)
    assert repo.get(image.id).size == winners[0]


@pytest.mark.parametrize('databases', ['postgresql'], indirect=True)
def test_transitions_conflict_where_the_server_isolation_is_serializable(
        databases):
    url = databases.new()
    server = test_databases.database_server('postgresql')
    server.execute("ALTER DATABASE %s SET default_transaction_isolation "
                   "= 'serializable'" % sa.engine.make_url(url).database)
    engine = session.create_engine(test_databases.migrate(url))
    repo = repository.SqlImageRepository(engine)
    try:
        for _ in range(5):
            image = add(repo)
            winners, errors = race_to_saving(repo, image.id)
            assert len(winners) == 1
            assert all(isinstance(error, exception.Conflict)
                       for error in errors), errors
    finally:
        engine.dispose()


def transition_in_another_process(url, image_ids, barrier, results):
    repo = repository.SqlImageRepository(session.create_engine(url))
    for image_id in image_ids:
        barrier.wait()
        try:
            repo.transition(image_id, 'queued', 'saving')
            results.put((image_id, 'won'))
        except exception.Conflict:
            results.put((image_id, 'lost'))


def test_concurrent_transitions_in_processes_let_exactly_one_win(
        repo, engine):
    image_ids = [add(repo).id for _ in range(10)]
    processes = 3
    context = multiprocessing.get_context('spawn')
    barrier, results = context.Barrier(processes), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=transition_in_another_process,
                               args=(url, image_ids, barrier, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60)
                for _ in range(processes * len(image_ids))]
    for worker in workers:
        worker.join(timeout=60)

    for image_id in image_ids:
        mine = [outcome for owner, outcome in outcomes if owner == image_id]
        assert sorted(mine) == ['lost'] * (processes - 1) + ['won']
        assert repo.get(image_id).status == 'saving'


# -- touch / stalled ---------------------------------------------------------

def test_touch_bumps_updated_at_only_in_the_given_status(repo):
    image = add(repo, updated_at=T0)

    assert repo.touch(image.id, 'saving') is False
    assert repo.get(image.id).updated_at == T0
    assert repo.touch(image.id, 'queued') is True
    assert repo.get(image.id).updated_at > T0


def test_stalled_lists_images_in_status_not_updated_since(repo):
    add(repo, name='stale', updated_at=at(0))
    add(repo, name='fresh', updated_at=at(10))
    moved = add(repo, name='other status', updated_at=at(0))
    repo.transition(moved.id, 'queued', 'saving')
    gone = add(repo, name='deleted', updated_at=at(0))
    repo.transition(gone.id, 'queued', 'deleted', deleted=True)

    stalled = repo.stalled('queued', at(5))

    assert [image.name for image in stalled] == ['stale']


# -- list: visibility --------------------------------------------------------

@pytest.fixture
def shared_world(repo, engine):
    """Images of alice and bob seen by alice, bob, carol, dave, anonymous."""
    add(repo, name='a-public', owner='alice', visibility='public')
    add(repo, name='a-private', owner='alice', visibility='private')
    accepted = add(repo, name='a-shared-accepted', owner='alice',
                   visibility='shared')
    pending = add(repo, name='a-shared-pending', owner='alice',
                  visibility='shared')
    add(repo, name='a-community', owner='alice', visibility='community')
    add(repo, name='b-private', owner='bob', visibility='private')
    add(repo, name='b-community', owner='bob', visibility='community')
    add_member(engine, accepted.id, 'carol', 'accepted')
    add_member(engine, pending.id, 'carol', 'pending')
    add_member(engine, accepted.id, 'dave', 'accepted', deleted=True)
    return repo


@pytest.mark.parametrize('viewer, member_status, expected', [
    ('alice', 'accepted', {'a-public', 'a-private', 'a-shared-accepted',
                           'a-shared-pending', 'a-community'}),
    ('bob', 'accepted', {'a-public', 'b-private', 'b-community'}),
    ('carol', 'accepted', {'a-public', 'a-shared-accepted'}),
    ('carol', 'pending', {'a-public', 'a-shared-pending'}),
    ('carol', 'all', {'a-public', 'a-shared-accepted', 'a-shared-pending'}),
    ('dave', 'all', {'a-public'}),
    (None, 'all', {'a-public'}),
])
def test_list_shows_a_non_admin_what_it_may_see(shared_world, viewer,
                                                member_status, expected):
    query = viewed_by(viewer, member_status=member_status)

    assert names(shared_world.list(query)) == expected


def test_list_shows_an_admin_all_but_others_community_images(shared_world):
    assert names(shared_world.list(admin_query())) == {
        'a-public', 'a-private', 'a-shared-accepted', 'a-shared-pending',
        'b-private'}


@pytest.mark.parametrize('viewer, admin, visibility, expected', [
    ('carol', False, 'public', {'a-public'}),
    ('carol', False, 'community', {'a-community', 'b-community'}),
    ('carol', False, 'private', set()),
    ('bob', False, 'private', {'b-private'}),
    ('carol', False, 'shared', {'a-shared-accepted'}),
    ('alice', False, 'shared', {'a-shared-accepted', 'a-shared-pending'}),
    ('carol', False, 'all', {'a-public', 'a-shared-accepted', 'a-community',
                             'b-community'}),
    ('admin', True, 'private', {'a-private', 'b-private'}),
    ('admin', True, 'shared', {'a-shared-accepted', 'a-shared-pending'}),
    ('admin', True, 'community', {'a-community', 'b-community'}),
])
def test_list_with_visibility_filter_shows_what_viewer_could_see(
        shared_world, viewer, admin, visibility, expected):
    visibilities = list(domain.VISIBILITIES) if visibility == 'all' \
        else [visibility]
    query = viewed_by(viewer, admin=admin,
                      filters={'visibility': visibilities})

    assert names(shared_world.list(query)) == expected


VIEWERS = [Viewer(owner, admin) for owner, admin in (
    ('alice', False), ('bob', False), ('carol', False), ('dave', False),
    (None, False), ('admin', True), (None, True))]


@pytest.mark.parametrize('viewer', VIEWERS)
@pytest.mark.parametrize('visibility_filter', [
    None, ['public'], ['private'], ['shared'], ['community'],
    ['private', 'community'], list(domain.VISIBILITIES)])
@pytest.mark.parametrize('member_status', ['accepted', 'pending', 'all'])
def test_what_a_list_shows_is_what_the_python_rule_says(
        shared_world, viewer, visibility_filter, member_status):
    """One definition, two readings: the SQL of a list and the Python check
    of glance.domain.visibility agree on every image for every viewer."""
    filters = {} if visibility_filter is None else {
        'visibility': visibility_filter}
    query = ImageQuery(viewer=viewer, filters=filters,
                       member_status=member_status, limit=100).check()
    every_image = shared_world.list(admin_query(
        filters={'visibility': list(domain.VISIBILITIES)}, limit=100))

    assert {image.name for image in every_image if visibility.matches(
        query.rule(), viewer, image,
        lambda: shared_world.member_status(image.id, viewer.owner))} == \
        names(shared_world.list(query))


def test_list_with_several_visibilities_unites_them(shared_world):
    query = viewed_by('bob',
                       filters={'visibility': ['private', 'public']})

    assert names(shared_world.list(query)) == {'a-public', 'b-private'}


def test_list_with_unknown_visibility_is_invalid(shared_world):
    with pytest.raises(exception.InvalidParameterValue):
        viewed_by(filters={'visibility': ['everyone']})


def test_list_hides_hidden_images_unless_the_filter_asks(repo):
    add(repo, name='shown', visibility='public')
    add(repo, name='hidden', visibility='public', os_hidden=True)

    assert names(repo.list(ImageQuery())) == {'shown'}
    assert names(repo.list(ImageQuery(
        filters={'os_hidden': [True]}))) == {'hidden'}
    assert names(repo.list(ImageQuery(
        filters={'os_hidden': [True, False]}))) == {'shown', 'hidden'}


@pytest.mark.parametrize('is_public, admin, expected', [
    (True, False, {'a-public'}),
    (False, False, {'a-shared-accepted', 'a-shared-pending'}),
    (True, True, {'a-public'}),
    (False, True, {'a-private', 'a-shared-accepted', 'a-shared-pending',
                   'b-private'}),
])
def test_list_keeps_public_or_other_images_for_is_public(
        shared_world, is_public, admin, expected):
    """Image API v1's is_public, as its adapter asks for it."""
    query = viewed_by('carol', admin=admin, member_status='all',
                      filters={'visibility': ['public'] if is_public
                               else ['private', 'shared']})

    assert names(shared_world.list(query)) == expected


def test_list_changes_since_includes_deleted_images(repo):
    add(repo, name='old', visibility='public', updated_at=at(1))
    kept = add(repo, name='kept', visibility='public', updated_at=at(5))
    gone = add(repo, name='gone', visibility='public', updated_at=at(6))
    repo.transition(gone.id, 'queued', 'deleted', deleted=True)

    assert names(repo.list(ImageQuery())) == {'old', 'kept'}
    changed = repo.list(ImageQuery(changes_since=at(2)))
    assert names(changed) == {'kept', 'gone'}
    deleted = [image for image in changed if image.name == 'gone'][0]
    assert deleted.deleted and deleted.status == 'deleted'
    assert deleted.deleted_at is not None
    assert not [image for image in changed if image.id == kept.id][0].deleted
    assert names(repo.list(ImageQuery(changes_since=at(2),
                                      sort=[('name', 'asc')],
                                      marker=gone.id))) == {'kept'}


# -- list: filters -----------------------------------------------------------

FILTER_IMAGES = [
    dict(name='one', disk_format='raw', container_format='bare',
         protected=False, checksum='1' * 32, min_disk=0, min_ram=0,
         owner='alice'),
    dict(name='two', disk_format='qcow2', container_format='ovf',
         protected=True, checksum='2' * 32, min_disk=1, min_ram=128,
         owner='bob'),
    dict(name='three', disk_format='iso', container_format='bare',
         protected=False, checksum='3' * 32, min_disk=2, min_ram=256,
         owner='carol'),
]


@pytest.fixture
def filter_world(repo):
    images = [add(repo, visibility='public', **attributes)
              for attributes in FILTER_IMAGES]
    repo.transition(images[1].id, 'queued', 'active')
    return repo, images


@pytest.mark.parametrize('attribute, values, expected', [
    ('name', ['two'], {'two'}),
    ('name', ['one', 'three'], {'one', 'three'}),
    ('status', ['active'], {'two'}),
    ('status', ['queued'], {'one', 'three'}),
    ('disk_format', ['raw', 'iso'], {'one', 'three'}),
    ('container_format', ['bare'], {'one', 'three'}),
    ('protected', [True], {'two'}),
    ('checksum', ['3' * 32], {'three'}),
    ('min_disk', [1, 2], {'two', 'three'}),
    ('min_ram', [0], {'one'}),
    ('owner', ['bob', 'carol'], {'two', 'three'}),
    ('name', ['nothing'], set()),
])
def test_list_filters_on_attributes_with_value_lists(
        filter_world, attribute, values, expected):
    repo, _ = filter_world

    images = repo.list(admin_query(filters={attribute: values}))

    assert names(images) == expected


def test_list_filters_on_id(filter_world):
    repo, images = filter_world

    listed = repo.list(admin_query(filters={'id': [images[0].id]}))

    assert names(listed) == {'one'}


def test_list_combines_filters_with_and(filter_world):
    repo, _ = filter_world
    query = admin_query(filters={'container_format': ['bare'],
                                 'min_disk': [0, 1]})

    assert names(repo.list(query)) == {'one'}


def test_list_refuses_an_unknown_filter(filter_world):
    repo, _ = filter_world

    with pytest.raises(exception.InvalidParameterValue):
        admin_query(filters={'deleted': [True]})


def test_list_filters_on_extra_properties(repo):
    add(repo, name='ubuntu', visibility='public',
        extra_properties={'os_distro': 'ubuntu', 'hw': 'q35'})
    add(repo, name='fedora', visibility='public',
        extra_properties={'os_distro': 'fedora', 'hw': 'q35'})
    add(repo, name='bare', visibility='public')

    def listed(property_filters):
        return names(repo.list(ImageQuery(property_filters=property_filters)))

    assert listed({'os_distro': ['ubuntu']}) == {'ubuntu'}
    assert listed({'os_distro': ['ubuntu', 'fedora']}) == {'ubuntu',
                                                           'fedora'}
    assert listed({'os_distro': ['fedora'], 'hw': ['q35']}) == {'fedora'}
    assert listed({'os_distro': ['fedora'], 'hw': ['pc']}) == set()
    assert listed({'missing': ['x']}) == set()


def test_list_ignores_removed_properties_and_tags(repo):
    image = add(repo, visibility='public', extra_properties={'p': 'v'},
                tags={'t'})
    image.extra_properties, image.tags = {}, set()
    save(repo, image)

    assert repo.list(ImageQuery(property_filters={'p': ['v']})) == []
    assert repo.list(ImageQuery(tags=['t'])) == []


def test_list_requires_every_tag(repo):
    add(repo, name='both', visibility='public', tags={'a', 'b'})
    add(repo, name='only-a', visibility='public', tags={'a'})

    assert names(repo.list(ImageQuery(tags=['a']))) == {'both', 'only-a'}
    assert names(repo.list(ImageQuery(tags=['a', 'b']))) == {'both'}
    assert names(repo.list(ImageQuery(tags=['c']))) == set()


@pytest.mark.parametrize('operator, value, expected', [
    ('eq', 20, {'20'}),
    ('neq', 20, {'10', '30'}),
    ('gt', 20, {'30'}),
    ('gte', 20, {'20', '30'}),
    ('lt', 20, {'10'}),
    ('lte', 20, {'10', '20'}),
])
def test_list_filters_size_ranges(repo, operator, value, expected):
    for size in (10, 20, 30):
        image = add(repo, name=str(size), visibility='public')
        repo.transition(image.id, 'queued', 'active', size=size)

    listed = repo.list(ImageQuery(ranges=[('size', operator, value)]))

    assert names(listed) == expected


def test_list_filters_datetime_ranges_combined(repo):
    for minute in range(5):
        add(repo, name=str(minute), visibility='public',
            created_at=at(minute), updated_at=at(10 - minute))
    query = ImageQuery(ranges=[('created_at', 'gte', at(1)),
                               ('created_at', 'lt', at(4)),
                               ('updated_at', 'neq', at(8))])

    assert names(repo.list(query)) == {'1', '3'}


@pytest.mark.parametrize('ranges, error', [
    ([('name', 'eq', 'x')], exception.InvalidFilterRangeValue),
    ([('size', 'like', 1)], exception.InvalidFilterOperatorValue),
])
def test_list_refuses_bad_ranges(repo, ranges, error):
    with pytest.raises(error):
        viewed_by(ranges=ranges)


def test_list_returns_properties_tags_and_locations(repo):
    image = add(repo, visibility='public', extra_properties={'k': 'v'},
                tags={'t'}, locations=[domain.Location('file:///x')])

    assert repo.list(ImageQuery()) == [image]


def test_list_loads_images_and_children_in_two_queries(repo, engine):
    for number in range(20):
        add(repo, name=str(number), visibility='public',
            extra_properties={'n': str(number)}, tags={str(number)},
            locations=[domain.Location('file:///%d' % number)])
    statements = []
    sa.event.listen(engine, 'before_cursor_execute',
                    lambda *args: statements.append(args[2]))

    images = repo.list(ImageQuery(limit=20))

    selects = [sql for sql in statements if sql.startswith('SELECT')]
    assert len(images) == 20 and len(selects) == 2
    assert all(image.extra_properties == {'n': image.name}
               and image.tags == {image.name} for image in images)


# -- list: order and paging --------------------------------------------------

def python_order(images, keys):
    """``images`` sorted as the repository must: NULL before any value."""
    def compare(left, right):
        for key, direction in keys:
            a, b = getattr(left, key), getattr(right, key)
            if a == b:
                continue
            smaller = a is None or (b is not None and a < b)
            return (-1 if smaller else 1) * (1 if direction == 'asc' else -1)
        return 0
    return sorted(images, key=functools.cmp_to_key(compare))


@pytest.fixture
def sixty_images(repo):
    """Images with many ties and NULLs in the sortable attributes."""
    rand = random.Random(60)
    images = []
    for _ in range(60):
        image = new_image(
            name=rand.choice([None, 'alpha', 'Beta', 'gamma']),
            visibility='public',
            disk_format=rand.choice([None, 'raw', 'qcow2']),
            container_format=rand.choice([None, 'bare']),
            min_ram=rand.choice([0, 64]), protected=rand.choice([True, False]),
            owner=rand.choice([None, 'alice', 'bob']),
            created_at=at(rand.randrange(5)),
            updated_at=rand.choice([None, at(1), at(2)]))
        repo.add(image)
        size = rand.choice([None, 0, 10, 20])
        if size is not None:
            image = repo.transition(image.id, 'queued', 'active', size=size)
        images.append(image)
    return images


SORT_ORDERS = [
    [('created_at', 'desc')],
    [('name', 'asc')],
    [('name', 'desc')],
    [('size', 'asc'), ('name', 'desc')],
    [('disk_format', 'desc'), ('created_at', 'asc'), ('min_ram', 'desc')],
    [('protected', 'asc'), ('size', 'desc')],
    [('updated_at', 'asc'), ('owner', 'desc')],
    [('container_format', 'desc'), ('status', 'asc')],
    [('id', 'asc')],
    [('visibility', 'desc'), ('id', 'asc'), ('name', 'desc')],
]


def with_id(sort):
    if any(key == 'id' for key, _ in sort):
        return sort
    return sort + [('id', sort[-1][1])]


@pytest.mark.parametrize('sort', SORT_ORDERS)
def test_list_sorts_on_keys_with_mixed_directions_and_nulls(
        repo, sixty_images, sort):
    listed = repo.list(admin_query(sort=sort, limit=100))

    assert listed == python_order(sixty_images, with_id(sort))


@pytest.mark.parametrize('sort', SORT_ORDERS)
def test_marker_paging_walks_every_image_once_in_order(
        repo, sixty_images, sort):
    walked, marker = [], None
    while True:
        page = repo.list(admin_query(sort=sort, limit=7, marker=marker))
        assert len(page) <= 7
        walked.extend(page)
        if len(page) < 7:
            break
        marker = page[-1].id

    assert walked == python_order(sixty_images, with_id(sort))


def test_marker_paging_with_filters_walks_the_filtered_images(
        repo, sixty_images):
    sort = [('name', 'asc'), ('created_at', 'desc')]
    query = dict(sort=sort, limit=5, filters={'protected': [True]},
                 ranges=[('size', 'gte', 10)])
    walked, marker = [], None
    while page := repo.list(admin_query(marker=marker, **query)):
        walked.extend(page)
        marker = page[-1].id

    expected = [image for image in sixty_images
                if image.protected and (image.size or 0) >= 10]
    assert walked == python_order(expected, with_id(sort))


def test_list_returns_at_most_limit_images(repo, sixty_images):
    assert len(repo.list(admin_query(limit=13))) == 13


def test_list_with_unknown_marker_raises_not_found(repo, sixty_images):
    with pytest.raises(exception.ImageNotFound):
        repo.list(admin_query(marker=str(uuid.uuid4())))


def test_list_with_marker_the_viewer_cannot_see_raises_not_found(repo):
    private = add(repo, owner='alice', visibility='private')

    with pytest.raises(exception.ImageNotFound):
        repo.list(viewed_by('bob', marker=private.id))
    assert repo.list(viewed_by('alice',
                                marker=private.id)) == []


def test_list_with_deleted_marker_raises_not_found(repo):
    image = add(repo, visibility='public')
    repo.transition(image.id, 'queued', 'deleted', deleted=True)

    with pytest.raises(exception.ImageNotFound):
        repo.list(ImageQuery(marker=image.id))


def test_list_refuses_unknown_sort_key_and_direction(repo):
    with pytest.raises(exception.InvalidSortKey):
        viewed_by(sort=[('checksum', 'asc')])
    with pytest.raises(exception.InvalidSortDir):
        viewed_by(sort=[('name', 'up')])


# -- list: cost --------------------------------------------------------------

def query_plans(engine, action):
    """The plan of each image page query ``action`` runs, as text: SQLite's
    EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN, and for MySQL "table: key
    (extra)" for each table EXPLAIN lists."""
    captured = []

    def capture(connection, cursor, statement, parameters, *args):
        if statement.startswith('SELECT') and 'LIMIT' in statement:
            captured.append((statement, parameters))

    sa.event.listen(engine, 'before_cursor_execute', capture)
    try:
        action()
    finally:
        sa.event.remove(engine, 'before_cursor_execute', capture)
    dialect = engine.dialect.name
    explain = 'EXPLAIN QUERY PLAN ' if dialect == 'sqlite' else 'EXPLAIN '
    with engine.connect() as connection:
        return ['\n'.join(_plan_line(dialect, row._mapping)
                          for row in connection.exec_driver_sql(
                              explain + statement, parameters))
                for statement, parameters in captured]


def _plan_line(dialect, row):
    if dialect == 'sqlite':
        return row['detail']
    if dialect == 'postgresql':
        return row['QUERY PLAN']
    return '%s: %s (%s)' % (row['table'], row['key'], row['Extra'])


def insert_many_images(engine, count):
    with engine.begin() as connection:
        connection.execute(sa.insert(models.Image), [
            dict(id=str(uuid.uuid4()), status='active',
                 name=None if number % 7 == 0 else 'name%d' % (number % 50),
                 visibility=('public', 'private', 'shared')[number % 3],
                 owner='owner%d' % (number % 10),
                 created_at=T0 + datetime.timedelta(seconds=number))
            for number in range(count)])


@pytest.mark.parametrize('viewer, admin', [('alice', False),
                                           ('admin', True)])
def test_default_listing_reads_pages_from_the_created_at_index(
        sqlite_engine, viewer, admin):
    engine = sqlite_engine
    repo = repository.SqlImageRepository(engine)
    insert_many_images(engine, 2000)
    first = viewed_by(viewer, admin=admin)
    marker = repo.list(first)[-1].id

    plans = query_plans(engine, lambda: repo.list(
        viewed_by(viewer, admin=admin,
                   marker=marker)))
    plans += query_plans(engine, lambda: repo.list(first))

    assert len(plans) == 2
    for plan in plans:
        assert 'ix_images_created_at_id' in plan
        assert 'TEMP B-TREE' not in plan
    assert 'SEARCH images USING INDEX ix_images_created_at_id' in plans[0]


@pytest.mark.parametrize('databases', ['postgresql', 'mysql'],
                         indirect=True)
@pytest.mark.parametrize('admin', [False, True])
@pytest.mark.parametrize('sort', [
    [('created_at', 'desc')], [('name', 'asc')], [('name', 'desc')]])
def test_pages_are_read_in_order_from_the_sort_key_index(
        repo, engine, admin, sort):
    """Without a sort step: nullable keys too, as NULL is indexed first."""
    insert_many_images(engine, 5000)
    with engine.begin() as connection:
        connection.exec_driver_sql('ANALYZE' if engine.dialect.name ==
                                   'postgresql' else 'ANALYZE TABLE images')
    query = dict(owner='owner1', admin=admin, sort=sort)
    marker = repo.list(viewed_by(**query))[-1].id

    plans = query_plans(engine, lambda: (
        repo.list(viewed_by(**query)),
        repo.list(viewed_by(marker=marker, **query))))

    index = 'ix_images_%s_id' % sort[0][0]
    assert len(plans) == 2
    for plan in plans:
        if engine.dialect.name == 'postgresql':
            assert 'Index Scan' in plan and ' %s ' % index in plan, plan
            assert 'Sort' not in plan, plan
        else:
            assert 'images: %s (' % index in plan, plan
            assert 'filesort' not in plan, plan


def test_member_status_reads_live_memberships_only(repo, engine):
    image = add(repo)
    add_member(engine, image.id, 'p1', status='pending')
    add_member(engine, image.id, 'p2', deleted=True)
    assert repo.member_status(image.id, 'p1') == 'pending'
    assert repo.member_status(image.id, 'p2') is None
    assert repo.member_status(image.id, 'p3') is None


def located(repo, *urls, status='active'):
    """An image in ``status`` with a location at each of ``urls``."""
    return add(repo, status=status, size=10, locations=[
        domain.Location(url, {'store': url[-1]}) for url in urls])


def urls(image):
    return [location.url for location in image.locations]


def test_change_locations_removes_then_appends_in_one_write(repo, engine):
    image = located(repo, 'file:///a', 'file:///b')

    changed = repo.change_locations(
        image.id, 'active', remove=['file:///a'],
        add=[domain.Location('file:///c', {'store': 'c'}),
             domain.Location('file:///a', {'store': 'a'})])

    assert urls(changed) == ['file:///b', 'file:///c', 'file:///a']
    assert changed.locations[1].metadata == {'store': 'c'}
    assert urls(repo.get(image.id)) == urls(changed)
    rows = stored_rows(engine, models.ImageLocation, image.id)
    assert [(row.value, row.deleted) for row in rows] == [
        ('file:///a', True), ('file:///b', False), ('file:///c', False),
        ('file:///a', False)]


def test_location_changes_made_from_one_read_keep_each_other(repo):
    image = located(repo, 'file:///a', 'file:///b')
    # Both changes read [a, b]: a copy adds c, a removal from a store takes
    # b away.  Neither undoes the other, as replacing the list would.
    repo.change_locations(image.id, 'active',
                          add=[domain.Location('file:///c')])
    repo.change_locations(image.id, 'active', remove=['file:///b'])

    assert urls(repo.get(image.id)) == ['file:///a', 'file:///c']


@pytest.mark.parametrize('remove, add_urls, status', [
    (['file:///gone'], [], 'active'),       # removed by another writer
    ([], ['file:///b'], 'active'),          # added by another writer
    ([], ['file:///c', 'file:///c'], 'active'),
    (['file:///a', 'file:///b'], [], 'active'),   # none would be left
    ([], ['file:///c'], 'deactivated'),     # the image left that status
])
def test_change_locations_conflicts_and_changes_nothing(repo, remove,
                                                        add_urls, status):
    image = located(repo, 'file:///a', 'file:///b')

    with pytest.raises(exception.Conflict):
        repo.change_locations(
            image.id, status, remove=remove,
            add=[domain.Location(url) for url in add_urls])

    assert urls(repo.get(image.id)) == ['file:///a', 'file:///b']


def test_change_locations_checks_the_counts_in_the_write(repo):
    image = located(repo, 'file:///a')
    with pytest.raises(exception.ImageLocationLimitExceeded):
        repo.change_locations(image.id, 'active',
                              add=[domain.Location('file:///b')],
                              max_locations=1)
    quota = StorageQuota(owner=None, limit=15)
    with pytest.raises(exception.StorageQuotaFull):
        repo.change_locations(image.id, 'active',
                              add=[domain.Location('file:///b')],
                              storage_quota=quota)
    assert urls(repo.get(image.id)) == ['file:///a']
    with pytest.raises(exception.ImageNotFound):
        repo.change_locations(str(uuid.uuid4()), 'active',
                              add=[domain.Location('file:///b')])


def test_concurrent_location_changes_lose_none(repo):
    image = located(repo, 'file:///keep', 'file:///0', 'file:///1')

    def change(number):
        repo.change_locations(
            image.id, 'active', remove=['file:///%d' % (number % 2)]
            if number < 2 else [],
            add=[domain.Location('file:///new-%d' % number)])

    assert race(6, change) == []
    assert sorted(urls(repo.get(image.id))) == sorted(
        ['file:///keep'] + ['file:///new-%d' % n for n in range(6)])


def test_swap_property_sets_only_over_the_value_expected(repo):
    image = add(repo, status='active', extra_properties={'other': 'x'})

    repo.swap_property(image.id, 'lock', None, 'task-1')
    with pytest.raises(exception.Conflict):
        repo.swap_property(image.id, 'lock', None, 'task-2')
    with pytest.raises(exception.Conflict):
        repo.swap_property(image.id, 'lock', 'task-1', 'task-2',
                           require_status='queued')
    repo.swap_property(image.id, 'lock', 'task-1', 'task-2',
                       require_status='active')
    assert repo.get(image.id).extra_properties == {
        'other': 'x', 'lock': 'task-2'}
    repo.swap_property(image.id, 'lock', 'task-2', None)
    assert repo.get(image.id).extra_properties == {'other': 'x'}
    repo.swap_property(image.id, 'lock', None, 'task-3')
    assert repo.get(image.id).extra_properties['lock'] == 'task-3'


def test_concurrent_swaps_of_a_property_let_exactly_one_win(repo):
    image = add(repo, status='active')
    winners = []

    def take(number):
        repo.swap_property(image.id, 'lock', None, 'task-%d' % number)
        winners.append(number)

    errors = race(8, take)

    assert len(winners) == 1 and len(errors) == 7
    assert all(isinstance(error, exception.Conflict) for error in errors)
    assert repo.get(image.id).extra_properties == {
        'lock': 'task-%d' % winners[0]}
