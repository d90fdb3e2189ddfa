"""Default policy rules, by name; operators override them in policy.yaml.

One module per resource; ``list_rules`` gathers them all for the enforcer
and for oslopolicy-sample-generator (namespace ``glance``).
"""

import itertools

from glance.policies import base
from glance.policies import cache
from glance.policies import discovery
from glance.policies import image
from glance.policies import metadef
from glance.policies import task


def list_rules():
    return list(itertools.chain(base.list_rules(), image.list_rules(),
                                cache.list_rules(), discovery.list_rules(),
                                metadef.list_rules(), task.list_rules()))
