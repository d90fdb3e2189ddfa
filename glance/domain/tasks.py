"""Tasks: operations that go on after the request that asked for them
(image imports), kept as rows (glance.domain.task) so that they outlive
the process running them.

``TaskRunner`` runs a task's work in a thread of the API process (a green
thread under eventlet), with the context of the caller who asked for it.
While the work runs the task row is touched every
``UPLOAD_HEARTBEAT_SECONDS``: maintenance ends, with a reason, a task whose
process died (glance.domain.maintenance).  ``Tasks`` is what the task
routes call: show, list, the tasks of an image.
"""

import contextlib
import datetime
import logging
import threading

from oslo_config import cfg

from glance.common import exception
from glance.common import ids
from glance import context as context_mod
from glance.domain import data as data_mod
from glance.domain import image as image_mod
from glance.domain import task as task_mod

LOG = logging.getLogger(__name__)

GROUP = 'task'

OPTS = [
    cfg.IntOpt('task_time_to_live', default=48, min=1,
               help='Hours a finished task stays visible before '
                    'maintenance removes it.'),
]


def failure_message(error, task_id):
    """What a failed task tells its owner: the reason when it is the
    service's own (safe to show), no internals otherwise."""
    if isinstance(error, exception.GlanceException):
        return str(error)
    return ('The task failed on an internal error; the service log has '
            'the details (task %s).' % task_id)


@contextlib.contextmanager
def heartbeat(beat, interval=data_mod.UPLOAD_HEARTBEAT_SECONDS):
    """Call ``beat`` every ``interval`` seconds while the block runs."""
    stop = threading.Event()

    def run():
        while not stop.wait(interval):
            try:
                beat()
            except Exception:
                LOG.exception('Heartbeat failed; trying again')

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


class TaskRunner:

    def __init__(self, repo, conf):
        conf.register_opts(OPTS, group=GROUP)
        self.repo = repo
        self.conf = conf

    def submit(self, context, task_id, work):
        """Run ``work(context, task)`` for the pending task ``task_id`` in
        a thread; what it returns is the task's result, what it raises its
        failure."""
        threading.Thread(target=self.run, args=(context, task_id, work),
                         daemon=True).start()

    def run(self, context, task_id, work):
        with context_mod.bound(context):
            try:
                task = self.repo.transition_task(
                    task_id, task_mod.PENDING, task_mod.PROCESSING)
            except (exception.NotFound, exception.Conflict):
                LOG.info('Task %s was taken or ended meanwhile', task_id)
                return
            with heartbeat(lambda: self.repo.touch_task(
                    task_id, task_mod.PROCESSING)):
                try:
                    result = work(context, task)
                except Exception as error:
                    LOG.warning('Task %s failed: %s', task_id, error,
                                exc_info=not isinstance(
                                    error, exception.GlanceException))
                    self.finish(task_id, task_mod.FAILURE,
                                message=failure_message(error, task_id))
                else:
                    self.finish(task_id, task_mod.SUCCESS, result=result)

    def finish(self, task_id, status, from_status=task_mod.PROCESSING,
               **values):
        """End a task; logged, not raised, if it ended meanwhile."""
        expires_at = image_mod.utcnow() + datetime.timedelta(
            hours=self.conf[GROUP].task_time_to_live)
        try:
            self.repo.transition_task(task_id, from_status, status,
                                      expires_at=expires_at, **values)
        except (exception.NotFound, exception.Conflict) as error:
            LOG.info('Task %s not ended as %s: %s', task_id, status, error)


class Tasks:

    def __init__(self, access, repo):
        self.access = access
        self.repo = repo

    def get(self, context, task_id):
        self.access.authorize(context, 'tasks_api_access')
        self.access.authorize(context, 'get_task')
        if not ids.is_uuid(task_id):
            raise exception.TaskNotFound(task_id=task_id)
        task = self.repo.get_task(task_id)
        if not task_mod.reachable(context, task):
            raise exception.TaskNotFound(task_id=task_id)
        return task

    def list(self, context, query):
        self.access.authorize(context, 'tasks_api_access')
        self.access.authorize(context, 'get_tasks')
        query.check()
        if not query.limit_to(context):
            return []
        return self.repo.list_tasks(query)

    def for_image(self, context, image_id):
        """The tasks of an image the caller sees, newest first."""
        image = self.access.image(context, image_id, 'get_image')
        self.access.authorize(context, 'get_tasks')
        query = task_mod.TaskQuery(image_id=image.id, limit=1000)
        if not query.limit_to(context):
            return []
        return self.repo.list_tasks(query)
