"""image_conversion: staged data is converted with qemu-img (Debian's
qemu-utils) to ``[image_conversion] output_format``, and the image's
disk_format follows.

The data is read as the format the image declares, never probed, and is
held to the format safety rules before and after (glance.conversion):
data with a backing file, an external data file or extents in other files
is refused before qemu-img converts anything, since converting it would
read files of this host into the image.
"""

from oslo_config import cfg

from glance.common import exception
from glance import conversion
from glance.domain import formats
from glance import import_plugins

GROUP = 'image_conversion'

OPTS = [
    cfg.StrOpt('output_format', default='raw',
               choices=['qcow2', 'raw', 'vmdk'],
               help='Disk format image_conversion converts imported images '
                    'to.'),
]


class Plugin:

    def __init__(self, conf, staging):
        conf.register_opts(OPTS, group=GROUP)
        formats.register_opts(conf)
        self.conf = conf
        self.staging = staging

    def run(self, image, path, roles):
        source = image.disk_format
        target = self.conf[GROUP].output_format
        try:
            if source == target:
                conversion.check(path, source, self.conf)
                return import_plugins.Outcome()
            self.staging.replace(image.id, lambda output: conversion.convert(
                path, source, output, target, self.conf))
        except (exception.ImageFormatRefused, exception.ConfigError) as e:
            raise import_plugins.failed(str(e)) from None
        return import_plugins.Outcome(attributes={'disk_format': target})
