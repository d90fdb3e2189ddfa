"""What the Image API tells of the stores (``GET /v2/info/stores`` and
``/detail``), as Glance does with several stores (enabled_backends).

With a single store there is nothing to list: NotFound, as Glance answers
without enabled_backends.  The staging area and Glance's other reserved
stores are never listed.
"""

from glance.common import exception
from glance.store import base


class StoresInfo:

    def __init__(self, access, stores, conf):
        self.access = access
        self.stores = stores
        self.conf = conf

    def list(self, context, detail=False):
        """The enabled stores: id, description, whether it is the default
        and read-only (Glance's strings "true"); with ``detail`` (policy
        ``stores_info_detail``) their type, properties and weight."""
        if not self.stores.multiple:
            raise exception.NotFound(
                'Multi backend is not supported at this site.')
        if detail:
            self.access.authorize(context, 'stores_info_detail')
        default = self.stores.default_driver()
        listed = []
        for driver in self.stores:
            entry = {'id': driver.store_id}
            if driver.opts.store_description:
                entry['description'] = driver.opts.store_description
            if driver is default:
                entry['default'] = 'true'
            if base.WRITE not in driver.capabilities:
                entry['read-only'] = 'true'
            if detail:
                entry.update(type=self.stores.store_type(driver.store_id),
                             properties=self.stores.details(driver.store_id),
                             weight=driver.opts.weight)
            listed.append(entry)
        return listed
