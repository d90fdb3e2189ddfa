"""The import lock of an image, ``os_glance_import_task``, as Glance keeps
it: every task that writes an image's data (an import by any method, a
copy, an Image API 2.17 location) holds it from the request that creates
the task until the task ends, so a second one on the same image is 409.

* ``take``: one compare-and-set of the property to the new task's id, while
  the image keeps the status the request saw; of concurrent requests one
  wins, the others get Conflict.  A lock held by another task blocks
  unless it is stale: its task is gone or has ended (tasks drop the lock
  when they end; one left set was left by a crash), or the task has not
  been heard of for ``EXPIRY`` (twice that while pending), as Glance's
  lock expiry; such a task is failed ("Expired lock preempted") and the
  lock taken over.
* ``assert_held``: a task checks it still holds the lock before it writes
  the image (Glance's ``assert_task_lock``); a task whose lock was taken
  over stops without touching the image (ImportLockLost).
* ``drop``: when the task ends, whatever the outcome; only the holder's
  own lock goes.
"""

import datetime
import logging

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import task as task_mod

LOG = logging.getLogger(__name__)

PROPERTY = 'os_glance_import_task'
EXPIRY = datetime.timedelta(minutes=60)
PREEMPTED = 'Expired lock preempted'


def _in_progress(image_id):
    return exception.Conflict(
        "New operation on image '%s' is not permitted as prior operation is "
        "still in progress" % image_id)


class ImportLock:

    def __init__(self, repo, runner):
        self.repo = repo
        self.runner = runner

    def take(self, image, task_id):
        """Lock ``image`` (as the caller read it) for ``task_id``, whose
        task row exists already, or raise Conflict."""
        holder = image.extra_properties.get(PROPERTY)
        if holder:
            self._preempt(image.id, holder)
        try:
            self.repo.swap_property(image.id, PROPERTY, holder, task_id,
                                    require_status=image.status)
        except exception.Conflict:
            raise _in_progress(image.id) from None

    def _preempt(self, image_id, holder):
        """Return if ``holder``'s lock is stale (failing its task if it
        has not ended), else raise Conflict."""
        try:
            task = self.repo.get_task(holder)
        except exception.TaskNotFound:
            LOG.warning('Image %s is locked by task %s, which is gone; '
                        'taking the lock over', image_id, holder)
            return
        if task.status not in task_mod.LIVE:
            LOG.warning('Image %s is still locked by task %s, which ended '
                        '(%s); taking the lock over', image_id, holder,
                        task.status)
            return
        expiry = EXPIRY * (2 if task.status == task_mod.PENDING else 1)
        age = image_mod.utcnow() - task.updated_at
        if age < expiry:
            LOG.info('Image %s is locked by task %s (%s) for %d more '
                     'seconds', image_id, holder, task.status,
                     (expiry - age).total_seconds())
            raise exception.Conflict('Image has active task')
        LOG.warning('Image %s is locked by task %s, %s but silent for %s; '
                    'failing it and taking the lock over', image_id, holder,
                    task.status, age)
        self.runner.finish(holder, task_mod.FAILURE, from_status=task.status,
                           message=PREEMPTED)

    def start(self, image, task_id, first_step):
        """Take the lock for the pending task ``task_id``, then run
        ``first_step()`` (the image's first move); if either fails, drop
        the lock taken and fail the task with the error, which is
        re-raised."""
        try:
            self.take(image, task_id)
            try:
                first_step()
            except BaseException:
                self.drop(image.id, task_id)
                raise
        except BaseException as error:
            self.runner.finish(task_id, task_mod.FAILURE,
                               from_status=task_mod.PENDING,
                               message=str(error))
            raise

    def assert_held(self, image_id, task_id):
        """Raise ImportLockLost unless ``task_id`` still holds the lock."""
        holder = self.repo.get(image_id).extra_properties.get(PROPERTY)
        if holder != task_id:
            LOG.error('Import task %s of image %s lost its lock to %s; '
                      'stopping', task_id, image_id, holder)
            raise exception.ImportLockLost(image_id=image_id,
                                           task_id=task_id)

    def drop(self, image_id, task_id):
        """Release the lock ``task_id`` holds, if it still does."""
        try:
            self.repo.swap_property(image_id, PROPERTY, task_id, None)
        except (exception.Conflict, exception.NotFound):
            LOG.info('Image %s: task %s no longer held its import lock',
                     image_id, task_id)
