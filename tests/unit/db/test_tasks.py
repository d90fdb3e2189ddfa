"""The task repository: rows, conditional transitions, lists, heartbeats,
expiry (run on the registry repository too: see
tests/unit/registry/test_repository_contract.py)."""

import datetime

import pytest

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import task as task_mod

DAY = datetime.timedelta(days=1)


def add(repo, **attributes):
    task = task_mod.Task(**dict({'owner': 'p1'}, **attributes))
    repo.add_task(task)
    return task


def test_a_task_reads_back_as_written(repo):
    task = add(repo, input={'image_id': 'x', 'nested': {'a': [1, 2]}},
               image_id='6b1fa2c1-3e0e-4a43-93a3-6cc8e40a0ef1',
               request_id='req-1', user_id='u1')
    found = repo.get_task(task.id)
    assert found.input == task.input
    assert (found.owner, found.status, found.type, found.image_id,
            found.request_id, found.user_id, found.result, found.message) == (
        'p1', 'pending', 'api_image_import', task.image_id, 'req-1', 'u1',
        None, '')


def test_unknown_tasks_are_not_found(repo):
    with pytest.raises(exception.TaskNotFound):
        repo.get_task('0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7')


def test_transitions_are_conditional(repo):
    task = add(repo)
    repo.transition_task(task.id, 'pending', 'processing')
    with pytest.raises(exception.Conflict):
        repo.transition_task(task.id, 'pending', 'processing')
    expires_at = image_mod.utcnow() + DAY
    ended = repo.transition_task(task.id, 'processing', 'failure',
                                 message='why', result={'image_id': 'x'},
                                 expires_at=expires_at)
    assert (ended.status, ended.message, ended.result) == (
        'failure', 'why', {'image_id': 'x'})
    assert ended.expires_at == expires_at


def test_lists_filter_sort_and_page(repo):
    first = add(repo, status='success')
    second = add(repo, owner='p2')
    third = add(repo, image_id='6b1fa2c1-3e0e-4a43-93a3-6cc8e40a0ef1')
    everything = repo.list_tasks(task_mod.TaskQuery())
    assert [t.id for t in everything] == [third.id, second.id, first.id]
    assert [t.id for t in repo.list_tasks(task_mod.TaskQuery(
        owner='p1'))] == [third.id, first.id]
    assert [t.id for t in repo.list_tasks(task_mod.TaskQuery(
        filters={'status': 'success'}))] == [first.id]
    assert [t.id for t in repo.list_tasks(task_mod.TaskQuery(
        image_id=third.image_id))] == [third.id]
    page = repo.list_tasks(task_mod.TaskQuery(limit=2, sort_dir='asc'))
    assert [t.id for t in page] == [first.id, second.id]
    assert [t.id for t in repo.list_tasks(task_mod.TaskQuery(
        sort_dir='asc', marker=second.id))] == [third.id]
    with pytest.raises(exception.TaskNotFound):
        repo.list_tasks(task_mod.TaskQuery(
            marker='0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'))


def test_heartbeats_and_stalled_tasks(repo):
    task = add(repo, status='processing')
    assert repo.touch_task(task.id, 'processing')
    assert not repo.touch_task(task.id, 'pending')
    assert repo.stalled_tasks('processing', image_mod.utcnow() - DAY) == []
    assert [t.id for t in repo.stalled_tasks(
        'processing', image_mod.utcnow() + DAY)] == [task.id]


def test_expired_tasks_are_deleted(repo):
    gone = add(repo, status='success',
               expires_at=image_mod.utcnow() - DAY)
    kept = add(repo, status='success',
               expires_at=image_mod.utcnow() + DAY)
    assert repo.delete_expired_tasks(image_mod.utcnow()) == 1
    with pytest.raises(exception.TaskNotFound):
        repo.get_task(gone.id)
    assert repo.get_task(kept.id).id == kept.id
