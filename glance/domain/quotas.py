"""Glance's legacy quotas: how many properties, tags, members and locations
one image may have, and how much image data one owner may store.

Limits a concurrent writer could break (properties, tags and members
added to an existing image, the bytes of an owner) are handed to the
repository, which checks them in the transaction of the write, once the
image (or the owner's images) is locked: of two adds that would together
pass a limit, one fails.  Counts no other writer can change (a new
image, the locations a status change sets) are checked here.
A negative image_*_quota, and a user_storage_quota of 0, mean unlimited.
With use_keystone_limits, Keystone's image_size_total
(glance.domain.limits) takes the place of user_storage_quota, as in Glance.
"""

import re

from glance.common import exception
from glance.domain import repository

UNITS = {'B': 1, 'KB': 1024, 'MB': 1024 ** 2, 'GB': 1024 ** 3,
         'TB': 1024 ** 4}
_STORAGE_QUOTA = re.compile(r'^(\d+)((K|M|G|T)?B)?$')


def parse_storage_quota(text):
    """Bytes of a user_storage_quota value ('10GB'); None for 0."""
    match = _STORAGE_QUOTA.match(text)
    if match is None:
        raise exception.ConfigError(
            'Invalid user_storage_quota %r: a number of bytes, optionally '
            'followed by B, KB, MB, GB or TB' % text)
    number, unit = match.group(1), match.group(2) or 'B'
    return int(number) * UNITS[unit] or None


def _limit(value):
    return None if value < 0 else value


class Quotas:
    """The limits of the configuration, read on each use."""

    def __init__(self, conf):
        self.conf = conf
        parse_storage_quota(conf.user_storage_quota)

    @property
    def properties(self):
        return _limit(self.conf.image_property_quota)

    @property
    def tags(self):
        return _limit(self.conf.image_tag_quota)

    @property
    def members(self):
        return _limit(self.conf.image_member_quota)

    def check_new_image(self, image):
        """Properties and tags of an image about to be created."""
        for limit, items, error in (
                (self.properties, image.extra_properties,
                 exception.ImagePropertyLimitExceeded),
                (self.tags, image.tags, exception.ImageTagLimitExceeded)):
            if limit is not None and len(items) > limit:
                raise error(attempted=len(items), maximum=limit)

    @property
    def locations(self):
        return _limit(self.conf.image_location_quota)

    def check_locations(self, locations):
        limit = self.locations
        if limit is not None and len(locations) > limit:
            raise exception.ImageLocationLimitExceeded(
                attempted=len(locations), maximum=limit)

    def storage(self, context):
        """The StorageQuota of the caller's owner, None if unlimited or
        if Keystone's unified limits replace it (use_keystone_limits)."""
        limit = parse_storage_quota(self.conf.user_storage_quota)
        if limit is None or self.conf.use_keystone_limits:
            return None
        return repository.StorageQuota(owner=context.owner, limit=limit)
