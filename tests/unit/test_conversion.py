"""glance.conversion: qemu-img conversions of real disk images, checked
before qemu-img reads them and after it wrote them."""

import os

import pytest

from glance.common import exception
from glance import conversion
from glance.domain import formats
from tests import disk_images

pytestmark = disk_images.requires_qemu_img


@pytest.fixture
def conf(format_options):
    return format_options


@pytest.mark.parametrize('target_format', ['raw', 'qcow2', 'vmdk'])
@pytest.mark.parametrize('name', ['qcow2', 'vmdk-streamOptimized', 'vhd',
                                  'vhdx', 'vdi', 'raw'])
def test_a_safe_image_converts(real_images, conf, tmp_path, name,
                               target_format):
    image = real_images[name]
    target = str(tmp_path / ('out.' + target_format))
    virtual_size = conversion.convert(image.path, image.disk_format, target,
                                      target_format, conf)
    assert virtual_size == image.virtual_size
    assert disk_images.qemu_info(target)['format'] == target_format


@pytest.mark.parametrize('name', disk_images.REFUSED)
def test_an_unsafe_image_never_reaches_qemu_img(real_images, conf, tmp_path,
                                                name, monkeypatch):
    image = real_images[name]
    ran = []
    monkeypatch.setattr(conversion, '_qemu_img',
                        lambda *args, **kwargs: ran.append(args))
    target = tmp_path / 'out.raw'
    with pytest.raises(exception.ImageFormatRefused, match=image.refusal):
        conversion.convert(image.path, image.disk_format, str(target), 'raw',
                           conf)
    assert ran == [] and not target.exists()


def test_qemu_img_must_agree_with_the_inspector(real_images, conf):
    """What qemu-img reports of an image is held to the same rules."""
    path = real_images['qcow2'].path
    info = disk_images.qemu_info(path, 'qcow2')
    assert formats.check_qemu_info(info, 'qcow2', conf) == \
        real_images['qcow2'].virtual_size
    refusals = {
        'qemu-img reads the data as qcow2, not as the declared disk_format '
        'vmdk': (info, 'vmdk'),
        'backing file': (dict(info, **{'backing-filename': '/etc/passwd'}),
                         'qcow2'),
        'external data file': (disk_images.qemu_info(
            real_images['qcow2-data-file'].path, 'qcow2'), 'qcow2'),
        'createType monolithicFlat is not allowed': (disk_images.qemu_info(
            real_images['vmdk-monolithicFlat'].path, 'vmdk'), 'vmdk'),
    }
    for reason, (qemu_info, disk_format) in refusals.items():
        with pytest.raises(exception.ImageFormatRefused, match=reason):
            formats.check_qemu_info(qemu_info, disk_format, conf)


def test_a_vmdk_extent_in_another_file_is_refused(real_images, conf):
    info = disk_images.qemu_info(real_images['vmdk-monolithicSparse'].path,
                                 'vmdk')
    assert formats.check_qemu_info(info, 'vmdk', conf)
    info['format-specific']['data']['extents'][0]['filename'] = '/dev/sda'
    with pytest.raises(exception.ImageFormatRefused, match='/dev/sda'):
        formats.check_qemu_info(info, 'vmdk', conf)


def test_the_output_is_checked_too(real_images, conf, tmp_path):
    conf.set_override('vmdk_allowed_types', ['streamOptimized'],
                      group='image_format')
    target = tmp_path / 'out.vmdk'
    with pytest.raises(exception.ImageFormatRefused,
                       match='createType monolithicsparse is not allowed'):
        conversion.convert(real_images['qcow2'].path, 'qcow2', str(target),
                           'vmdk', conf)


def test_without_qemu_img(real_images, conf, tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(exception.ConfigError, match='not installed'):
        conversion.check(real_images['qcow2'].path, 'qcow2', conf)


def test_a_qemu_img_failure_is_a_refusal(real_images, conf, tmp_path,
                                         monkeypatch):
    failing = tmp_path / 'qemu-img'
    failing.write_text('#!/bin/sh\necho "Could not open: bad header" >&2\n'
                       'exit 1\n')
    failing.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (tmp_path, os.environ['PATH']))
    with pytest.raises(exception.ImageFormatRefused,
                       match='qemu-img info failed: Could not open'):
        conversion.check(real_images['qcow2'].path, 'qcow2', conf)
