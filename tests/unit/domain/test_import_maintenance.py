"""Maintenance of imports: no image is left in uploading or importing by a
process that died, staged data no import needs goes, expired tasks go."""

import datetime
import io
import os

import sqlalchemy as sa

from glance.db import models
from glance.domain import image as image_mod
from glance.domain import task as task_mod
from tests.unit.domain.conftest import OWNER
from tests.unit.domain.conftest import queued

LONG_AGO = datetime.timedelta(days=1)


def age(repo, image_id=None, task_id=None):
    """Make an image row or a task row look untouched for a day."""
    model, key = (models.Image, image_id) if image_id else \
        (models.Task, task_id)
    with repo._writer.begin() as session:
        session.execute(sa.update(model).where(model.id == key).values(
            updated_at=image_mod.utcnow() - LONG_AGO))


def staging_dir(services):
    return services.data.stores.staging.datadir


def test_a_dead_stage_returns_its_image_to_queued(services, repo):
    image = queued(services)
    services.data.transition(image.id, 'queued', 'uploading')
    age(repo, image_id=image.id)
    services.maintenance.run()
    assert repo.get(image.id).status == 'queued'


def test_a_whole_stage_waits_for_its_import(services, repo):
    image = queued(services)
    services.imports.stage(OWNER, image.id, io.BytesIO(b'staged'))
    age(repo, image_id=image.id)
    services.maintenance.run()
    assert repo.get(image.id).status == 'uploading'
    assert os.listdir(staging_dir(services)) == [image.id]


def test_a_dead_task_fails_and_its_image_returns_to_queued(services, repo):
    image = queued(services)
    services.imports.stage(OWNER, image.id, io.BytesIO(b'staged'))
    task = task_mod.Task(owner='owner', image_id=image.id,
                         status=task_mod.PROCESSING)
    repo.add_task(task)
    services.data.transition(image.id, 'uploading', 'importing')
    repo.save(image.id, image_mod.ImageChanges(set_properties={
        'os_glance_import_task': task.id,
        'os_glance_importing_to_stores': 'file'}))
    services.maintenance.run()
    assert repo.get_task(task.id).status == 'processing'

    age(repo, task_id=task.id)
    services.maintenance.run()
    ended = repo.get_task(task.id)
    assert ended.status == 'failure'
    assert 'glance-api process running it ended' in ended.message
    assert ended.expires_at is not None
    image = repo.get(image.id)
    assert image.status == 'queued'
    assert 'os_glance_import_task' not in image.extra_properties
    assert image.extra_properties['os_glance_failed_import'] == 'file'
    assert image.extra_properties['os_glance_importing_to_stores'] == ''
    assert os.listdir(staging_dir(services)) == []


def after_its_task_died(services, repo, image_id, status):
    """The image once maintenance found its lock's task, in ``status``,
    dead (and failed it)."""
    task = task_mod.Task(owner='owner', image_id=image_id, status=status)
    repo.add_task(task)
    services.imports.lock.take(repo.get(image_id), task.id)
    age(repo, task_id=task.id)
    services.maintenance.run()
    assert repo.get_task(task.id).status == 'failure'
    return repo.get(image_id)


def test_a_task_dead_before_it_moved_its_image_only_drops_its_lock(
        services, repo):
    image = queued(services)
    services.imports.stage(OWNER, image.id, io.BytesIO(b'staged'))
    image = after_its_task_died(services, repo, image.id, task_mod.PENDING)
    assert image.status == 'uploading'
    assert 'os_glance_import_task' not in image.extra_properties
    assert os.listdir(staging_dir(services)) == [image.id]


def test_a_dead_copy_releases_its_lock_and_leaves_the_image_active(
        services, repo):
    image = queued(services)
    services.data.upload(OWNER, image.id, io.BytesIO(b'data'))
    repo.save(image.id, image_mod.ImageChanges(set_properties={
        'os_glance_importing_to_stores': 'cold'}))
    image = after_its_task_died(services, repo, image.id,
                                task_mod.PROCESSING)
    assert image.status == 'active'
    assert 'os_glance_import_task' not in image.extra_properties
    assert image.extra_properties['os_glance_importing_to_stores'] == ''
    assert image.extra_properties['os_glance_failed_import'] == 'cold'


def test_an_image_importing_for_no_live_task_returns_to_queued(services,
                                                                repo):
    image = queued(services)
    task = task_mod.Task(owner='owner', image_id=image.id,
                         status=task_mod.SUCCESS)
    repo.add_task(task)
    services.imports.lock.take(image, task.id)
    services.data.transition(image.id, 'queued', 'importing')
    age(repo, image_id=image.id)
    services.maintenance.run()
    image = repo.get(image.id)
    assert image.status == 'queued'
    assert 'os_glance_import_task' not in image.extra_properties


def test_staged_data_no_import_needs_is_removed(services, repo):
    image = queued(services)
    services.imports.stage(OWNER, image.id, io.BytesIO(b'staged'))
    services.data.transition(image.id, 'uploading', 'queued')
    orphan = image_mod.Image().id
    with open(os.path.join(staging_dir(services), orphan), 'wb') as f:
        f.write(b'orphan')
    services.maintenance.run()
    assert os.listdir(staging_dir(services)) == []


def test_expired_tasks_are_removed(services, repo):
    task = task_mod.Task(owner='owner', status=task_mod.SUCCESS,
                         expires_at=image_mod.utcnow() - LONG_AGO)
    kept = task_mod.Task(owner='owner', status=task_mod.SUCCESS,
                         expires_at=image_mod.utcnow() + LONG_AGO)
    repo.add_task(task)
    repo.add_task(kept)
    services.maintenance.run()
    assert [t.id for t in repo.list_tasks(task_mod.TaskQuery())] == [kept.id]
