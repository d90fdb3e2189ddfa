"""Maintenance: what keeps images consistent after crashes and failures.

``run()`` is one round, run periodically while glance-api serves (the
master process schedules it every ``maintenance_interval`` seconds) and by
``glance-manage maintenance`` for deployments whose server does not (uWSGI,
gunicorn):

* an upload whose server died (no heartbeat for ``upload_stall_timeout``
  seconds) returns its image to queued, and whatever data it left is
  removed;
* partial data no upload has written to for that long is removed;
* images in pending_delete whose data could not be removed are retried;
* a task whose process died (no heartbeat for ``upload_stall_timeout``
  seconds) fails with a reason its owner can act on, its image's import
  lock is dropped, and the image it was importing returns to queued; so
  does an image left in importing by no live task, and one left in
  uploading by a stage that died, so no image is ever stuck in importing
  or uploading, nor locked by a dead task;
* staged data no import needs (its image is neither uploading nor
  importing, or gone) is removed from the staging area;
* tasks past their expiry (``[task] task_time_to_live``) are removed.
"""

import datetime
import logging

from oslo_config import cfg

from glance.common import exception
from glance.domain import data as data_mod
from glance.domain import image as image_mod
from glance.domain import imports as imports_mod
from glance.domain import lifecycle
from glance.domain import task as task_mod

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.IntOpt('upload_stall_timeout', default=300,
               min=3 * data_mod.UPLOAD_HEARTBEAT_SECONDS,
               help='Seconds an upload may go without progress before '
                    'maintenance takes it for dead: its image returns to '
                    'queued and its partial data is removed.  A live upload '
                    'proves it is alive every %d seconds.'
                    % data_mod.UPLOAD_HEARTBEAT_SECONDS),
]


# What a round meets when a service it needs is down: it says so and leaves
# the work to the next round.
UNAVAILABLE = (exception.RegistryUnavailable, exception.NotAuthenticated,
               exception.DatabaseUnavailable, exception.StoreUnavailable)


class Maintenance:

    def __init__(self, repo, stores, data, conf, imports, runner):
        conf.register_opts(OPTS)
        self.repo = repo
        self.stores = stores
        self.data = data
        self.conf = conf
        self.imports = imports
        self.runner = runner

    def run(self):
        """One round; each part goes on whatever the others met."""
        for task in (self.recover_stalled_uploads,
                     self.retry_pending_deletes,
                     self.end_dead_tasks,
                     self.recover_stalled_imports,
                     self.recover_stalled_stages,
                     self.clean_staging,
                     self.remove_expired_tasks):
            try:
                task()
            except UNAVAILABLE as error:
                LOG.warning('Maintenance: %s not done: %s',
                            task.__name__, error)

    def recover_stalled_uploads(self):
        """Return images whose upload died with its server to queued."""
        stall = self.conf.upload_stall_timeout
        older_than = image_mod.utcnow() - datetime.timedelta(seconds=stall)
        for image in self.repo.stalled(lifecycle.SAVING, older_than):
            LOG.warning('Upload of image %s stalled; returning it to queued',
                        image.id)
            try:
                # Purged first: a queued image holds no data.
                self.stores.purge(image.id)
            except exception.StoreUnavailable as error:
                LOG.warning('Data of stalled upload %s not removed (%s); '
                            'trying again next round', image.id, error)
                continue
            self.data.transition_quietly(image.id, lifecycle.SAVING,
                                         lifecycle.QUEUED)
        self.stores.clean_stale_partials(stall)

    def retry_pending_deletes(self):
        for image in self.repo.stalled(lifecycle.PENDING_DELETE,
                                       image_mod.utcnow()):
            self.data.remove_pending(image)

    def _stall_cutoff(self):
        return image_mod.utcnow() - datetime.timedelta(
            seconds=self.conf.upload_stall_timeout)

    def end_dead_tasks(self):
        """Fail the tasks whose process died; their image back to queued.
        """
        for status in task_mod.LIVE:
            for task in self.repo.stalled_tasks(status,
                                                self._stall_cutoff()):
                LOG.warning('Task %s stalled while %s; failing it',
                            task.id, status)
                self.runner.finish(task.id, task_mod.FAILURE,
                                   from_status=status, message=DEAD_TASK)
                if task.image_id:
                    self._recover_import_of(task.image_id, task.id)

    def _recover_import_of(self, image_id, task_id):
        try:
            image = self.repo.get(image_id)
        except exception.ImageNotFound:
            return
        if image.extra_properties.get(imports_mod.IMPORT_TASK) != task_id:
            return
        # An active image's task was a copy-image: its properties are set
        # right; an importing one goes back to queued.  In another status
        # the task died before it moved the image: only its lock goes.
        if image.status in (lifecycle.IMPORTING, lifecycle.ACTIVE):
            self.imports.recover(image_id, _targets(image), task_id)
        else:
            self.imports.lock.drop(image_id, task_id)

    def recover_stalled_imports(self):
        """Return to queued the images in importing whose task has ended
        or is gone (a crash between the two writes)."""
        for image in self.repo.stalled(lifecycle.IMPORTING,
                                       self._stall_cutoff()):
            task_id = image.extra_properties.get(imports_mod.IMPORT_TASK)
            try:
                task = self.repo.get_task(task_id) if task_id else None
            except exception.TaskNotFound:
                task = None
            if task is not None and task.status in task_mod.LIVE:
                continue
            LOG.warning('Image %s left importing by no live task; returning '
                        'it to queued', image.id)
            self.imports.recover(image.id, _targets(image), task_id)

    def recover_stalled_stages(self):
        """Return to queued the images in uploading whose stage died
        before the data was whole on this node."""
        own_url = self.conf.worker_self_reference_url
        for image in self.repo.stalled(lifecycle.UPLOADING,
                                       self._stall_cutoff()):
            host = image.extra_properties.get(imports_mod.STAGE_HOST)
            if (host and host != own_url) or \
                    self.stores.staging.holds(image.id):
                continue
            LOG.warning('Stage of image %s stalled; returning it to queued',
                        image.id)
            self.data.transition_quietly(image.id, lifecycle.UPLOADING,
                                         lifecycle.QUEUED)

    def clean_staging(self):
        """Remove staged data whose image no import needs any more."""
        staging = self.stores.staging
        for image_id in staging.staged_ids():
            try:
                status = self.repo.get(image_id).status
            except exception.ImageNotFound:
                status = None
            if status not in (lifecycle.UPLOADING, lifecycle.IMPORTING):
                LOG.info('Removing staged data of image %s (%s)', image_id,
                         status or 'gone')
                staging.purge(image_id)

    def remove_expired_tasks(self):
        removed = self.repo.delete_expired_tasks(image_mod.utcnow())
        if removed:
            LOG.info('Removed %d expired tasks', removed)


DEAD_TASK = ('The import stopped: the glance-api process running it ended '
             '(a crash or a restart) before it was done.  The image is back '
             'to queued; stage or import it again.')


def _targets(image):
    names = image.extra_properties.get(imports_mod.IMPORTING_TO) or ''
    return [name for name in names.split(',') if name]
