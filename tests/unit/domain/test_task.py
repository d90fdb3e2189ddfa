"""Which tasks a caller reaches: one rule for show and for lists, used by
the domain and by glance-registry alike."""

from glance.context import RequestContext
from glance.domain import task as task_mod

ADMIN = RequestContext(project_id='ops', roles=['admin'], is_admin=True)
ALICE = RequestContext(project_id='alice', roles=['member', 'reader'])
NO_PROJECT = RequestContext(user_id='u', roles=['member', 'reader'])


def test_a_project_reaches_its_own_tasks_only():
    assert task_mod.reachable(ALICE, task_mod.Task(owner='alice'))
    assert not task_mod.reachable(ALICE, task_mod.Task(owner='bob'))
    assert not task_mod.reachable(ALICE, task_mod.Task(owner=None))


def test_an_administrator_reaches_every_task():
    assert task_mod.reachable(ADMIN, task_mod.Task(owner='bob'))
    assert task_mod.reachable(ADMIN, task_mod.Task(owner=None))


def test_a_caller_of_no_project_reaches_no_task():
    assert not task_mod.reachable(NO_PROJECT, task_mod.Task(owner=None))
    query = task_mod.TaskQuery()
    assert query.limit_to(NO_PROJECT) is False


def test_lists_are_limited_to_the_callers_project():
    query = task_mod.TaskQuery()
    assert query.limit_to(ALICE) is True and query.owner == 'alice'
    query = task_mod.TaskQuery()
    assert query.limit_to(ADMIN) is True and query.owner is None
