"""Maintenance: what keeps images consistent after crashes and failures.

``run()`` is one round, run periodically while glance-api serves (the
master process schedules it every ``maintenance_interval`` seconds) and by
``glance-manage maintenance`` for deployments whose server does not (uWSGI,
gunicorn):

* an upload whose server died (no heartbeat for ``upload_stall_timeout``
  seconds) returns its image to queued, and whatever data it left is
  removed;
* partial data no upload has written to for that long is removed;
* images in pending_delete whose data could not be removed are retried.
"""

import datetime
import logging

from oslo_config import cfg

from glance.common import exception
from glance.domain import data as data_mod
from glance.domain import image as image_mod
from glance.domain import lifecycle

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

    def __init__(self, repo, stores, data, conf):
        conf.register_opts(OPTS)
        self.repo = repo
        self.stores = stores
        self.data = data
        self.conf = conf

    def run(self):
        """One round; each part goes on whatever the others met."""
        for task in (self.recover_stalled_uploads,
                     self.retry_pending_deletes):
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
