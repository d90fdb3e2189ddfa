"""Format safety (glance.domain.formats) on real disk images made with
qemu-img: what each one holds, whether it is refused, its virtual size;
and the upload path that applies it."""

import io
import os
import textwrap

import pytest

from glance.common import exception
from glance.domain import formats
from tests import disk_images
from tests.unit.domain.conftest import OWNER
from tests.unit.store import helpers

pytestmark = disk_images.requires_qemu_img


@pytest.fixture
def images(real_images):
    return real_images


@pytest.fixture
def options(format_options):
    return format_options


def inspect(image, options, piece=1024 * 1024, disk_format=None):
    """Feed ``image`` to an Inspection in pieces of ``piece`` bytes: its
    verdict, the virtual size."""
    inspection = formats.Inspection(disk_format or image.disk_format, options)
    data = image.read()
    for start in range(0, len(data), piece):
        inspection.feed(data[start:start + piece])
    return inspection.finish()


def test_the_images_are_what_they_claim(images):
    """qemu-img sees in each image the format the tests say it holds."""
    expect = {'qcow2': 'qcow2', 'vmdk-monolithicSparse': 'vmdk',
              'vmdk-streamOptimized': 'vmdk', 'vhd': 'vpc', 'vhdx': 'vhdx',
              'vdi': 'vdi', 'qcow2-backing-file': 'qcow2',
              'qcow2-data-file': 'qcow2', 'qed': 'qed'}
    for name, qemu_format in expect.items():
        assert disk_images.qemu_info(images[name].path)['format'] \
            == qemu_format, name
    info = disk_images.qemu_info(images['qcow2-backing-file'].path)
    assert info['backing-filename'] == '/etc/passwd'
    info = disk_images.qemu_info(images['qcow2-data-file'].path, 'qcow2')
    assert info['format-specific']['data']['data-file'].endswith(
        'external.raw')


@pytest.mark.parametrize('name', sorted(disk_images.SAFE))
def test_a_safe_image_is_accepted_with_its_virtual_size(images, options, name):
    image = images[name]
    assert inspect(image, options) == image.virtual_size


@pytest.mark.parametrize('name', sorted(disk_images.REFUSED))
def test_an_unsafe_or_mismatched_image_is_refused(images, options, name):
    image = images[name]
    with pytest.raises(exception.ImageFormatRefused,
                       match=image.refusal) as refused:
        inspect(image, options)
    assert isinstance(refused.value, exception.Invalid)     # a 400


@pytest.mark.parametrize('piece', [4096 + 7, 64 * 1024, 4 * 1024 * 1024])
@pytest.mark.parametrize('name', ['vhdx', 'vmdk-streamOptimized', 'iso',
                                  'qcow2-backing-file', 'vmdk-flat-extent'])
def test_the_verdict_does_not_depend_on_how_the_data_is_cut(images, options,
                                                            name, piece):
    image = images[name]
    if image.refusal is None:
        assert inspect(image, options, piece) == image.virtual_size
    else:
        with pytest.raises(exception.ImageFormatRefused, match=image.refusal):
            inspect(image, options, piece)


def test_a_mismatch_stops_the_stream_at_once(images, options):
    """Data declared qcow2 that is not is refused from its first bytes, not
    after the whole upload."""
    inspection = formats.Inspection('qcow2', options)
    with pytest.raises(exception.ImageFormatRefused, match='declared'):
        inspection.feed(bytes(4096))


def test_formats_no_inspector_knows_accept_any_data(images, options):
    image = images['qcow2']
    for claim in ('ami', 'ari', 'aki', 'ploop'):
        assert inspect(image, options, disk_format=claim) == image.virtual_size
    with pytest.raises(exception.ImageFormatRefused, match='backing file'):
        inspect(images['qcow2-backing-file'], options, disk_format='ami')


def test_a_mismatch_passes_without_require_image_format_match(
        images, options):
    options.set_override('require_image_format_match', False,
                         group='image_format')
    qcow2 = images['qcow2']
    assert inspect(qcow2, options, disk_format='vmdk') == qcow2.virtual_size
    raw = images['raw']
    assert inspect(raw, options, disk_format='qcow2') == raw.virtual_size
    # Safety checks apply whatever the claim.
    for name in ('qcow2-backing-file', 'vmdk-flat-extent', 'qed',
                 'qcow2-hiding-iso'):
        with pytest.raises(exception.ImageFormatRefused,
                           match=images[name].refusal):
            inspect(images[name], options)


def test_vmdk_allowed_types(images, options):
    options.set_override('vmdk_allowed_types', ['monolithicSparse'],
                         group='image_format')
    sparse = images['vmdk-monolithicSparse']
    assert inspect(sparse, options) == sparse.virtual_size
    with pytest.raises(exception.ImageFormatRefused,
                       match='createType streamoptimized is not allowed'):
        inspect(images['vmdk-streamOptimized'], options)
    # The inspector refuses multi-file types whatever the option says.
    options.set_override('vmdk_allowed_types', ['monolithicFlat'],
                         group='image_format')
    with pytest.raises(exception.ImageFormatRefused, match='subformat'):
        inspect(images['vmdk-monolithicFlat'], options)


def test_gpt_safety_checks_nonfatal(images, options):
    image = images['gpt-extra-partition']
    options.set_override('gpt_safety_checks_nonfatal', True,
                         group='image_format')
    assert inspect(image, options) == os.path.getsize(image.path)
    with pytest.raises(exception.ImageFormatRefused, match='backing file'):
        inspect(images['qcow2-backing-file'], options)


def test_truncated_data_is_refused(images, options):
    inspection = formats.Inspection('qcow2', options)
    inspection.feed(images['qcow2'].read()[:100])
    with pytest.raises(exception.ImageFormatRefused, match='qcow2'):
        inspection.finish()


def test_check_stream_inspects_a_whole_stream(images, options):
    image = images['vhdx']
    with open(image.path, 'rb') as data:
        assert formats.check_stream(data, 'vhdx', options) == \
            image.virtual_size
    with pytest.raises(exception.ImageFormatRefused, match='data_file'):
        formats.check_stream(io.BytesIO(images['qcow2-data-file'].read()),
                             'qcow2', options)


# -- the upload path ----------------------------------------------------------

def test_an_upload_records_the_virtual_size(services, images):
    image = images['qcow2']
    queued = services.images.create(OWNER, dict(disk_format='qcow2',
                                                container_format='bare'))
    active = services.data.upload(OWNER, queued.id, io.BytesIO(image.read()))
    assert active.status == 'active'
    assert active.virtual_size == image.virtual_size
    assert active.size == os.path.getsize(image.path)


def test_a_refused_upload_stores_nothing_and_requeues(services, images,
                                                      datadir):
    image = images['qcow2-backing-file']
    queued = services.images.create(OWNER, dict(disk_format='qcow2',
                                                container_format='bare'))
    with pytest.raises(exception.ImageFormatRefused, match='backing file'):
        services.data.upload(OWNER, queued.id, io.BytesIO(image.read()))
    shown = services.images.get(OWNER, queued.id)
    assert shown.status == 'queued' and shown.virtual_size is None
    assert os.listdir(datadir) == []


class _Endless:
    """Zeros without end, counting what was read."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size):
        self.read_bytes += size
        return bytes(size)


def test_a_mismatched_upload_is_cut_short(services, datadir):
    """The declared format's header is wrong: the upload ends at the first
    chunk, whatever follows."""
    queued = services.images.create(OWNER, dict(disk_format='vhdx',
                                                container_format='bare'))
    source = _Endless()
    with pytest.raises(exception.ImageFormatRefused, match='vhdx'):
        services.data.upload(OWNER, queued.id, source)
    assert source.read_bytes <= 4 * 1024 * 1024
    assert os.listdir(datadir) == []


MEMORY_SCRIPT = textwrap.dedent('''
    import io, os, sys
    from glance.common import hashing
    from glance.domain import formats
    from tests.unit.store import helpers

    SIZE = 1024 * 1024 * 1024
    head_and_tail = open(sys.argv[1], 'rb').read()
    HEAD, TAIL = head_and_tail[:-1536], head_and_tail[-1536:]


    class Generated:
        """A streamOptimized vmdk of SIZE bytes made on the fly: the head
        and footer of a real one, random blocks between them."""

        def __init__(self):
            self.ends = [TAIL, HEAD]
            self.left = SIZE - len(HEAD) - len(TAIL)
            self.block = os.urandom(1024 * 1024)

        def read(self, n):
            if len(self.ends) == 2:
                return self.ends.pop()
            if self.left:
                n = min(n, self.left, len(self.block))
                self.left -= n
                return self.block[:n]
            return self.ends.pop() if self.ends else b''


    def peak_rss_kib():
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])


    conf = helpers.fresh_conf()
    formats.register_opts(conf)
    inspection = formats.Inspection('vmdk', conf)
    driver = helpers.filesystem_driver(sys.argv[2])
    before = peak_rss_kib()
    with hashing.HashingReader(Generated(), expected_size=SIZE,
                               inspect=inspection.feed) as reader:
        stored = driver.add('0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7', reader,
                            SIZE)
        size, _md5, _sha512 = reader.finish()
    virtual_size = inspection.finish()
    growth = peak_rss_kib() - before
    driver.delete(stored.uri)
    assert size == stored.size == SIZE, size
    print(growth // 1024, virtual_size)
''')


def test_memory_stays_flat_while_a_large_upload_is_inspected(images,
                                                             tmp_path):
    """1 GiB of a streamOptimized vmdk (whose footer the inspector keeps
    watching to the end) through the hashing reader and the inspection."""
    output = helpers.run_python(
        MEMORY_SCRIPT, images['vmdk-streamOptimized'].path, tmp_path)
    growth_mib, virtual_size = map(int, output.split())
    assert virtual_size == images['vmdk-streamOptimized'].virtual_size
    assert growth_mib < 48


def test_images_written_without_the_tools(tmp_path, options, monkeypatch):
    """Without genisoimage, xorriso or sgdisk the ISO and the GPT disk are
    written by the tests themselves, and still read as such."""
    which = disk_images.shutil.which
    monkeypatch.setattr(disk_images.shutil, 'which', lambda name: None if name
                        in ('genisoimage', 'xorriso', 'sgdisk') else
                        which(name))
    images = disk_images.build(tmp_path)
    for name in ('iso', 'iso-hybrid', 'gpt'):
        assert inspect(images[name], options) == images[name].virtual_size
    with pytest.raises(exception.ImageFormatRefused,
                       match='invalid extra partitions'):
        inspect(images['gpt-extra-partition'], options)
