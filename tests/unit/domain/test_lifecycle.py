import pytest

from glance.common import exception
from glance.domain import lifecycle


@pytest.mark.parametrize('current,new', [
    ('queued', 'saving'), ('saving', 'active'), ('saving', 'queued'),
    ('active', 'deactivated'), ('deactivated', 'active'),
    ('active', 'pending_delete'), ('killed', 'pending_delete'),
    ('queued', 'killed'), ('pending_delete', 'deleted')])
def test_legal_transitions(current, new):
    lifecycle.check_transition(current, new)


@pytest.mark.parametrize('current,new', [
    ('deleted', 'active'), ('active', 'saving'), ('active', 'queued'),
    ('killed', 'active'), ('queued', 'deactivated'), ('saving', 'saving'),
    ('active', 'deleted'), ('saving', 'deleted')])
def test_illegal_transitions_are_conflicts(current, new):
    with pytest.raises(exception.InvalidImageStatusTransition):
        lifecycle.check_transition(current, new)


def test_every_status_has_a_row():
    assert set(lifecycle.TRANSITIONS) == set(lifecycle.STATUSES)


def test_every_image_but_a_deleted_one_can_leave_through_pending_delete():
    assert [status for status in lifecycle.STATUSES
            if 'pending_delete' not in lifecycle.TRANSITIONS[status]] == [
        'deleted', 'pending_delete']
