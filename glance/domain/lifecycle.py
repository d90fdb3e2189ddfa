"""Image statuses and the one table of legal transitions between them.

Every status change in the service goes through ``check_transition``; the
repository then applies it as a conditional update (``WHERE status =
<from>``) so two writers can never both win.
"""

from glance.common import exception

QUEUED = 'queued'
SAVING = 'saving'
ACTIVE = 'active'
KILLED = 'killed'
DELETED = 'deleted'
PENDING_DELETE = 'pending_delete'
DEACTIVATED = 'deactivated'
UPLOADING = 'uploading'
IMPORTING = 'importing'

STATUSES = (QUEUED, SAVING, ACTIVE, KILLED, DELETED, PENDING_DELETE,
            DEACTIVATED, UPLOADING, IMPORTING)

# An image leaves through pending_delete: its data is removed while it
# waits there, then it is deleted (see glance.domain.data).
TRANSITIONS = {
    QUEUED: {QUEUED, SAVING, ACTIVE, UPLOADING, IMPORTING, KILLED,
             PENDING_DELETE},
    SAVING: {ACTIVE, KILLED, QUEUED, PENDING_DELETE},
    UPLOADING: {UPLOADING, IMPORTING, QUEUED, PENDING_DELETE},
    IMPORTING: {ACTIVE, QUEUED, PENDING_DELETE},
    ACTIVE: {ACTIVE, PENDING_DELETE, DEACTIVATED},
    KILLED: {PENDING_DELETE},
    PENDING_DELETE: {DELETED},
    DELETED: set(),
    DEACTIVATED: {ACTIVE, PENDING_DELETE},
}

# Statuses in which image data may be written by a direct upload.
UPLOADABLE = frozenset({QUEUED})


def check_transition(current, new):
    """Raise InvalidImageStatusTransition unless current -> new is legal."""
    if new not in TRANSITIONS.get(current, ()):
        raise exception.InvalidImageStatusTransition(cur_status=current,
                                                     new_status=new)
