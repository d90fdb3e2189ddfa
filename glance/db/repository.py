"""Image metadata kept in an SQL database: the SQL ImageRepository.

Every status change is one conditional UPDATE (``WHERE status = <from>``),
so of two writers racing from the same status, in one process or several,
exactly one wins and the other gets Conflict.

``save`` writes the ImageChanges the domain computed, not the whole image:
two requests that read the same image and change different attributes,
properties or tags, in one process or several, both keep their change.
Its first statement updates the image row, which locks it until the
commit, so saves of one image are applied one after the other.

Quotas a concurrent writer could break are checked in the transaction of
the write, once the rows it depends on are locked (the image for its
properties, tags and members; all the owner's images for its bytes), so
of two writers that would together pass a limit, one fails and writes
nothing.  Owners' images are locked in id order, before the image moved,
so two such writers never wait for each other in a circle.
"""

import collections
import dataclasses
import functools
import json

import sqlalchemy as sa
from sqlalchemy import orm

from glance.common import exception
from glance.db import errors as db_errors
from glance.db import listing
from glance.db import models
from glance.db import session as db_session
from glance.db import tasks as db_tasks
from glance.domain import image as domain
from glance.domain import imports
from glance.domain import lifecycle
from glance.domain import repository

IMAGE_COLUMNS = tuple(
    field.name for field in dataclasses.fields(domain.Image)
    if field.name not in ('extra_properties', 'tags', 'locations'))

# Reads select plain rows through a connection, with statements built once:
# building statements and loading ORM objects were most of the CPU a show
# request cost.
IMAGES = sa.select(*models.Image.__table__.columns)
ANY_IMAGE_BY_ID = IMAGES.where(models.Image.id == sa.bindparam('image_id'))
IMAGE_BY_ID = ANY_IMAGE_BY_ID.where(models.Image.deleted == sa.false())

# Bulk UPDATEs here never touch objects loaded in the same session.
UNSYNCHRONIZED = {'synchronize_session': False}


def _translated(method):
    """Database errors as the domain knows them: a value the database
    cannot hold (too long for MySQL's TEXT, NUL in PostgreSQL text...) is
    the caller's error (Invalid); a database that cannot serve, a pool
    timeout included, is DatabaseUnavailable."""
    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            with db_errors.translate_errors():
                return method(*args, **kwargs)
        except sa.exc.DataError as error:
            raise exception.Invalid(
                'The database refused a value: %s'
                % str(error.orig).strip().splitlines()[0]) from None
    return call


class SqlImageRepository(repository.ImageRepository,
                         db_tasks.SqlTaskRepository):

    def __init__(self, engine):
        self._engine = engine
        self._reader = orm.sessionmaker(engine)
        self._writer = orm.sessionmaker(db_session.writer(engine))
        self._explicit_nulls = engine.dialect.name == 'postgresql'

    @_translated
    def get(self, image_id, deleted=False):
        """See ImageRepository.get; with ``deleted``, a soft-deleted image
        (pending_delete, deleted) too, for glance-registry's status
        route."""
        statement = ANY_IMAGE_BY_ID if deleted else IMAGE_BY_ID
        with self._engine.connect() as connection:
            row = connection.execute(statement,
                                     {'image_id': image_id}).first()
            if row is None:
                raise exception.ImageNotFound(image_id=image_id)
            return _to_images(connection, [row])[0]

    @_translated
    def list(self, query):
        keys = query.sort_keys()
        statement = IMAGES.where(*listing.conditions(query))
        with self._engine.connect() as connection:
            if query.marker is not None:
                marker = connection.execute(IMAGES.where(
                    *listing.marker_conditions(query))).first()
                if marker is None:
                    raise exception.ImageNotFound(image_id=query.marker)
                statement = statement.where(listing.after(keys, marker))
            statement = statement.order_by(
                *listing.order_by(keys, self._explicit_nulls)
            ).limit(query.limit)
            return _to_images(connection,
                              connection.execute(statement).all())

    @_translated
    def add(self, image):
        with self._writer.begin() as session:
            session.add(models.Image(
                **{column: getattr(image, column) for column in IMAGE_COLUMNS}))
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise exception.Duplicate(
                    'Image with ID %s already exists.' % image.id) from None
            _write_children(session, image.id, image.created_at,
                            domain.ImageChanges(
                                set_properties=image.extra_properties,
                                added_tags=frozenset(image.tags)))
            _insert_locations(session, image.id, image.locations,
                              image.created_at)

    @_translated
    def save(self, image_id, changes, require_status=None,
             max_properties=None, max_tags=None):
        now = domain.utcnow()
        conditions = [_live(image_id)]
        if require_status is not None:
            conditions.append(models.Image.status == require_status)
        with self._writer.begin() as session:
            result = session.execute(
                sa.update(models.Image).where(*conditions).values(
                    updated_at=now, **changes.attributes),
                execution_options=UNSYNCHRONIZED)
            if result.rowcount == 0:
                _raise_gone_or_changed(session, image_id, require_status)
            added_properties, added_tags = _write_children(
                session, image_id, now, changes)
            if added_properties:
                _check_count(session, models.ImageProperty, image_id,
                             max_properties,
                             exception.ImagePropertyLimitExceeded)
            if added_tags:
                _check_count(session, models.ImageTag, image_id, max_tags,
                             exception.ImageTagLimitExceeded)
        return now

    @_translated
    def transition(self, image_id, from_status, to_status,
                   storage_quota=None, **values):
        # Only deleted and pending_delete images are soft deleted, so the
        # status alone tells whether the row may still change.
        locations = values.pop('locations', None)
        deleted = values.pop('deleted', False)
        now = domain.utcnow()
        values.update(status=to_status, updated_at=now)
        if deleted:
            values.update(deleted=True, deleted_at=now)
        with self._writer.begin() as session:
            if storage_quota is not None:
                _lock_owner_images(session, storage_quota.owner)
            result = session.execute(
                sa.update(models.Image).where(
                    models.Image.id == image_id,
                    models.Image.status == from_status).values(**values),
                execution_options=UNSYNCHRONIZED)
            if result.rowcount == 0:
                _raise_gone_or_changed(session, image_id, from_status)
            if locations is not None:
                _replace_locations(session, image_id, locations, now)
            return _written_image(session, image_id, storage_quota)

    @_translated
    def change_locations(self, image_id, status, remove=(), add=(),
                         storage_quota=None, max_locations=None):
        now = domain.utcnow()
        with self._writer.begin() as session:
            if storage_quota is not None:
                _lock_owner_images(session, storage_quota.owner)
            _lock_in_status(session, image_id, status, now)
            location = models.ImageLocation
            live = dict(session.execute(
                sa.select(location.value, location.id).where(
                    location.image_id == image_id,
                    location.deleted == sa.false())).all())
            gone = set(remove) - set(live)
            kept = set(live) - set(remove)
            urls = [new.url for new in add]
            if gone or kept & set(urls) or len(set(urls)) < len(urls):
                raise exception.Conflict(
                    'The locations of image %s changed meanwhile; read '
                    'them again.' % image_id)
            if not kept and not add:
                raise exception.Conflict(
                    'Image %s would be left with no location.' % image_id)
            if max_locations is not None and \
                    len(kept) + len(add) > max_locations:
                raise exception.ImageLocationLimitExceeded(
                    attempted=len(kept) + len(add), maximum=max_locations)
            if remove:
                session.execute(
                    sa.update(location).where(
                        location.id.in_([live[url] for url in remove])
                    ).values(deleted=True, deleted_at=now, updated_at=now,
                             status='deleted'),
                    execution_options=UNSYNCHRONIZED)
            _insert_locations(session, image_id, add, now)
            session.flush()
            return _written_image(session, image_id, storage_quota)

    @_translated
    def swap_property(self, image_id, name, expected, value,
                      require_status=None):
        now = domain.utcnow()
        with self._writer.begin() as session:
            _lock_in_status(session, image_id, require_status, now)
            prop = models.ImageProperty
            current = session.scalar(sa.select(prop.value).where(
                prop.image_id == image_id, prop.name == name,
                prop.deleted == sa.false()))
            if current != expected:
                raise exception.Conflict(
                    'Property %s of image %s changed meanwhile.'
                    % (name, image_id))
            _write_children(session, image_id, now, domain.ImageChanges(
                set_properties={} if value is None else {name: value},
                removed_properties=frozenset() if value is not None
                else frozenset({name})))

    @_translated
    def touch(self, image_id, status):
        """Returns whether the image was still in ``status``."""
        with self._writer.begin() as session:
            result = session.execute(
                sa.update(models.Image).where(
                    _live(image_id), models.Image.status == status).values(
                        updated_at=domain.utcnow()),
                execution_options=UNSYNCHRONIZED)
            return result.rowcount == 1

    @_translated
    def member_status(self, image_id, member):
        with self._reader() as session:
            return session.scalar(sa.select(models.ImageMember.status).where(
                models.ImageMember.image_id == image_id,
                models.ImageMember.member == member,
                models.ImageMember.deleted == sa.false()))

    @_translated
    def members(self, image_id):
        with self._reader() as session:
            return [_to_member(row) for row in session.scalars(
                _live_members().where(
                    models.ImageMember.image_id == image_id))]

    @_translated
    def member_images(self, member_id):
        with self._reader() as session:
            return [_to_member(row) for row in session.scalars(
                _live_members().join(
                    models.Image,
                    models.Image.id == models.ImageMember.image_id).where(
                    models.ImageMember.member == member_id,
                    models.Image.deleted == sa.false()))]

    @_translated
    def storage_used(self, owner, excluding=None):
        with self._engine.connect() as connection:
            return _stored_bytes(connection, _owned_data(owner, excluding))

    @_translated
    def usage(self, owner):
        owned = models.Image.owner == owner
        with self._engine.connect() as connection:
            staged, images, uploading = connection.execute(sa.select(
                _total(STAGED, models.Image.size), _total(HOLDING_DATA),
                _total(UPLOADING_DATA)).where(owned)).one()
            return repository.OwnerUsage(
                stored_bytes=_stored_bytes(connection, [owned]),
                staged_bytes=int(staged), images=int(images),
                uploading=int(uploading))

    @_translated
    def save_member(self, member, max_members=None):
        now = domain.utcnow()
        with self._writer.begin() as session:
            _lock_image(session, member.image_id)
            row = _live_member(session, member.image_id, member.member_id)
            added = row is None
            if added:
                row = models.ImageMember(
                    image_id=member.image_id, member=member.member_id,
                    created_at=now, deleted=False)
                session.add(row)
            row.can_share, row.status = member.can_share, member.status
            row.updated_at = now
            session.flush()
            if added:
                _check_count(session, models.ImageMember, member.image_id,
                             max_members, exception.ImageMemberLimitExceeded)
            return _to_member(row)

    @_translated
    def remove_member(self, image_id, member_id):
        with self._writer.begin() as session:
            _lock_image(session, image_id)
            row = _live_member(session, image_id, member_id)
            if row is None:
                raise exception.MemberNotFound(image_id=image_id,
                                               member_id=member_id)
            row.deleted, row.deleted_at = True, domain.utcnow()

    @_translated
    def replace_members(self, image_id, members, max_members=None):
        now = domain.utcnow()
        wanted = {member.member_id: member for member in members}
        with self._writer.begin() as session:
            _lock_image(session, image_id)
            rows = session.scalars(_live_members().where(
                models.ImageMember.image_id == image_id)).all()
            for row in rows:
                member = wanted.pop(row.member, None)
                if member is None:
                    row.deleted, row.deleted_at = True, now
                elif row.can_share != member.can_share:
                    row.can_share, row.updated_at = member.can_share, now
            session.add_all(
                models.ImageMember(image_id=image_id, member=member.member_id,
                                   can_share=member.can_share,
                                   status=member.status, created_at=now,
                                   updated_at=now, deleted=False)
                for member in wanted.values())
            if wanted:
                session.flush()
                _check_count(session, models.ImageMember, image_id,
                             max_members, exception.ImageMemberLimitExceeded)

    @_translated
    def stalled(self, status, older_than):
        with self._engine.connect() as connection:
            rows = connection.execute(IMAGES.where(
                models.Image.status == status,
                models.Image.updated_at < older_than,
            ).order_by(models.Image.updated_at, models.Image.id)).all()
            return _to_images(connection, rows)



# The task operations, with database errors translated as the image ones.
for _name in repository.TaskRepository.__abstractmethods__:
    setattr(SqlImageRepository, _name,
            _translated(getattr(db_tasks.SqlTaskRepository, _name)))


def _live(image_id):
    """The image with this id, unless deleted."""
    return sa.and_(models.Image.id == image_id,
                   models.Image.deleted == sa.false())


def _lock_in_status(session, image_id, status, now):
    """Bump updated_at of the image, still in ``status`` if one is given:
    its row stays locked until the commit, so writers of one image's
    children wait for each other.  ImageNotFound or Conflict otherwise."""
    conditions = [_live(image_id)]
    if status is not None:
        conditions.append(models.Image.status == status)
    result = session.execute(
        sa.update(models.Image).where(*conditions).values(updated_at=now),
        execution_options=UNSYNCHRONIZED)
    if result.rowcount == 0:
        _raise_gone_or_changed(session, image_id, status)


def _lock_image(session, image_id):
    """Serialize membership changes of one image; ImageNotFound if gone."""
    found = session.scalar(sa.select(models.Image.id).where(
        _live(image_id)).with_for_update())
    if found is None:
        raise exception.ImageNotFound(image_id=image_id)


def _check_count(session, model, image_id, limit, error):
    """Raise ``error`` if the image has more than ``limit`` live rows of
    ``model``, as this transaction leaves them."""
    if limit is None:
        return
    count = session.scalar(sa.select(sa.func.count()).where(
        model.image_id == image_id, model.deleted == sa.false()))
    if count > limit:
        raise error(attempted=count, maximum=limit)


# Images whose data counts towards their owner's user_storage_quota.
HOLDING_DATA = models.Image.status.not_in(('killed', 'deleted'))


# An import under way (os_glance_importing_to_stores set), for the
# unified limits, which count such images as staged and uploading.
_IMPORTING = sa.exists().where(
    models.ImageProperty.image_id == models.Image.id,
    models.ImageProperty.name == imports.IMPORTING_TO,
    models.ImageProperty.value != '',
    models.ImageProperty.deleted == sa.false())
STAGED = sa.or_(models.Image.status == lifecycle.UPLOADING,
                sa.and_(HOLDING_DATA, _IMPORTING))
UPLOADING_DATA = sa.or_(
    models.Image.status.in_((lifecycle.SAVING, lifecycle.UPLOADING,
                             lifecycle.IMPORTING)),
    sa.and_(HOLDING_DATA, _IMPORTING))


def _total(condition, value=1):
    """Sum of ``value`` (1: a count) over the rows ``condition`` selects, 0
    for none; with CASE, which every database has (MariaDB lacks
    FILTER)."""
    return sa.func.coalesce(sa.func.sum(sa.case(
        (sa.and_(condition, sa.func.coalesce(value, 0) > 0), value),
        else_=0)), 0)


def _lock_owner_images(session, owner):
    """Lock the rows of ``owner``'s images, in id order, until the
    commit: moves counting that owner's bytes wait for one another."""
    session.execute(sa.select(models.Image.id).where(
        models.Image.owner == owner, HOLDING_DATA).order_by(
        models.Image.id).with_for_update())


def _owned_data(owner, excluding=None):
    """Conditions selecting the images whose data counts for ``owner``."""
    conditions = [models.Image.owner == owner]
    if excluding is not None:
        conditions.append(models.Image.id != excluding)
    return conditions


def _stored_bytes(connection, conditions):
    """Bytes of data of the images ``conditions`` select: each image's
    size once per live location, unless killed or deleted (as Glance
    counts them)."""
    location = models.ImageLocation
    return connection.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(models.Image.size), 0))
        .join(location, location.image_id == models.Image.id)
        .where(*conditions, HOLDING_DATA, models.Image.size > 0,
               location.deleted == sa.false()))


def _check_storage(session, image_id, quota):
    """Raise StorageQuotaFull if the image's data and the owner's other
    data exceed the quota."""
    others = _stored_bytes(session, _owned_data(quota.owner, image_id))
    this = _stored_bytes(session, [models.Image.id == image_id])
    if others + this > quota.limit:
        raise exception.StorageQuotaFull(
            image_size=this, remaining=max(quota.limit - others, 0))


def _written_image(session, image_id, storage_quota):
    """The image as the transaction leaves it, once within
    ``storage_quota`` (if given)."""
    if storage_quota is not None:
        _check_storage(session, image_id, storage_quota)
    row = session.execute(IMAGES.where(models.Image.id == image_id)).one()
    return _to_images(session, [row])[0]


def _live_members():
    member = models.ImageMember
    return sa.select(member).where(member.deleted == sa.false()).order_by(
        member.created_at, member.id)


def _live_member(session, image_id, member_id):
    return session.scalars(_live_members().where(
        models.ImageMember.image_id == image_id,
        models.ImageMember.member == member_id)).first()


def _to_member(row):
    return domain.Member(image_id=row.image_id, member_id=row.member,
                         can_share=row.can_share, status=row.status,
                         created_at=row.created_at,
                         updated_at=row.updated_at or row.created_at)


def _raise_gone_or_changed(session, image_id, expected_status):
    """Say why a conditional UPDATE of an image matched no row."""
    status = session.scalar(
        sa.select(models.Image.status).where(_live(image_id)))
    if status is None:
        raise exception.ImageNotFound(image_id=image_id)
    raise exception.Conflict(
        'The status of image %s changed: it is %s, no longer %s.'
        % (image_id, status, expected_status))


def _write_children(session, image_id, now, changes):
    """Write the properties and tags an ImageChanges sets and removes;
    how many properties and tags that added."""
    return (
        _sync_rows(session, models.ImageProperty, 'name', image_id, now,
                   {name: {'value': value}
                    for name, value in changes.set_properties.items()},
                   changes.removed_properties),
        _sync_rows(session, models.ImageTag, 'value', image_id, now,
                   {tag: {} for tag in changes.added_tags},
                   changes.removed_tags))


def _sync_rows(session, model, key, image_id, now, wanted, unwanted):
    """Make live the rows of ``model`` for the image that ``wanted`` names
    and delete those ``unwanted`` names.

    ``wanted`` maps each row's ``key`` to its other column values.  A row
    that goes is soft deleted and revived if it comes back, as
    ``(image_id, key)`` is unique among deleted rows too.  Returns how many
    rows became live.
    """
    if not wanted and not unwanted:
        return 0
    added = 0
    statement = sa.select(model).where(
        model.image_id == image_id,
        getattr(model, key).in_([*wanted, *unwanted]))
    rows = {getattr(row, key): row for row in session.scalars(statement)}
    for key_value, columns in wanted.items():
        row = rows.get(key_value)
        if row is None or row.deleted:
            added += 1
        if row is None:
            session.add(model(image_id=image_id, created_at=now,
                              updated_at=now, deleted=False,
                              **{key: key_value}, **columns))
        elif row.deleted or any(getattr(row, column) != value
                                for column, value in columns.items()):
            for column, value in columns.items():
                setattr(row, column, value)
            row.deleted, row.deleted_at, row.updated_at = False, None, now
    for key_value, row in rows.items():
        if key_value not in wanted and not row.deleted:
            row.deleted, row.deleted_at = True, now
    if added:
        session.flush()
    return added


def _replace_locations(session, image_id, locations, now):
    location = models.ImageLocation
    session.execute(
        sa.update(location).where(location.image_id == image_id,
                                  location.deleted == sa.false()).values(
            deleted=True, deleted_at=now, updated_at=now, status='deleted'),
        execution_options=UNSYNCHRONIZED)
    _insert_locations(session, image_id, locations, now)


def _insert_locations(session, image_id, locations, now):
    session.add_all(
        models.ImageLocation(image_id=image_id, value=location.url,
                             meta_data=json.dumps(location.metadata),
                             status=location.status, created_at=now,
                             updated_at=now, deleted=False)
        for location in locations)


def _to_images(connection, rows):
    """Domain images for ``rows``, their children read in one query."""
    children = collections.defaultdict(lambda: ({}, set(), []))
    if rows:
        for child in connection.execute(
                LIVE_CHILDREN, {'image_ids': [row.id for row in rows]}):
            properties, tags, locations = children[child.image_id]
            if child.kind == PROPERTY:
                properties[child.key] = child.value
            elif child.kind == TAG:
                tags.add(child.key)
            else:
                locations.append(domain.Location(
                    url=child.key, metadata=json.loads(child.value or '{}'),
                    status=child.status))
    images = []
    for row in rows:
        properties, tags, locations = children[row.id]
        images.append(domain.Image(
            **{column: getattr(row, column) for column in IMAGE_COLUMNS},
            extra_properties=properties, tags=tags, locations=locations))
    return images


PROPERTY, TAG, LOCATION = 'property', 'tag', 'location'


def _live_children_of(kind, model, key, value=None, status=None):
    """The live rows of ``model`` for the images, in the shape all three
    kinds of children share: image_id, kind, id, key, value, status."""
    def text(column):
        return sa.type_coerce(sa.null(), sa.Text) if column is None \
            else column
    return sa.select(
        model.image_id, sa.literal(kind, sa.String(8)).label('kind'),
        model.id, text(key).label('key'), text(value).label('value'),
        text(status).label('status')).where(
        model.image_id.in_(sa.bindparam('image_ids', expanding=True)),
        model.deleted == sa.false())


LIVE_CHILDREN = sa.union_all(
    _live_children_of(PROPERTY, models.ImageProperty,
                      models.ImageProperty.name, models.ImageProperty.value),
    _live_children_of(TAG, models.ImageTag, models.ImageTag.value),
    _live_children_of(LOCATION, models.ImageLocation,
                      models.ImageLocation.value,
                      models.ImageLocation.meta_data,
                      models.ImageLocation.status),
).order_by('kind', 'id')
