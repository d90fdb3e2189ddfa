"""Image data through the domain: uploads with checksums, copies from URLs,
external locations, downloads, and the removal of data on delete."""

import datetime
import hashlib
import io
import os

import pytest

from glance.common import exception
from tests.file_server import serving
from tests.unit.domain.conftest import ADMIN, OWNER, queued

DATA = os.urandom(300 * 1024)
MD5 = hashlib.md5(DATA).hexdigest()
# Later than any image's updated_at: repo.stalled(status, FUTURE) finds
# every image in that status.
FUTURE = datetime.datetime(2999, 1, 1)


@pytest.fixture
def data(services):
    return services.data


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'), **{'disk.img': DATA}) as web:
        yield web


def test_upload_with_the_right_checksum_activates(services, data):
    image = queued(services)
    active = data.upload(OWNER, image.id, io.BytesIO(DATA), len(DATA),
                         checksum=MD5)
    assert active.status == 'active' and active.checksum == MD5


def test_checksum_mismatch_kills_and_leaves_no_data(services, data, images,
                                                    datadir):
    image = queued(services)
    with pytest.raises(exception.ChecksumMismatch, match='killed'):
        data.upload(OWNER, image.id, io.BytesIO(DATA), checksum='0' * 32)
    assert images.get(OWNER, image.id).status == 'killed'
    assert os.listdir(datadir) == []
    with pytest.raises(exception.Conflict):
        data.upload(OWNER, image.id, io.BytesIO(DATA))


def test_a_failed_upload_requeues_and_a_killed_one_stays_killed(
        services, data, images, datadir):
    services.images.conf.set_override('image_size_cap', 1000)
    image = queued(services)
    with pytest.raises(exception.ImageSizeLimitExceeded):
        data.upload(OWNER, image.id, io.BytesIO(DATA))
    assert images.get(OWNER, image.id).status == 'queued'
    assert os.listdir(datadir) == []
    data.kill(OWNER, image.id)
    assert images.get(OWNER, image.id).status == 'killed'


def test_a_declared_size_over_the_cap_never_leaves_the_image_saving(
        services, data, images):
    services.images.conf.set_override('image_size_cap', 1000)
    image = queued(services)
    with pytest.raises(exception.ImageSizeLimitExceeded):
        data.upload(OWNER, image.id, io.BytesIO(b''), 2000)
    assert images.get(OWNER, image.id).status == 'queued'


@pytest.mark.parametrize('formats', [
    {}, {'disk_format': 'raw'}, {'container_format': 'bare'}])
def test_data_needs_both_formats_first(services, data, images, web,
                                       formats):
    image = images.create(OWNER, formats)
    for give_data in (
            lambda: data.upload(OWNER, image.id, io.BytesIO(DATA)),
            lambda: data.copy_from(OWNER, image.id, web.url('disk.img')),
            lambda: data.set_location(OWNER, image.id, web.url('disk.img'))):
        with pytest.raises(exception.Invalid, match='disk_format'):
            give_data()
    assert images.get(OWNER, image.id).status == 'queued'


def test_copy_from_streams_the_source_into_the_store(services, data, web,
                                                     datadir):
    image = queued(services)
    active = data.copy_from(OWNER, image.id, web.url('chunked/disk.img'),
                            checksum=MD5)
    assert active.status == 'active' and active.size == len(DATA)
    assert active.locations[0].url.startswith('file://')
    assert os.listdir(datadir) == [image.id]
    _, stream = data.download(OWNER, image.id)
    with stream:
        assert b''.join(stream) == DATA


@pytest.mark.parametrize('path', ['missing.img', None])
def test_a_source_that_cannot_be_read_is_invalid_input(services, data,
                                                       images, web, path):
    source = web.url(path) if path else 'http://127.0.0.1:9/disk.img'
    for give_data in (data.copy_from, data.set_location):
        image = queued(services)
        with pytest.raises(exception.InvalidSource, match='cannot be read'):
            give_data(OWNER, image.id, source)
        assert images.get(OWNER, image.id).status == 'queued'


@pytest.mark.parametrize('uri', ['file:///etc/passwd',
                                 'rbd://fsid/pool/image/snap'])
def test_sources_other_than_http_swift_s3_are_refused(services, data,
                                                      images, uri):
    image = queued(services)
    for call in (data.copy_from, data.set_location):
        with pytest.raises(exception.BadStoreUri):
            call(OWNER, image.id, uri)
    assert images.get(OWNER, image.id).status == 'queued'


def test_a_source_no_enabled_store_reads_is_refused(services, data, images):
    for call in (data.copy_from, data.set_location):
        image = queued(services)
        with pytest.raises((exception.Invalid, exception.BadStoreUri),
                           match='swift'):
            call(OWNER, image.id, 'swift://account/c/o')
        assert images.get(OWNER, image.id).status == 'queued'


def test_location_is_served_from_there_and_left_there_on_delete(
        services, data, images, web, datadir):
    image = queued(services)
    active = data.set_location(OWNER, image.id, web.url('disk.img'),
                               checksum=MD5)
    assert active.status == 'active' and active.size == len(DATA)
    assert active.checksum == MD5 and os.listdir(datadir) == []
    _, stream = data.download(OWNER, image.id, lambda image: (10, 20))
    with stream:
        assert b''.join(stream) == DATA[10:30]
    assert images.delete(OWNER, image.id) is True
    with pytest.raises(exception.NotFound):
        images.get(OWNER, image.id)
    assert data.stores.get_size(web.url('disk.img')) == len(DATA)


def test_location_size_must_match_what_the_server_says(services, data,
                                                       images, web):
    image = queued(services)
    with pytest.raises(exception.Conflict, match='must match'):
        data.set_location(OWNER, image.id, web.url('disk.img'), size=1)
    assert images.get(OWNER, image.id).status == 'queued'


def test_delete_removes_the_data_then_the_image(services, data, images,
                                                repo, datadir):
    image = queued(services)
    data.upload(OWNER, image.id, io.BytesIO(DATA))

    assert images.delete(OWNER, image.id) is True

    assert os.listdir(datadir) == []
    assert repo.stalled('deleted', FUTURE) and not repo.stalled(
        'pending_delete', FUTURE)


def test_data_a_store_keeps_leaves_the_image_pending_delete_until_removed(
        services, data, images, repo, datadir, monkeypatch):
    image = queued(services)
    data.upload(OWNER, image.id, io.BytesIO(DATA))

    def refuse(uri, store_id=None):
        raise exception.StoreUnavailable(reason='the disk is offline')
    with monkeypatch.context() as patch:
        patch.setattr(data.stores, 'delete', refuse)
        assert images.delete(OWNER, image.id) is False
        services.maintenance.run()

    with pytest.raises(exception.NotFound):
        images.get(ADMIN, image.id)
    assert [i.id for i in repo.stalled('pending_delete', FUTURE)] == [
        image.id]
    assert os.listdir(datadir) == [image.id]
    services.maintenance.run()
    assert repo.stalled('pending_delete', FUTURE) == []
    assert os.listdir(datadir) == []


def test_data_in_use_outside_refuses_the_delete(services, data, images,
                                                repo, datadir, monkeypatch):
    image = queued(services)
    data.upload(OWNER, image.id, io.BytesIO(DATA))

    def in_use(uri, store_id=None):
        raise exception.InUseByStore(reason='the snapshot has clones')
    with monkeypatch.context() as patch:
        patch.setattr(data.stores, 'check_deletable', in_use)
        with pytest.raises(exception.InUseByStore, match='clones'):
            images.delete(OWNER, image.id)

    assert images.get(OWNER, image.id).status == 'active'
    assert os.listdir(datadir) == [image.id]


def test_data_put_in_use_after_the_check_waits_pending_delete(
        services, data, images, repo, datadir, monkeypatch):
    image = queued(services)
    data.upload(OWNER, image.id, io.BytesIO(DATA))

    def in_use(uri, store_id=None):
        raise exception.InUseByStore(reason='a clone came meanwhile')
    with monkeypatch.context() as patch:
        patch.setattr(data.stores, 'delete', in_use)
        assert images.delete(OWNER, image.id) is False

    assert [i.id for i in repo.stalled('pending_delete', FUTURE)] == [
        image.id]
    services.maintenance.run()
    assert repo.stalled('pending_delete', FUTURE) == []
    assert os.listdir(datadir) == []


def test_a_transition_sets_nothing_but_data_attributes(services, data,
                                                       images):
    image = queued(services)
    with pytest.raises(TypeError):
        data.transition(image.id, 'queued', 'active', name='sneaky')
    assert images.get(OWNER, image.id).status == 'queued'


def test_a_protected_image_is_not_deleted(services, images, data):
    image = images.create(OWNER, {'protected': True})
    with pytest.raises(exception.Forbidden, match='protected'):
        images.delete(OWNER, image.id)
    assert images.get(OWNER, image.id).status == 'queued'


def test_a_location_counts_towards_the_size_cap_and_storage_quota(
        services, data, images, web, conf):
    conf.set_override('image_size_cap', len(DATA) - 1)
    image = queued(services)
    with pytest.raises(exception.ImageSizeLimitExceeded):
        data.set_location(OWNER, image.id, web.url('disk.img'))
    conf.clear_override('image_size_cap')
    conf.set_override('user_storage_quota', '%dB' % (len(DATA) + 1))
    data.set_location(OWNER, image.id, web.url('disk.img'))
    second = queued(services)
    with pytest.raises(exception.StorageQuotaFull):
        data.set_location(OWNER, second.id, web.url('disk.img'))
    with pytest.raises(exception.StorageQuotaFull):
        data.upload(OWNER, second.id, io.BytesIO(b'12'), 2)
    assert images.get(OWNER, second.id).status == 'queued'
    data.upload(ADMIN, second.id, io.BytesIO(b'12'), 2)
