"""Formats: which disk and container formats an image may declare, and
what its data may hold (CVE-2024-32498 and its kin).

A disk image is not inert: qemu-img and the hypervisors that open it follow
what its headers say.  A qcow2 image may name a backing file or an external
data file, a vmdk image may name extent files: opened on a compute node,
such an image reads the host's own files.  Every upload is therefore
inspected while it streams, by the format inspector oslo.utils maintains
(``oslo_utils.imageutils.format_inspector``), which keeps only the few
regions of each format it needs, so memory stays flat whatever the size.

``Inspection`` watches one upload: ``feed`` each chunk as it passes (the
stream stops at once when the data cannot be the declared format), then
``finish`` for the verdict and the virtual size.  Refused, with
ImageFormatRefused (400):

* data that holds two formats at once (one hidden in the other), except an
  ISO declared ``iso`` that also carries a partition table (bootable ISOs);
* with ``require_image_format_match``, data whose format is not the declared
  ``disk_format``; ``raw`` (whatever the inspector cannot name) and formats
  no inspector knows (``ami``, ``ari``, ``aki``, ``ploop``) match anything;
* data that fails the inspector's safety checks for the format it holds,
  whatever was declared: qcow2 with a backing file, an external data file or
  unknown features, vmdk whose descriptor names other files or whose
  ``createType`` is not in ``vmdk_allowed_types``, qed, a partition table
  with a malformed protective MBR (``gpt_safety_checks_nonfatal`` lets that
  one through), LUKS other than version 1, a truncated header.

``check_stream`` runs the same inspection on any readable stream (staged
data, the output of a conversion), and ``check_qemu_info`` holds what
``qemu-img info`` says of an image to the same rules, for the tools that
let qemu-img read image data (glance.conversion).
"""

import logging

from oslo_config import cfg
from oslo_utils.imageutils import format_inspector

from glance.common import exception

LOG = logging.getLogger(__name__)

GROUP = 'image_format'

OPTS = [
    cfg.ListOpt('disk_formats',
                default=['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw',
                         'qcow2', 'vdi', 'iso', 'ploop', 'gpt'],
                deprecated_group='DEFAULT',
                help='Disk formats an image may declare.  With '
                     'require_image_format_match the data uploaded must be '
                     'in the declared one, so this also limits what the '
                     'service stores.'),
    cfg.ListOpt('container_formats',
                default=['ami', 'ari', 'aki', 'bare', 'ovf', 'ova',
                         'docker', 'compressed'],
                deprecated_group='DEFAULT',
                help='Container formats an image may declare.'),
    cfg.ListOpt('vmdk_allowed_types',
                default=['streamOptimized', 'monolithicSparse'],
                help='VMDK create types an upload may have.  Only '
                     'single-file types are safe: the others name extent '
                     'files that a host opening the image would read, and '
                     'the format inspector refuses them whatever this '
                     'says.'),
    cfg.BoolOpt('require_image_format_match', default=True,
                help='Refuse an upload whose data is not in the declared '
                     'disk_format.  raw, and the formats no inspector knows '
                     '(ami, ari, aki, ploop), accept any data; an iso may '
                     'also carry a partition table.  Safety checks apply '
                     'either way.'),
    cfg.BoolOpt('gpt_safety_checks_nonfatal', default=False,
                help='Accept data holding a partition table whose '
                     'protective MBR fails the safety checks, logging a '
                     'warning.  For disk images some tools write with an '
                     'unusual MBR.'),
]

cfg.CONF.register_opts(OPTS, group=GROUP)

# The inspector may need a region's first bytes before it knows where the
# next region it needs starts (vhdx: its metadata table, then an entry of
# it, at least 64 KiB further); until every format is decided it is given
# the data in pieces that end on multiples of this, as it expects.
_PIECE = 64 * 1024

# Formats whose claim any data satisfies: raw is what the inspector cannot
# name.
_ANY_CONTENT = frozenset({'raw'})


def register_opts(conf):
    """Declare the ``[image_format]`` options on ``conf``."""
    conf.register_opts(OPTS, group=GROUP)


class Inspection:
    """What one upload holds, found while it streams.

    ``feed(chunk)`` for each chunk, in order, before it is handed on;
    ``finish()`` once the data ended: the virtual size, or
    ImageFormatRefused.  Either may raise ImageFormatRefused.
    """

    def __init__(self, disk_format, conf):
        self.disk_format = disk_format
        self.options = conf[GROUP]
        self.size = 0
        self._tap = _Tap()
        self._strict = (self.options.require_image_format_match
                        and disk_format not in _ANY_CONTENT
                        and format_inspector.get_inspector(disk_format)
                        is not None)
        # With a strict claim the inspector stops the stream as soon as the
        # declared format's inspector sees the data is not of its format.
        self._wrapper = format_inspector.InspectWrapper(
            self._tap, expected_format=disk_format if self._strict else None)

    def feed(self, chunk):
        """Inspect the bytes of ``chunk`` (any buffer; not kept)."""
        view = memoryview(chunk).cast('B')
        start = 0
        while start < len(view):
            end = len(view)
            if self._wrapper.formats is None:
                end = min(end, start + _PIECE - self.size % _PIECE)
            self._tap.chunk = view[start:end]
            try:
                self._wrapper.read(end - start)
            except Exception as error:
                LOG.info('The %s inspector gives up on the data: %s',
                         self.disk_format, error)
                raise _refused('the data is not in the declared disk_format '
                               '%s' % self.disk_format) from None
            finally:
                self._tap.chunk = b''
            self.size += end - start
            start = end

    def finish(self):
        """The verdict on the whole data: the virtual size in bytes (None
        when unknown), or ImageFormatRefused."""
        self._wrapper.close()
        found = self._detected()
        if self._strict and str(found) != self.disk_format:
            raise _refused(
                'the data is not in the declared disk_format %s (it is %s)'
                % (self.disk_format, found))
        if str(found) not in (self.disk_format, 'raw'):
            LOG.info('Image data declared %s holds %s; accepted as the '
                     'claim allows', self.disk_format, found)
        self._check_safety(found)
        if self.disk_format in _ANY_CONTENT or str(found) == 'raw':
            return self.size
        return found.virtual_size or None

    def _detected(self):
        """The one format the data holds (an ISO's among its tables)."""
        formats = self._wrapper.formats
        names = sorted(str(found) for found in formats)
        if self.disk_format == 'iso' and names == ['gpt', 'iso']:
            return next(found for found in formats if str(found) == 'iso')
        if len(formats) > 1:
            raise _refused('the data holds more than one format (%s)'
                           % ', '.join(names))
        return formats[0]

    def _check_safety(self, found):
        name = str(found)
        create_type = getattr(found, 'vmdktype', 'formatnotfound')
        if name == 'vmdk' and create_type != 'formatnotfound':
            allowed = self.options.vmdk_allowed_types
            if create_type not in {kind.lower() for kind in allowed}:
                raise _refused(
                    'vmdk createType %s is not allowed (allowed: %s)'
                    % (create_type, ', '.join(allowed)))
        try:
            found.safety_check()
        except format_inspector.SafetyCheckFailed as failed:
            reasons = '; '.join(str(reason)
                                for reason in failed.failures.values())
            if name == 'gpt' and self.options.gpt_safety_checks_nonfatal:
                LOG.warning('Partition table accepted despite failed '
                            'safety checks (gpt_safety_checks_nonfatal): '
                            '%s', reasons)
                return
            raise _refused('the %s data failed the safety checks: %s'
                           % (name, reasons)) from None
        except format_inspector.ImageFormatError as error:
            raise _refused('the %s data is malformed or truncated: %s'
                           % (name, error)) from None


def _refused(reason):
    LOG.warning('Image data refused: %s', reason)
    return exception.ImageFormatRefused(reason=reason)


class _Tap:
    """The source the InspectWrapper reads: the piece just passed."""

    chunk = b''

    def read(self, size):
        return self.chunk


def check_stream(source, disk_format, conf, chunk_size=1024 * 1024):
    """Inspect all of ``source`` (anything with ``readinto``) as data
    declared ``disk_format``: its virtual size, or ImageFormatRefused."""
    inspection = Inspection(disk_format, conf)
    buffer = memoryview(bytearray(chunk_size))
    while count := source.readinto(buffer):
        inspection.feed(buffer[:count])
    return inspection.finish()


# qemu-img's names of the disk formats it reads.
QEMU_FORMATS = {'raw': 'raw', 'qcow2': 'qcow2', 'vmdk': 'vmdk', 'vhd': 'vpc',
                'vhdx': 'vhdx', 'vdi': 'vdi', 'iso': 'raw', 'gpt': 'raw',
                'ploop': 'parallels'}


def check_qemu_info(info, disk_format, conf):
    """Refuse (ImageFormatRefused) an image of which ``qemu-img info
    --output=json -f <format>`` reports ``info`` unless qemu-img reads it
    as ``disk_format`` holding no reference to another file: no backing
    file, no external data file, a vmdk of an allowed create type whose
    extents are all the image itself.  Returns the virtual size."""
    expected = QEMU_FORMATS.get(disk_format)
    if expected is None or info.get('format') != expected:
        raise _refused(
            'qemu-img reads the data as %s, not as the declared disk_format '
            '%s' % (info.get('format'), disk_format))
    backing = info.get('backing-filename') or info.get(
        'full-backing-filename')
    if backing:
        raise _refused('qemu-img finds a backing file (%s)' % backing)
    specific = info.get('format-specific', {}).get('data', {})
    if specific.get('data-file'):
        raise _refused('qemu-img finds an external data file (%s)'
                       % specific['data-file'])
    if expected == 'vmdk':
        create_type = specific.get('create-type')
        allowed = conf[GROUP].vmdk_allowed_types
        if create_type not in allowed:
            raise _refused(
                'vmdk createType %s is not allowed (allowed: %s)'
                % (create_type, ', '.join(allowed)))
        image = info.get('filename')
        for extent in specific.get('extents', ()):
            if extent.get('filename') != image:
                raise _refused('qemu-img finds an extent in another file '
                               '(%s)' % extent.get('filename'))
    return info.get('virtual-size')
