"""The task entity: an asynchronous operation (an image import), its
statuses and the one table of legal transitions between them.

A task is a row in the repository before anything runs: whichever process
runs it proves it is alive by touching the row (see glance.domain.tasks),
so maintenance can tell a task whose process died and end it with a
reason.
"""

import dataclasses
import datetime
import uuid

from glance.common import exception
from glance.domain import image as image_mod

PENDING = 'pending'
PROCESSING = 'processing'
SUCCESS = 'success'
FAILURE = 'failure'

STATUSES = (PENDING, PROCESSING, SUCCESS, FAILURE)
# Statuses of a task that has not ended yet.
LIVE = (PENDING, PROCESSING)

TRANSITIONS = {
    PENDING: {PROCESSING, FAILURE},
    PROCESSING: {SUCCESS, FAILURE},
    SUCCESS: set(),
    FAILURE: set(),
}

# Types: Glance's legacy tasks API creates "import" tasks; the interoperable
# image import runs "api_image_import" ones, Image API 2.17's add location
# "location_import" ones (glance.domain.locations).
IMPORT = 'import'
API_IMAGE_IMPORT = 'api_image_import'
LOCATION_IMPORT = 'location_import'
TYPES = (IMPORT, API_IMAGE_IMPORT, LOCATION_IMPORT)

# What a finished task may record besides its status.
RESULT_ATTRIBUTES = ('result', 'message', 'expires_at')


@dataclasses.dataclass
class Task:
    id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    type: str = API_IMAGE_IMPORT
    status: str = PENDING
    owner: str | None = None
    input: dict = dataclasses.field(default_factory=dict)
    result: dict | None = None
    message: str = ''
    image_id: str | None = None
    request_id: str | None = None
    user_id: str | None = None
    expires_at: datetime.datetime | None = None
    created_at: datetime.datetime = dataclasses.field(
        default_factory=image_mod.utcnow)
    updated_at: datetime.datetime = dataclasses.field(
        default_factory=image_mod.utcnow)


def check_transition(current, new):
    """Raise Conflict unless current -> new is legal."""
    if new not in TRANSITIONS.get(current, ()):
        raise exception.Conflict(
            'A task cannot go from %s to %s.' % (current, new))


def reachable(context, task):
    """Administrators reach every task; anyone else only its own
    project's."""
    return context.is_admin or (task.owner is not None and
                                task.owner == context.owner)


@dataclasses.dataclass
class TaskQuery:
    """A task list request: ``owner`` None lists every owner's tasks (an
    administrator's list); ``filters`` maps type or status to one value;
    ``marker`` is the id of the last task of the previous page."""
    owner: str | None = None
    filters: dict = dataclasses.field(default_factory=dict)
    image_id: str | None = None
    sort_key: str = 'created_at'
    sort_dir: str = 'desc'
    limit: int = 25
    marker: str | None = None

    SORT_KEYS = ('created_at', 'updated_at', 'id', 'type', 'status')
    FILTERS = ('type', 'status')

    def check(self):
        for name, value in self.filters.items():
            allowed = {'type': TYPES, 'status': STATUSES}.get(name)
            if allowed is None:
                raise exception.InvalidParameterValue(
                    param=name, value=value, extra='not a task filter')
            if value not in allowed:
                raise exception.InvalidParameterValue(
                    param=name, value=value,
                    extra='must be one of %s' % ', '.join(allowed))
        if self.sort_key not in self.SORT_KEYS:
            raise exception.InvalidSortKey(key=self.sort_key)
        if self.sort_dir not in ('asc', 'desc'):
            raise exception.InvalidSortDir(direction=self.sort_dir)
        return self

    def limit_to(self, context):
        """Limit the list to the tasks ``context`` reaches (see
        ``reachable``); False when it reaches none: a caller of no project
        who is not an administrator."""
        if context.is_admin:
            return True
        self.owner = context.owner
        return self.owner is not None
