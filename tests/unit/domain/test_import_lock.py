"""The import lock, os_glance_import_task: who may take it over, and when
(Glance's lock expiry)."""

import datetime

import pytest
import sqlalchemy as sa

from glance.common import exception
from glance.db import models
from glance.domain import image as image_mod
from glance.domain import import_lock
from glance.domain import task as task_mod
from tests.unit.domain.conftest import queued


def held_by(services, repo, status, silent_for=datetime.timedelta(0)):
    """A queued image locked by a task in ``status`` last heard of
    ``silent_for`` ago."""
    image = queued(services)
    task = task_mod.Task(owner='owner', image_id=image.id, status=status)
    repo.add_task(task)
    repo.swap_property(image.id, import_lock.PROPERTY, None, task.id)
    with repo._writer.begin() as session:
        session.execute(sa.update(models.Task).where(
            models.Task.id == task.id).values(
                updated_at=image_mod.utcnow() - silent_for))
    return repo.get(image.id), task


def new_task(repo, image):
    task = task_mod.Task(owner='owner', image_id=image.id)
    repo.add_task(task)
    return task


@pytest.mark.parametrize('status, silent_minutes', [
    (task_mod.PROCESSING, 0), (task_mod.PROCESSING, 59),
    (task_mod.PENDING, 119)])
def test_a_live_task_keeps_its_lock(services, repo, status, silent_minutes):
    image, holder = held_by(services, repo, status,
                            datetime.timedelta(minutes=silent_minutes))
    with pytest.raises(exception.Conflict, match='active task'):
        services.imports.lock.take(image, new_task(repo, image).id)
    assert repo.get(image.id).extra_properties[
        import_lock.PROPERTY] == holder.id
    assert repo.get_task(holder.id).status == status


@pytest.mark.parametrize('status, silent_minutes', [
    (task_mod.PROCESSING, 61), (task_mod.PENDING, 121)])
def test_a_silent_task_loses_its_lock_and_fails(services, repo, status,
                                                 silent_minutes):
    image, holder = held_by(services, repo, status,
                            datetime.timedelta(minutes=silent_minutes))
    taker = new_task(repo, image)
    services.imports.lock.take(image, taker.id)
    assert repo.get(image.id).extra_properties[
        import_lock.PROPERTY] == taker.id
    preempted = repo.get_task(holder.id)
    assert preempted.status == task_mod.FAILURE
    assert preempted.message == 'Expired lock preempted'


@pytest.mark.parametrize('status', [task_mod.SUCCESS, task_mod.FAILURE])
def test_the_lock_of_an_ended_task_is_taken_over(services, repo, status):
    image, holder = held_by(services, repo, status)
    taker = new_task(repo, image)
    services.imports.lock.take(image, taker.id)
    assert repo.get(image.id).extra_properties[
        import_lock.PROPERTY] == taker.id
    assert repo.get_task(holder.id).status == status


def test_the_lock_of_a_task_gone_is_taken_over(services, repo):
    image = queued(services)
    repo.swap_property(image.id, import_lock.PROPERTY, None, 'gone')
    image = repo.get(image.id)
    taker = new_task(repo, image)
    services.imports.lock.take(image, taker.id)
    assert repo.get(image.id).extra_properties[
        import_lock.PROPERTY] == taker.id


def test_of_two_takers_reading_the_same_image_one_wins(services, repo):
    image = queued(services)
    first, second = new_task(repo, image), new_task(repo, image)
    services.imports.lock.take(image, first.id)
    with pytest.raises(exception.Conflict, match='prior operation'):
        services.imports.lock.take(image, second.id)
    assert repo.get(image.id).extra_properties[
        import_lock.PROPERTY] == first.id


def test_a_task_that_lost_its_lock_knows_and_cannot_drop_the_new_one(
        services, repo):
    image, holder = held_by(services, repo, task_mod.PROCESSING,
                            datetime.timedelta(hours=2))
    taker = new_task(repo, image)
    lock = services.imports.lock
    lock.take(image, taker.id)
    with pytest.raises(exception.ImportLockLost):
        lock.assert_held(image.id, holder.id)
    lock.drop(image.id, holder.id)
    lock.assert_held(image.id, taker.id)
    lock.drop(image.id, taker.id)
    assert import_lock.PROPERTY not in repo.get(image.id).extra_properties
