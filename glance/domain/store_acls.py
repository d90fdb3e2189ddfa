"""Store ACLs: who may read an image's data with their own credentials.

A store that keeps data in the owner's account (swift's multi-tenant
mode) serves it to others only if the owner's storage lets them: every
authenticated caller for a public or community image, the members of a
shared one, nobody else for a private one.  As OpenStack Glance does, the
ACLs follow the image when it gets data and when its visibility or its
members change.
"""

import logging

from glance.common import exception
from glance import store

LOG = logging.getLogger(__name__)

PUBLIC = frozenset({'public', 'community'})


class StoreAcls:

    def __init__(self, repo, stores):
        self.repo = repo
        self.stores = stores

    def update(self, image):
        """Set the ACLs of every location of ``image``, as stored now.

        Never raises: the change that asked for it is made; a store that
        fails is logged (its ACLs are set again at the next change).
        """
        uris = [location.url for location in image.locations
                if self.stores.keeps_acls(location.url)]
        if not uris:
            return
        public = image.visibility in PUBLIC
        # Members of an image no longer shared do not read it.
        readers = [member.member_id for member in self.repo.members(
            image.id)] if image.visibility == 'shared' else []
        for uri in uris:
            try:
                self.stores.set_acls(uri, public, readers)
            except (exception.StoreUnavailable, exception.BadStoreUri,
                    exception.NotFound) as e:
                LOG.warning('Could not set who may read the data of image '
                            '%s at %s: %s', image.id, store.display_uri(uri),
                            e)
