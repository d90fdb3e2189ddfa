"""image_conversion: staged data is converted with qemu-img (Debian's
qemu-utils) to ``[image_conversion] output_format``, and the image's
disk_format follows.

The data is read as the format the image declares, never probed.  As
Glance's plugin does, data qemu-img finds a backing file or an external
data file in is refused before anything is converted: converting it would
read files of this host into the image.
"""

import json
import os
import subprocess

from oslo_config import cfg

from glance import import_plugins

GROUP = 'image_conversion'

OPTS = [
    cfg.StrOpt('output_format', default='raw',
               choices=['qcow2', 'raw', 'vmdk'],
               help='Disk format image_conversion converts imported images '
                    'to.'),
]

# qemu-img's names of the disk formats it reads.
QEMU_FORMATS = {'raw': 'raw', 'qcow2': 'qcow2', 'vmdk': 'vmdk',
                'vhd': 'vpc', 'vhdx': 'vhdx', 'vdi': 'vdi', 'iso': 'raw',
                'ploop': 'parallels'}
# Seconds qemu-img may take to describe an image.
INFO_TIMEOUT = 60


def _qemu_img(*args, timeout=None):
    try:
        result = subprocess.run(('qemu-img',) + args, capture_output=True,
                                text=True, timeout=timeout)
    except FileNotFoundError:
        raise import_plugins.failed(
            'qemu-img is not installed on this node') from None
    except subprocess.TimeoutExpired:
        raise import_plugins.failed('qemu-img took too long') from None
    if result.returncode:
        raise import_plugins.failed(
            'qemu-img %s failed: %s'
            % (args[0], result.stderr.strip()[-300:]))
    return result.stdout


def check_safe(info, path):
    """Refuse what qemu-img says would read other files than the image
    at ``path``."""
    if info.get('backing-filename') or info.get('full-backing-filename'):
        raise import_plugins.failed('the image has a backing file')
    specific = info.get('format-specific', {}).get('data', {})
    if specific.get('data-file'):
        raise import_plugins.failed('the image has an external data file')
    for extent in specific.get('extents', ()):
        if os.path.realpath(extent.get('filename', path)) != \
                os.path.realpath(path):
            raise import_plugins.failed(
                'the image has an extent in another file')


class Plugin:

    def __init__(self, conf, staging):
        conf.register_opts(OPTS, group=GROUP)
        self.opts = conf[GROUP]
        self.staging = staging

    def run(self, image, path, roles):
        target = self.opts.output_format
        source = QEMU_FORMATS.get(image.disk_format)
        if source is None:
            raise import_plugins.failed(
                'disk_format %s cannot be converted' % image.disk_format)
        info = json.loads(_qemu_img('info', '--output=json', '-f', source,
                                    path, timeout=INFO_TIMEOUT))
        check_safe(info, path)
        if image.disk_format == target:
            return import_plugins.Outcome()
        self.staging.replace(image.id, lambda output: _qemu_img(
            'convert', '-f', source, '-O', target, path, output))
        return import_plugins.Outcome(attributes={'disk_format': target})
