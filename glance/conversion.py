"""Disk image conversion with qemu-img, held to the format safety rules
(glance.domain.formats) before and after.

    virtual_size = conversion.convert(source, 'qcow2', target, 'raw', conf)

qemu-img is itself what a malicious image attacks: asked about a qcow2
with a backing file or a vmdk with extents, it opens the files they name.
So the format inspector reads the source first, and qemu-img only sees
data the inspector accepts as the declared format; then ``qemu-img info
-f <format>`` (never a probe) must agree: the same format, no backing
file, no external data file, a vmdk of an allowed create type whose
extents are the image itself.  The output is checked the same way.
qemu-img runs under the limits Glance gives it (1 GiB of address space,
30 CPU seconds to describe an image), through prlimit (util-linux).
Data refused, or that qemu-img cannot read, is ImageFormatRefused; a node
without qemu-img (Debian's qemu-utils) is a ConfigError.
"""

import json
import shutil
import subprocess

from glance.common import exception
from glance.domain import formats

INFO_LIMITS = ('--as=%d' % (1024 * 1024 * 1024), '--cpu=30')
INFO_TIMEOUT = 60


def check(path, disk_format, conf):
    """Refuse the file at ``path`` unless it is safe data in
    ``disk_format``, as the inspector and then qemu-img read it; its
    virtual size."""
    with open(path, 'rb') as data:
        formats.check_stream(data, disk_format, conf)
    info = json.loads(_qemu_img(
        'info', '--output=json', '-f', _qemu_format(disk_format), path,
        limits=INFO_LIMITS, timeout=INFO_TIMEOUT))
    return formats.check_qemu_info(info, disk_format, conf)


def convert(source, source_format, target, target_format, conf):
    """Write at ``target`` the data of ``source`` (declared
    ``source_format``) converted to ``target_format``, each checked; the
    virtual size of the result."""
    check(source, source_format, conf)
    _qemu_img('convert', '-f', _qemu_format(source_format),
              '-O', _qemu_format(target_format), source, target)
    return check(target, target_format, conf)


def _qemu_format(disk_format):
    try:
        return formats.QEMU_FORMATS[disk_format]
    except KeyError:
        raise exception.ImageFormatRefused(
            reason='qemu-img does not convert disk_format %s'
                   % disk_format) from None


def _qemu_img(*args, limits=(), timeout=None):
    command = ('qemu-img',) + args
    if limits:
        command = ('prlimit',) + limits + ('--',) + command
    for program in {command[0], 'qemu-img'}:
        if shutil.which(program) is None:
            raise exception.ConfigError(
                '%s is not installed on this node' % program)
    try:
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        raise exception.ImageFormatRefused(
            reason='qemu-img %s took more than %d seconds'
                   % (args[0], timeout)) from None
    if result.returncode:
        raise exception.ImageFormatRefused(
            reason='qemu-img %s failed: %s'
                   % (args[0], result.stderr.strip()[-300:]))
    return result.stdout
