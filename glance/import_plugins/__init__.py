"""Import plugins: what image import does to staged data before it is
stored, in the order ``[image_import_opts] image_import_plugins`` lists.

Each plugin is a module of this package with a ``Plugin`` class: built
with the configuration (where it registers its options), it is called as
``plugin.run(image, path, roles)`` on the image being imported, the path
of its staged data and the roles of the caller who asked for the import.
It may rewrite the staged data through ``staging.replace`` and returns the
ImageChanges-like ``Outcome`` the import applies to the image before
storing its data.  A plugin refusing the data raises ImportFailed.
"""

import dataclasses
import importlib

from oslo_config import cfg

from glance.common import exception

GROUP = 'image_import_opts'

NAMES = ('no_op', 'inject_image_metadata', 'image_decompression',
         'image_conversion')

OPTS = [
    cfg.ListOpt('image_import_plugins', default=[],
                item_type=cfg.types.String(choices=NAMES),
                help='Plugins image import runs on the staged data before '
                     'storing it, in this order: no_op, '
                     'inject_image_metadata ([inject_metadata_properties]), '
                     'image_decompression, image_conversion '
                     '([image_conversion]).'),
]


@dataclasses.dataclass
class Outcome:
    """What a plugin changes of the image: base attributes (disk_format)
    and extra properties."""
    attributes: dict = dataclasses.field(default_factory=dict)
    properties: dict = dataclasses.field(default_factory=dict)


def enabled(conf, staging):
    """The configured plugins, built, in order."""
    conf.register_opts(OPTS, group=GROUP)
    plugins = []
    for name in conf[GROUP].image_import_plugins:
        module = importlib.import_module('glance.import_plugins.' + name)
        plugins.append(module.Plugin(conf, staging))
    return plugins


def failed(reason):
    return exception.ImportFailed(reason=reason)
