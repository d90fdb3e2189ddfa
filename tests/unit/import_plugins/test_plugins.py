"""Import plugins on real staged files: qemu-img conversions, refused
images, decompression, metadata injection."""

import bz2
import gzip
import lzma
import os
import shutil
import subprocess
import zipfile

import pytest

from glance.common import config
from glance.common import exception
from glance.domain import image as image_mod
from glance.import_plugins import image_conversion
from glance.import_plugins import image_decompression
from glance.import_plugins import inject_image_metadata
from glance.store import staging
from tests.unit.store import helpers

needs_qemu_img = pytest.mark.skipif(
    shutil.which('qemu-img') is None,
    reason='qemu-img (Debian: qemu-utils) is not installed')


@pytest.fixture
def conf(tmp_path):
    conf = helpers.fresh_conf()
    helpers.set_datadir(conf, tmp_path / 'images')
    conf.register_opts(config.image_opts)
    return conf


@pytest.fixture
def area(conf):
    area = staging.StagingArea(conf)
    area.configure()
    return area


def staged(area, data=None, disk_format='raw', container_format='bare',
           from_file=None):
    image = image_mod.Image(disk_format=disk_format,
                            container_format=container_format)
    path = area.path(image.id)
    if from_file is not None:
        shutil.copyfile(from_file, path)
    else:
        with open(path, 'wb') as f:
            f.write(data)
    return image, path


def qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, capture_output=True)


@needs_qemu_img
@pytest.mark.parametrize('source_format,qemu_format', [
    ('qcow2', 'qcow2'), ('vmdk', 'vmdk'), ('vhd', 'vpc'), ('vhdx', 'vhdx'),
    ('vdi', 'vdi')])
def test_conversion_to_raw(conf, area, tmp_path, source_format,
                           qemu_format):
    raw = tmp_path / 'disk.raw'
    raw.write_bytes(os.urandom(1024 * 1024))
    source = tmp_path / 'disk.src'
    qemu_img('convert', '-f', 'raw', '-O', qemu_format, str(raw),
             str(source))
    image, path = staged(area, disk_format=source_format, from_file=source)
    outcome = image_conversion.Plugin(conf, area).run(image, path, [])
    assert outcome.attributes == {'disk_format': 'raw'}
    with open(path, 'rb') as f:
        assert f.read()[:len(raw.read_bytes())] == raw.read_bytes()
    assert [n for n in os.listdir(area.datadir) if n != image.id] == []


@needs_qemu_img
def test_conversion_to_the_same_format_changes_nothing(conf, area):
    image, path = staged(area, b'x' * 4096)
    assert image_conversion.Plugin(conf, area).run(
        image, path, []).attributes == {}


@needs_qemu_img
def test_conversion_to_qcow2(conf, area):
    plugin = image_conversion.Plugin(conf, area)
    conf.set_override('output_format', 'qcow2', group='image_conversion')
    image, path = staged(area, os.urandom(65536))
    outcome = plugin.run(image, path, [])
    assert outcome.attributes == {'disk_format': 'qcow2'}
    with open(path, 'rb') as f:
        assert f.read(4) == b'QFI\xfb'


@needs_qemu_img
def test_a_qcow2_with_a_backing_file_is_refused(conf, area, tmp_path):
    base = tmp_path / 'base.raw'
    base.write_bytes(b'secret' * 1000)
    evil = tmp_path / 'evil.qcow2'
    qemu_img('create', '-f', 'qcow2', '-F', 'raw', '-b', str(base),
             str(evil))
    image, path = staged(area, disk_format='qcow2', from_file=evil)
    before = open(path, 'rb').read()
    with pytest.raises(exception.ImportFailed, match='backing file'):
        image_conversion.Plugin(conf, area).run(image, path, [])
    assert open(path, 'rb').read() == before


@needs_qemu_img
def test_a_qcow2_with_an_external_data_file_is_refused(conf, area,
                                                       tmp_path):
    evil = tmp_path / 'evil.qcow2'
    qemu_img('create', '-f', 'qcow2', '-o',
             'data_file=%s' % (tmp_path / 'data.raw'), str(evil), '1M')
    image, path = staged(area, disk_format='qcow2', from_file=evil)
    with pytest.raises(exception.ImportFailed, match='data_file'):
        image_conversion.Plugin(conf, area).run(image, path, [])


VMDK_DESCRIPTOR = """# Disk DescriptorFile
version=1
CID=fffffffe
parentCID=ffffffff
createType="monolithicFlat"

RW 2048 FLAT "%s" 0

ddb.virtualHWVersion = "4"
ddb.adapterType = "ide"
"""


@needs_qemu_img
def test_a_vmdk_with_a_flat_extent_on_the_host_is_refused(conf, area,
                                                          tmp_path):
    secret = tmp_path / 'secret.raw'
    secret.write_bytes(b'secret' * 200000)
    image, path = staged(area, (VMDK_DESCRIPTOR % secret).encode(),
                         disk_format='vmdk')
    with pytest.raises(exception.ImportFailed, match='createType monolithicflat'):
        image_conversion.Plugin(conf, area).run(image, path, [])


@needs_qemu_img
def test_data_that_is_not_the_declared_format_is_refused(conf, area):
    image, path = staged(area, b'not a qcow2 at all' * 100,
                         disk_format='qcow2')
    with pytest.raises(exception.ImportFailed, match='not in the declared disk_format qcow2'):
        image_conversion.Plugin(conf, area).run(image, path, [])


@pytest.mark.parametrize('compress', [
    gzip.compress, bz2.compress, lzma.compress])
def test_decompression(conf, area, compress):
    data = os.urandom(200000)
    image, path = staged(area, compress(data))
    image_decompression.Plugin(conf, area).run(image, path, [])
    assert open(path, 'rb').read() == data


def test_decompression_of_a_zip_with_one_file(conf, area, tmp_path):
    data = os.urandom(100000)
    archive = tmp_path / 'disk.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('disk.img', data)
    image, path = staged(area, from_file=archive)
    image_decompression.Plugin(conf, area).run(image, path, [])
    assert open(path, 'rb').read() == data


def test_a_zip_of_two_files_is_refused(conf, area, tmp_path):
    archive = tmp_path / 'disk.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('a', b'a')
        z.writestr('b', b'b')
    image, path = staged(area, from_file=archive)
    with pytest.raises(exception.ImportFailed, match='exactly one file'):
        image_decompression.Plugin(conf, area).run(image, path, [])


def test_decompression_stops_at_the_size_cap(conf, area):
    conf.set_override('image_size_cap', 1024 * 1024)
    image, path = staged(area, gzip.compress(b'\0' * (4 * 1024 * 1024)))
    with pytest.raises(exception.ImportFailed, match='image_size_cap'):
        image_decompression.Plugin(conf, area).run(image, path, [])
    assert [n for n in os.listdir(area.datadir) if n != image.id] == []


def test_compressed_containers_stay_compressed(conf, area):
    packed = gzip.compress(b'data')
    image, path = staged(area, packed, container_format='compressed')
    image_decompression.Plugin(conf, area).run(image, path, [])
    assert open(path, 'rb').read() == packed


def test_uncompressed_data_is_left_alone(conf, area):
    image, path = staged(area, b'plain data')
    image_decompression.Plugin(conf, area).run(image, path, [])
    assert open(path, 'rb').read() == b'plain data'


def test_injection_spares_the_ignored_roles(conf, area):
    plugin = inject_image_metadata.Plugin(conf, area)
    conf.set_override('inject', {'hw_rng': 'yes'},
                      group='inject_metadata_properties')
    image, path = staged(area, b'x')
    assert plugin.run(image, path, ['member']).properties == {
        'hw_rng': 'yes'}
    assert plugin.run(image, path, ['admin']).properties == {}
