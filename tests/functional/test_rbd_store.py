"""glance-api with the rbd store, against a real one-node Ceph cluster
(tests/ceph_cluster.py), driven by an unchanged python-glanceclient."""

import io
import os

from glanceclient import exc
import pytest
import requests

from tests.functional import stores

MiB = 1024 * 1024


def rbd_conf(cluster):
    """glance-api storing uploads in the cluster as the restricted user."""
    return {'glance_store': {
        'stores': 'file,http,rbd', 'default_store': 'rbd',
        'rbd_store_ceph_conf': cluster.conf_path,
        'rbd_store_user': cluster.user, 'rbd_store_pool': cluster.pool,
        'rbd_store_chunk_size': 1, 'rados_connect_timeout': 3}}


@pytest.fixture
def rbd_api(make_api_server, ceph_cluster, data_api):
    server = make_api_server(data_api=data_api, conf=rbd_conf(ceph_cluster))
    return stores.glanceclient_of(server)


def test_forked_workers_use_the_store(make_api_server, ceph_cluster):
    # The parent checks the cluster at start, then forks: each worker must
    # still reach it (no librados or thread pool state left half-copied).
    server = make_api_server(workers=2, conf=rbd_conf(ceph_cluster))
    glance = stores.glanceclient_of(server, timeout=60)
    data = os.urandom(MiB + 3)
    for _ in range(2):
        image = stores.create_raw(glance, 'forked')
        glance.images.upload(image.id, io.BytesIO(data))
        assert b''.join(glance.images.data(image.id)) == data
        glance.images.delete(image.id)


def test_memory_stays_flat_over_2_gib(make_api_server, ceph_cluster):
    server = make_api_server(conf=rbd_conf(ceph_cluster))
    image_ids = stores.assert_memory_stays_flat(server)
    assert not set(image_ids) & set(ceph_cluster.images())


def test_glanceclient_round_trip(rbd_api, ceph_cluster, tmp_path):
    image = stores.upload_from_file(rbd_api, tmp_path,
                                    os.urandom(3 * MiB + 4321), 'on-ceph')
    assert image.id in ceph_cluster.images()
    assert ceph_cluster.snapshots(image.id) == {'snap': True}
    stores.assert_downloads(rbd_api, image)
    stores.delete(rbd_api, image.id)
    assert image.id not in ceph_cluster.images()


def test_upload_of_unknown_size(rbd_api, ceph_cluster):
    data = os.urandom(2 * MiB + 1)
    image = stores.create_raw(rbd_api, 'chunked')
    # A stream that cannot seek: glanceclient sends it with chunked
    # transfer encoding, no Content-Length.
    rbd_api.images.upload(image.id, stores.Unsized(data))
    shown = rbd_api.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert b''.join(rbd_api.images.data(image.id)) == data
    rbd_api.images.delete(image.id)


def test_image_with_clones_is_in_use(rbd_api, ceph_cluster):
    image = stores.create_raw(rbd_api, 'base')
    rbd_api.images.upload(image.id, io.BytesIO(os.urandom(MiB)))
    clone = image.id + '-disk'
    ceph_cluster.rbd('clone', 'images/%s@snap' % image.id, 'images/' + clone)
    with pytest.raises(exc.HTTPConflict, match='in use'):
        rbd_api.images.delete(image.id)
    v1 = requests.delete('%s/v1/images/%s' % (rbd_api.http_client.endpoint,
                                               image.id), timeout=60)
    assert v1.status_code == 409 and 'in use' in v1.text
    # Left as it was: shown, active, its data readable and still cloneable.
    assert rbd_api.images.get(image.id).status == 'active'
    assert len(b''.join(rbd_api.images.data(image.id))) == MiB
    assert ceph_cluster.snapshots(image.id) == {'snap': True}
    ceph_cluster.rbd('rm', clone)
    rbd_api.images.delete(image.id)
    assert image.id not in ceph_cluster.images()


def test_cluster_down_is_503_and_loses_nothing(rbd_api, ceph_cluster):
    images = stores.assert_outage_loses_nothing(
        rbd_api, os.urandom(MiB + 7), ceph_cluster.mon_paused(), 'Ceph')
    stores.delete(rbd_api, *(image.id for image in images))
    assert not {image.id for image in images} & set(ceph_cluster.images())
