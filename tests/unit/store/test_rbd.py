"""The RBD driver against a real one-node Ceph cluster (tests/ceph_cluster.py),
as the restricted user glance-api gets (profile rbd on the images pool)."""

import hashlib
import io
import os
import sys
import uuid

import pytest

from glance.common import exception
from glance.store import base
from glance.store import rbd
from tests.unit.store import helpers

MiB = 1024 * 1024


def rbd_driver(cluster, **options):
    settings = {'rbd_store_ceph_conf': cluster.conf_path,
                'rbd_store_user': cluster.user,
                'rbd_store_pool': cluster.pool,
                'rbd_store_chunk_size': 1,
                'rados_connect_timeout': 3}
    return helpers.configured(rbd.RbdDriver, **dict(settings, **options))


@pytest.fixture
def driver(ceph_cluster):
    return rbd_driver(ceph_cluster)


class TrickleReader:
    """A body of unknown size arriving in small, uneven pieces (as a
    chunked request does), through read() alone; it may fail midway."""

    def __init__(self, data, piece=100 * 1024 + 7, fail_after=None):
        self._data = io.BytesIO(data)
        self._piece = piece
        self._fail_after = fail_after
        self.sent = 0

    def read(self, size):
        if self._fail_after is not None and self.sent >= self._fail_after:
            raise exception.ClientDisconnect()
        chunk = self._data.read(min(size, self._piece))
        self.sent += len(chunk)
        return chunk


def read_all(driver, uri, offset=0, length=None):
    with driver.get(uri, offset, length) as data:
        return b''.join(data), data.size


def test_round_trip_of_a_multi_object_image(driver, ceph_cluster):
    image_id = str(uuid.uuid4())
    data = os.urandom(5 * MiB + 12345)
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    location = rbd.Location(stored.uri)
    assert (location.pool, location.image, location.snapshot) == (
        'images', image_id, 'snap')
    assert stored.size == len(data)
    got, size = read_all(driver, stored.uri)
    assert size == len(data)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    assert read_all(driver, stored.uri, 3 * MiB - 10, 20)[0] == \
        data[3 * MiB - 10:3 * MiB + 10]
    assert driver.get_size(stored.uri) == len(data)
    # 1 MiB objects (rbd_store_chunk_size = 1), as Nova and Cinder see it.
    info = ceph_cluster.rbd('info', image_id)
    assert '6 objects' in info and 'order 20' in info
    driver.delete(stored.uri)


def test_download_left_early_waits_for_its_reads_ahead(driver):
    """A client gone after the first object leaves reads under way; the
    body is closed as a WSGI server closes it (the generator left
    suspended): the reads end before the image closes, and the data reads
    whole again."""
    image_id = str(uuid.uuid4())
    data = os.urandom(6 * MiB)
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    body = driver.get(stored.uri)
    chunks = iter(body)
    assert next(chunks) == data[:MiB]
    body.close()
    with pytest.raises(StopIteration):
        next(chunks)
    assert read_all(driver, stored.uri)[0] == data
    driver.delete(stored.uri)


def test_upload_of_unknown_size_in_uneven_pieces(driver):
    image_id = str(uuid.uuid4())
    data = os.urandom(3 * MiB + 1)
    stored = driver.add(image_id, TrickleReader(data))
    assert stored.size == len(data)
    assert driver.get_size(stored.uri) == len(data)
    assert read_all(driver, stored.uri)[0] == data
    driver.delete(stored.uri)


def test_snapshot_is_protected_and_clonable(driver, ceph_cluster):
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(os.urandom(MiB)))
    assert ceph_cluster.snapshots(image_id) == {'snap': True}
    # As Nova and Cinder do: a copy-on-write clone of the snapshot.
    clone = image_id + '-disk'
    ceph_cluster.rbd('clone', 'images/%s@snap' % image_id, 'images/' + clone)
    with pytest.raises(exception.InUseByStore, match='clones'):
        driver.check_deletable(stored.uri)
    with pytest.raises(exception.InUseByStore):
        driver.delete(stored.uri)
    # Nothing was lost: the snapshot is still there and protected.
    assert ceph_cluster.snapshots(image_id) == {'snap': True}
    assert driver.get_size(stored.uri) == MiB
    ceph_cluster.rbd('rm', clone)
    driver.check_deletable(stored.uri)
    driver.delete(stored.uri)
    assert image_id not in ceph_cluster.images()


def test_delete_removes_the_image_and_its_snapshot(driver, ceph_cluster):
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(b'x' * 1000))
    driver.delete(stored.uri)
    assert image_id not in ceph_cluster.images()
    helpers.assert_gone(driver, stored.uri)


@pytest.mark.parametrize('thin', [True, False])
def test_thin_provisioning_skips_zero_objects(ceph_cluster, thin):
    driver = rbd_driver(ceph_cluster, rbd_thin_provisioning=thin)
    image_id = str(uuid.uuid4())
    # 8 objects of 1 MiB, data in the first and the last only.
    data = os.urandom(MiB) + bytes(6 * MiB) + os.urandom(MiB)
    stored = driver.add(image_id, io.BytesIO(data), len(data))
    provisioned, used = ceph_cluster.disk_usage(image_id)
    assert provisioned == len(data)
    assert used == (2 * MiB if thin else len(data))
    assert read_all(driver, stored.uri)[0] == data
    driver.delete(stored.uri)


def test_failure_mid_upload_leaves_nothing_in_the_pool(driver,
                                                       ceph_cluster):
    image_id = str(uuid.uuid4())
    before = ceph_cluster.images()
    reader = TrickleReader(os.urandom(4 * MiB), fail_after=2 * MiB)
    with pytest.raises(exception.ClientDisconnect):
        driver.add(image_id, reader)
    assert ceph_cluster.images() == before


def test_second_upload_of_an_image_is_a_duplicate(driver, ceph_cluster):
    image_id = str(uuid.uuid4())
    stored = driver.add(image_id, io.BytesIO(b'first'))
    with pytest.raises(exception.Duplicate):
        driver.add(image_id, io.BytesIO(b'second'))
    assert read_all(driver, stored.uri)[0] == b'first'
    assert [n for n in ceph_cluster.images() if image_id in n] == [image_id]
    driver.delete(stored.uri)


def test_purge_and_stale_partials(driver, ceph_cluster):
    image_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    driver.add(image_id, io.BytesIO(b'data'))
    # What a process that died mid-upload leaves.
    partial = base.partial_name(image_id)
    other_partial = base.partial_name(other)
    ceph_cluster.rbd('create', '--size', '1M', partial)
    ceph_cluster.rbd('create', '--size', '1M', other_partial)
    assert sorted(driver.purge(image_id)) == sorted([partial, image_id])
    assert driver.purge(image_id) == []
    assert driver.clean_stale_partials(3600) == []
    assert other_partial in ceph_cluster.images()
    assert driver.clean_stale_partials(0) == [other_partial]
    assert other_partial not in ceph_cluster.images()


def test_cluster_down_is_unavailable_and_loses_nothing(driver,
                                                       ceph_cluster):
    image_id = str(uuid.uuid4())
    data = os.urandom(2 * MiB)
    stored = driver.add(image_id, io.BytesIO(data))
    with ceph_cluster.mon_paused():
        with pytest.raises(exception.StoreUnavailable, match='Ceph'):
            driver.get(stored.uri)
        with pytest.raises(exception.StoreUnavailable):
            driver.add(str(uuid.uuid4()), io.BytesIO(data))
        with pytest.raises(exception.StoreUnavailable):
            driver.delete(stored.uri)
    assert read_all(driver, stored.uri)[0] == data
    driver.delete(stored.uri)


def test_the_start_up_check(driver, ceph_cluster):
    assert driver.check_backend() is None
    assert driver._fsid == ceph_cluster.fsid


def test_unusable_pool_is_reported_and_unavailable(ceph_cluster):
    driver = rbd_driver(ceph_cluster, rbd_store_pool='missing')
    problem = driver.check_backend()
    assert problem.startswith(
        "pool 'missing' of the Ceph cluster in %s, as user %s, cannot be "
        "opened (ObjectNotFound" % (ceph_cluster.conf_path, ceph_cluster.user))
    with pytest.raises(exception.StoreUnavailable, match='missing'):
        driver.add(str(uuid.uuid4()), io.BytesIO(b'x'))


def test_user_without_keyring_cannot_connect(ceph_cluster):
    driver = rbd_driver(ceph_cluster, rbd_store_user='nobody')
    with pytest.raises(exception.StoreUnavailable, match='connect'):
        driver.get_size('rbd://image')


@pytest.mark.parametrize('uri', [
    'rbd://', 'rbd://a/b', 'rbd://fsid/pool//snap', 'rbd://a/b/c/d/e',
    'file:///etc/passwd', 'rbd://f/p/i%2Fj/snap'])
def test_malformed_locations(driver, uri):
    with pytest.raises(exception.BadStoreUri):
        driver.get(uri)


def test_location_on_another_cluster(driver):
    uri = rbd.Location.uri(str(uuid.uuid4()), 'images', 'x', 'snap')
    with pytest.raises(exception.BadStoreUri, match='another Ceph cluster'):
        driver.get(uri)


def test_chunk_size_must_be_a_power_of_two(ceph_cluster):
    with pytest.raises(exception.ConfigError, match='power of two'):
        rbd_driver(ceph_cluster, rbd_store_chunk_size=3)


def test_missing_bindings_name_the_packages(monkeypatch):
    monkeypatch.setitem(sys.modules, 'rados', None)
    driver = rbd.RbdDriver(helpers.fresh_conf())
    with pytest.raises(exception.ConfigError, match='python3-rados'):
        driver.configure()
