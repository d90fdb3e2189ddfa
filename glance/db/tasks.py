"""Tasks kept in the SQL database: the SQL TaskRepository.

A status change is one conditional UPDATE (``WHERE status = <from>``), as
for images: of two processes ending one task, exactly one wins.
"""

import dataclasses
import json

import sqlalchemy as sa

from glance.common import exception
from glance.db import models
from glance.domain import image as image_mod
from glance.domain import repository
from glance.domain import task as task_mod

JSON_COLUMNS = ('input', 'result')
TASK_COLUMNS = tuple(field.name for field in dataclasses.fields(
    task_mod.Task))
TASKS = sa.select(*models.Task.__table__.columns).where(
    models.Task.deleted == sa.false())
UNSYNCHRONIZED = {'synchronize_session': False}


def _to_task(row):
    values = {column: getattr(row, column) for column in TASK_COLUMNS}
    for column in JSON_COLUMNS:
        values[column] = json.loads(values[column]) \
            if values[column] is not None else None
    values['input'] = values['input'] or {}
    values['message'] = values['message'] or ''
    values['updated_at'] = values['updated_at'] or values['created_at']
    return task_mod.Task(**values)


def _to_columns(values):
    return {name: json.dumps(value) if name in JSON_COLUMNS and
            value is not None else value for name, value in values.items()}


class SqlTaskRepository(repository.TaskRepository):
    """Mixed into glance.db.repository.SqlImageRepository, whose engine,
    sessions and error translation it shares."""

    def _task_row(self, connection, task_id):
        row = connection.execute(TASKS.where(
            models.Task.id == task_id)).first()
        if row is None:
            raise exception.TaskNotFound(task_id=task_id)
        return row

    def add_task(self, task):
        with self._writer.begin() as session:
            session.execute(sa.insert(models.Task).values(
                deleted=False, **_to_columns(dataclasses.asdict(task))))

    def get_task(self, task_id):
        with self._engine.connect() as connection:
            return _to_task(self._task_row(connection, task_id))

    def list_tasks(self, query):
        key = getattr(models.Task, query.sort_key)
        descending = query.sort_dir == 'desc'
        statement = TASKS
        if query.owner is not None:
            statement = statement.where(models.Task.owner == query.owner)
        if query.image_id is not None:
            statement = statement.where(
                models.Task.image_id == query.image_id)
        for name, value in query.filters.items():
            statement = statement.where(getattr(models.Task, name) == value)
        with self._engine.connect() as connection:
            if query.marker is not None:
                marker = connection.execute(statement.where(
                    models.Task.id == query.marker)).first()
                if marker is None:
                    raise exception.TaskNotFound(task_id=query.marker)
                after = sa.tuple_(key, models.Task.id)
                bound = sa.tuple_(getattr(marker, query.sort_key), marker.id)
                statement = statement.where(
                    after < bound if descending else after > bound)
            order = [key, models.Task.id]
            statement = statement.order_by(
                *[column.desc() if descending else column.asc()
                  for column in order]).limit(query.limit)
            return [_to_task(row) for row in connection.execute(statement)]

    def transition_task(self, task_id, from_status, to_status, **values):
        unknown = set(values) - set(task_mod.RESULT_ATTRIBUTES)
        if unknown:
            raise TypeError('a task transition cannot set %s'
                            % ', '.join(sorted(unknown)))
        with self._writer.begin() as session:
            result = session.execute(
                sa.update(models.Task).where(
                    models.Task.id == task_id,
                    models.Task.deleted == sa.false(),
                    models.Task.status == from_status).values(
                    status=to_status, updated_at=image_mod.utcnow(),
                    **_to_columns(values)),
                execution_options=UNSYNCHRONIZED)
            row = self._task_row(session, task_id)
            if result.rowcount == 0:
                raise exception.Conflict(
                    'The status of task %s changed: it is %s, no longer %s.'
                    % (task_id, row.status, from_status))
            return _to_task(row)

    def touch_task(self, task_id, status):
        with self._writer.begin() as session:
            result = session.execute(
                sa.update(models.Task).where(
                    models.Task.id == task_id,
                    models.Task.status == status).values(
                    updated_at=image_mod.utcnow()),
                execution_options=UNSYNCHRONIZED)
            return result.rowcount == 1

    def stalled_tasks(self, status, older_than):
        with self._engine.connect() as connection:
            return [_to_task(row) for row in connection.execute(
                TASKS.where(models.Task.status == status,
                            models.Task.updated_at < older_than).order_by(
                    models.Task.updated_at, models.Task.id))]

    def delete_expired_tasks(self, now):
        with self._writer.begin() as session:
            return session.execute(
                sa.update(models.Task).where(
                    models.Task.deleted == sa.false(),
                    models.Task.expires_at < now).values(
                    deleted=True, deleted_at=now),
                execution_options=UNSYNCHRONIZED).rowcount
