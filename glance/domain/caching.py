"""The image cache as the APIs and the cron tools use it.

Downloads go through ``ImageData.download``, the same access check as an
uncached download (``download_image``, visibility, membership, status), and
only then to the cache: a hit is a complete entry, a whole-image miss
joins or starts the fill of its entry (one store read however many
readers), a range miss reads the store.  Management actions take the
policy rule of the route that asks (``cache_list``, ``cache_image``...,
or ``manage_image_cache`` for the v1 routes).
"""

import logging

from glance.common import exception
from glance.domain import lifecycle

LOG = logging.getLogger(__name__)

CLEAR_TARGETS = ('cache', 'queue', 'both')
# An image no longer in these statuses has no business in the cache.
CACHEABLE = (lifecycle.ACTIVE, lifecycle.DEACTIVATED)


class ImageCaching:

    def __init__(self, access, data, cache):
        self.access = access
        self.data = data
        self.cache = cache

    # -- downloads ----------------------------------------------------------

    def download(self, context, image_id, choose_range=None):
        """As ImageData.download, the bytes from the cache when it can."""
        return self.data.download(context, image_id, choose_range,
                                  source=self._open)

    def _open(self, image, offset, length):
        hit = self.cache.open(image.id, offset, length)
        if hit is not None:
            return hit
        whole = offset == 0 and (length is None or length >= image.size)
        if whole and image.size:
            following = self.cache.fill(
                image.id, image.size, image.checksum,
                lambda start: self.data.read(image, start))
            if following is not None:
                return following
        return self.data.read(image, offset, length)

    def evict(self, image_id):
        """Drop a deleted image's entry (no check: it is gone)."""
        try:
            self.cache.evict(image_id)
            self.cache.dequeue(image_id)
        except exception.ImageNotFound:
            pass

    # -- management ---------------------------------------------------------

    def cached(self, context, rule):
        self.access.authorize(context, rule)
        return [entry.as_dict() for entry in self.cache.entries()]

    def queued(self, context, rule):
        self.access.authorize(context, rule)
        return self.cache.queued()

    def queue(self, context, image_id, rule, fill_now=False):
        """Queue an image the caller sees for caching; with ``fill_now``
        start filling it at once (``PUT /v2/cache/{id}``), the queue
        showing it until done.  Invalid unless it is active."""
        self.access.authorize(context, rule)
        image = self.access.image(context, image_id, 'get_image')
        if image.status != lifecycle.ACTIVE or not image.locations:
            raise exception.Invalid(
                'Only images with status active can be targeted for '
                'queueing; image %s is %s.' % (image.id, image.status))
        if self.cache.queue(image.id) and fill_now:
            self._fill(image, wait=False)

    def _fill(self, image, wait):
        if not image.size:
            self.cache.dequeue(image.id)
            return False
        started = self.cache.fill(
            image.id, image.size, image.checksum,
            lambda start: self.data.read(image, start), wait=wait)
        if not wait and started is not None:
            started.close()  # the fill runs on without a reader
        return bool(started)

    def delete(self, context, image_id, rule):
        """Remove an image from the cache and the queue; NotFound if it was
        in neither."""
        self.access.authorize(context, rule)
        evicted = self.cache.evict(image_id)
        if not (self.cache.dequeue(image_id) or evicted):
            raise exception.NotFound(
                'Image %s is neither cached nor queued.' % image_id)

    def dequeue(self, context, image_id, rule):
        self.access.authorize(context, rule)
        if not self.cache.dequeue(image_id):
            raise exception.NotFound('Image %s is not queued.' % image_id)

    def uncache(self, context, image_id, rule):
        self.access.authorize(context, rule)
        if not self.cache.evict(image_id):
            raise exception.NotFound('Image %s is not cached.' % image_id)

    def clear(self, context, rule, target='both'):
        """Empty the cache, the queue or both; how many were removed."""
        self.access.authorize(context, rule)
        if target not in CLEAR_TARGETS:
            raise exception.Invalid(
                'The clear target must be one of %s, not %r.'
                % (', '.join(CLEAR_TARGETS), target))
        removed = 0
        if target in ('cache', 'both'):
            removed += self.cache.evict_all()
        if target in ('queue', 'both'):
            removed += self.cache.dequeue_all()
        return removed

    def nodes(self, context, image_id, rule):
        """URLs of the nodes that cache the image (centralized_db)."""
        self.access.authorize(context, rule)
        nodes = self.cache.nodes(image_id)
        if nodes is None:
            raise exception.Invalid(
                'Which nodes cache an image is known with image_cache_driver'
                ' centralized_db only.')
        return nodes

    # -- the cron tools (and their API routes) -------------------------------

    def clean(self, context=None, rule=None):
        """The cleaner: dead and stalled fills, invalid files, and the
        entries of images the database no longer has (deleted, killed);
        the names removed."""
        if context is not None:
            self.access.authorize(context, rule)
        removed = self.cache.clean()
        for entry in self.cache.entries():
            try:
                image = self.access.repo.get(entry.image_id)
                gone = image.status not in CACHEABLE
            except exception.NotFound:
                gone = True
            if gone and self.cache.evict(entry.image_id):
                removed.append(entry.image_id)
        return removed

    def prune(self, context=None, rule=None):
        """The pruner: within image_cache_max_size again; the ids
        evicted."""
        if context is not None:
            self.access.authorize(context, rule)
        return self.cache.prune()

    def prefetch(self):
        """The prefetcher: fill every queued image, one after another; the
        ids cached.  An image gone or no longer active leaves the queue."""
        cached = []
        for image_id in self.cache.queued():
            try:
                image = self.access.repo.get(image_id)
            except exception.NotFound:
                image = None
            if image is None or image.status != lifecycle.ACTIVE \
                    or not image.locations:
                LOG.warning('Image %s is not active; dequeued', image_id)
                self.cache.dequeue(image_id)
                continue
            if self.cache.is_cached(image_id):
                self.cache.dequeue(image_id)
                continue
            if self._fill(image, wait=True):
                cached.append(image_id)
            else:
                LOG.warning('Image %s could not be cached now; it stays '
                            'queued', image_id)
        return cached
