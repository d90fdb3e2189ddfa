"""Real disk images, made with qemu-img, safe and malicious, for the tests
of format safety.

    images = build(directory)        # {name: DiskImage}
    images['qcow2-backing-file'].path, .disk_format, .refusal

or the ``real_images`` fixture (tests/conftest.py), made once per process.

The images named in ``SAFE`` are uploaded with the disk_format they hold
and accepted, with the virtual size qemu-img reports; those in
``REFUSED`` are uploaded as ``disk_format`` and refused with a message
holding ``refusal``.  qemu-img
comes from Debian's qemu-utils (``requires_qemu_img`` skips without it);
an ISO is made with genisoimage or xorriso where installed, else written
here, and a GPT disk with sgdisk (Debian's gdisk) where installed, else its
protective MBR is written here.
"""

import dataclasses
import json
import os
import shutil
import struct
import subprocess

import pytest

MiB = 1024 * 1024
SIZE = 10 * MiB
SECTOR = 512
ISO_BLOCK = 2048

# The names of the images build() makes, accepted and refused.
SAFE = ('raw', 'qcow2', 'qcow2-compat-0.10', 'vmdk-monolithicSparse',
        'vmdk-streamOptimized', 'vhd', 'vhdx', 'vdi', 'vdi-static', 'iso',
        'iso-hybrid', 'gpt', 'qcow2-declared-raw')
REFUSED = ('qcow2-backing-file', 'qcow2-backing-file-declared-raw',
           'qcow2-data-file', 'vmdk-monolithicFlat',
           'vmdk-twoGbMaxExtentSparse', 'vmdk-twoGbMaxExtentFlat',
           'vmdk-flat-extent', 'qed', 'vhd-fixed',
           'gpt-extra-partition', 'qcow2-hiding-iso', 'vmdk-declared-qcow2',
           'qcow2-declared-vmdk', 'raw-declared-qcow2', 'vhd-declared-vhdx',
           'iso-declared-gpt', 'gpt-declared-iso')

requires_qemu_img = pytest.mark.skipif(
    shutil.which('qemu-img') is None,
    reason='qemu-img is not installed (Debian package qemu-utils)')


@dataclasses.dataclass
class DiskImage:
    name: str
    path: str
    disk_format: str
    refusal: str | None = None      # None: accepted
    virtual_size: int | None = None

    def read(self):
        with open(self.path, 'rb') as f:
            return f.read()


@pytest.fixture(scope='session')
def real_images(tmp_path_factory):
    """Every image build() makes, made once per test process; read only."""
    return build(tmp_path_factory.mktemp('disk-images'))


def qemu_img(*args):
    return subprocess.run(['qemu-img', *args], check=True,
                          capture_output=True, text=True).stdout


def qemu_virtual_size(path, fmt):
    """The virtual size qemu-img reads in ``path`` as format ``fmt``."""
    return qemu_info(path, fmt)['virtual-size']


def qemu_info(path, fmt=None):
    """``qemu-img info --output=json`` of ``path`` (as ``fmt``)."""
    return json.loads(qemu_img('info', '--output=json',
                               *(['-f', fmt] if fmt else []), path))


def _create(directory, name, fmt, *options):
    path = os.path.join(directory, name)
    qemu_img('create', '-q', '-f', fmt, *options, path, str(SIZE))
    return path


def _write(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def _patch(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def _mbr_entry(boot, chs_start, kind, start_lba, sectors):
    return struct.pack('<B3sB3sII', boot, bytes(chs_start), kind,
                       b'\xff\xff\xff', start_lba, sectors)


def _mbr(*entries):
    """A master boot record (446 bytes of boot code left zero)."""
    table = b''.join(entries).ljust(64, b'\0')
    return bytes(446) + table + b'\x55\xaa'


def _iso_volume_descriptor(kind, blocks=0):
    descriptor = bytearray(ISO_BLOCK)
    descriptor[0:7] = bytes([kind]) + b'CD001\x01'
    if kind == 1:   # primary: volume size and block size, both-endian
        descriptor[80:88] = struct.pack('<I', blocks) + struct.pack(
            '>I', blocks)
        descriptor[128:132] = struct.pack('<H', ISO_BLOCK) + struct.pack(
            '>H', ISO_BLOCK)
    return bytes(descriptor)


def _iso(directory):
    """An ISO 9660 image holding one file."""
    content = os.path.join(directory, 'iso-content')
    os.makedirs(content, exist_ok=True)
    with open(os.path.join(content, 'README'), 'w') as f:
        f.write('an ISO made for the tests\n')
    path = os.path.join(directory, 'disk.iso')
    maker = shutil.which('genisoimage') or shutil.which('xorriso')
    if maker is None:
        blocks = 19     # system area, primary descriptor, terminator
        data = (bytes(16 * ISO_BLOCK) + _iso_volume_descriptor(1, blocks)
                + _iso_volume_descriptor(255)).ljust(blocks * ISO_BLOCK,
                                                     b'\0')
        return _write(directory, 'disk.iso', data)
    prefix = [maker] if maker.endswith('genisoimage') else [
        maker, '-as', 'mkisofs']
    subprocess.run(prefix + ['-quiet', '-o', path, content], check=True,
                   capture_output=True)
    return path


def _gpt(directory, name):
    """A disk with a GUID partition table and one partition."""
    path = _create(directory, name, 'raw')
    if shutil.which('sgdisk'):
        subprocess.run(['sgdisk', '-n', '1:2048:0', path], check=True,
                       capture_output=True)
    else:
        sectors = SIZE // SECTOR
        _patch(path, 0, _mbr(_mbr_entry(0, (0, 2, 0), 0xEE, 1,
                                        sectors - 1)))
    return path


def build(directory):
    """Every image of the tests, made in ``directory``: {name: DiskImage}.
    """
    directory = str(directory)
    images = {}

    def add(name, path, disk_format, refusal=None, virtual_size=None):
        images[name] = DiskImage(name, path, disk_format, refusal,
                                 virtual_size)

    def safe(name, path, disk_format, qemu_format=None):
        # What qemu-img reads as raw has the size of its bytes.
        qemu_format = 'raw' if disk_format == 'raw' else (
            qemu_format or disk_format)
        add(name, path, disk_format, virtual_size=os.path.getsize(path)
            if qemu_format == 'raw' else qemu_virtual_size(path, qemu_format))

    # -- safe, each as what it holds -------------------------------------
    safe('raw', _create(directory, 'disk.raw', 'raw'), 'raw')
    safe('qcow2', _create(directory, 'disk.qcow2', 'qcow2'), 'qcow2')
    safe('qcow2-compat-0.10', _create(directory, 'old.qcow2', 'qcow2', '-o',
                                      'compat=0.10'), 'qcow2')
    for create_type in ('monolithicSparse', 'streamOptimized'):
        safe('vmdk-' + create_type,
             _create(directory, create_type + '.vmdk', 'vmdk', '-o',
                     'subformat=' + create_type), 'vmdk')
    safe('vhd', _create(directory, 'disk.vhd', 'vpc'), 'vhd', 'vpc')
    safe('vhdx', _create(directory, 'disk.vhdx', 'vhdx'), 'vhdx')
    safe('vdi', _create(directory, 'disk.vdi', 'vdi'), 'vdi')
    safe('vdi-static', _create(directory, 'static.vdi', 'vdi', '-o',
                               'static=on'), 'vdi')
    safe('iso', _iso(directory), 'iso', 'raw')
    hybrid = os.path.join(directory, 'hybrid.iso')
    shutil.copyfile(images['iso'].path, hybrid)
    # A bootable ISO also carries a partition table (isohybrid).
    _patch(hybrid, 0, _mbr(_mbr_entry(0x80, (0, 1, 0), 0x17, 0,
                                      os.path.getsize(hybrid) // SECTOR)))
    safe('iso-hybrid', hybrid, 'iso', 'raw')
    safe('gpt', _gpt(directory, 'disk.gpt'), 'gpt', 'raw')
    # Raw claims any data: a qcow2 declared raw is used as raw bytes.
    safe('qcow2-declared-raw', images['qcow2'].path, 'raw')

    # -- malicious -------------------------------------------------------
    backing = _create(directory, 'backing.qcow2', 'qcow2', '-b',
                      '/etc/passwd', '-F', 'raw')
    add('qcow2-backing-file', backing, 'qcow2', 'backing file')
    add('qcow2-backing-file-declared-raw', backing, 'raw', 'backing file')
    add('qcow2-data-file', _create(
        directory, 'data-file.qcow2', 'qcow2', '-o',
        'data_file=' + os.path.join(directory, 'external.raw')),
        'qcow2', 'data_file')
    for create_type in ('monolithicFlat', 'twoGbMaxExtentSparse',
                        'twoGbMaxExtentFlat'):
        add('vmdk-' + create_type, _create(
            directory, create_type + '.vmdk', 'vmdk', '-o',
            'subformat=' + create_type), 'vmdk',
            'createType %s is not allowed' % create_type.lower())
    add('vmdk-flat-extent', _vmdk_with_extent(
        directory, images['vmdk-monolithicSparse'].path,
        'RW 20480 FLAT "/etc/shadow" 0'), 'vmdk', 'extent filenames')
    add('qed', _create(directory, 'disk.qed', 'qed'), 'raw',
        'format is not allowed')
    # A fixed VHD has its footer at its end only, where the inspector does
    # not look: it is not recognised as vhd (upload it as raw).
    add('vhd-fixed', _create(directory, 'fixed.vhd', 'vpc', '-o',
                             'subformat=fixed'), 'vhd',
        'not in the declared disk_format')
    bad_gpt = _gpt(directory, 'bad-mbr.gpt')
    # A second partition beside the protective one.
    _patch(bad_gpt, 446 + 16, _mbr_entry(0, (0, 2, 0), 0x83, 2048, 2048))
    add('gpt-extra-partition', bad_gpt, 'gpt', 'invalid extra partitions')
    hiding = os.path.join(directory, 'hiding.qcow2')
    shutil.copyfile(images['qcow2'].path, hiding)
    # An ISO volume descriptor in the padding of the qcow2 header cluster.
    _patch(hiding, 16 * ISO_BLOCK, _iso_volume_descriptor(1, 1))
    add('qcow2-hiding-iso', hiding, 'qcow2', 'more than one format')

    # -- one format declared, another held ---------------------------------
    mismatch = 'not in the declared disk_format'
    add('vmdk-declared-qcow2', images['vmdk-monolithicSparse'].path,
        'qcow2', mismatch)
    add('qcow2-declared-vmdk', images['qcow2'].path, 'vmdk', mismatch)
    add('raw-declared-qcow2', images['raw'].path, 'qcow2', mismatch)
    add('vhd-declared-vhdx', images['vhd'].path, 'vhdx', mismatch)
    add('iso-declared-gpt', images['iso'].path, 'gpt', mismatch)
    add('gpt-declared-iso', images['gpt'].path, 'iso', mismatch)
    assert sorted(images) == sorted(SAFE + REFUSED)
    return images


def _vmdk_with_extent(directory, sparse_path, extent_line):
    """A copy of a monolithicSparse vmdk whose embedded descriptor names
    ``extent_line`` as its extent instead of itself."""
    path = os.path.join(directory, 'flat-extent.vmdk')
    shutil.copyfile(sparse_path, path)
    with open(path, 'rb') as f:
        header = f.read(SECTOR)
        offset, sectors = struct.unpack('<QQ', header[28:44])
        f.seek(offset * SECTOR)
        descriptor = f.read(sectors * SECTOR).rstrip(b'\0').decode()
    lines = [extent_line if line.startswith('RW ') else line
             for line in descriptor.splitlines()]
    text = ('\n'.join(lines) + '\n').encode()
    _patch(path, offset * SECTOR, text.ljust(sectors * SECTOR, b'\0'))
    return path
