"""glance-api with the rbd store, against a real one-node Ceph cluster
(tests/ceph_cluster.py), driven by an unchanged python-glanceclient."""

import hashlib
import io
import os

from glanceclient import client
from glanceclient import exc
import pytest
import requests

MiB = 1024 * 1024


class Unseekable:
    def __init__(self, data):
        self.read = io.BytesIO(data).read


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
    return client.Client('2', endpoint=server.url, token='unused')


def test_forked_workers_use_the_store(make_api_server, ceph_cluster):
    # The parent checks the cluster at start, then forks: each worker must
    # still reach it (no librados or thread pool state left half-copied).
    server = make_api_server(workers=2, conf=rbd_conf(ceph_cluster))
    glance = client.Client('2', endpoint=server.url, token='unused',
                           timeout=60)
    data = os.urandom(MiB + 3)
    for _ in range(2):
        image = glance.images.create(name='forked', disk_format='raw',
                                     container_format='bare')
        glance.images.upload(image.id, io.BytesIO(data))
        assert b''.join(glance.images.data(image.id)) == data
        glance.images.delete(image.id)


def test_glanceclient_round_trip(rbd_api, ceph_cluster, tmp_path):
    data = os.urandom(3 * MiB + 4321)
    path = tmp_path / 'disk.raw'
    path.write_bytes(data)
    image = rbd_api.images.create(name='on-ceph', disk_format='raw',
                                  container_format='bare')
    with open(path, 'rb') as f:
        rbd_api.images.upload(image.id, f)
    shown = rbd_api.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert shown.checksum == hashlib.md5(data).hexdigest()
    assert shown.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.id in ceph_cluster.images()
    assert ceph_cluster.snapshots(image.id) == {'snap': True}
    downloaded = hashlib.sha512()
    for chunk in rbd_api.images.data(image.id):
        downloaded.update(chunk)
    assert downloaded.hexdigest() == shown.os_hash_value
    rbd_api.images.delete(image.id)
    assert image.id not in ceph_cluster.images()
    with pytest.raises(exc.HTTPNotFound):
        rbd_api.images.get(image.id)


def test_upload_of_unknown_size(rbd_api, ceph_cluster):
    data = os.urandom(2 * MiB + 1)
    image = rbd_api.images.create(name='chunked', disk_format='raw',
                                  container_format='bare')
    # A stream that cannot seek: glanceclient sends it with chunked
    # transfer encoding, no Content-Length.
    rbd_api.images.upload(image.id, Unseekable(data))
    shown = rbd_api.images.get(image.id)
    assert shown.status == 'active' and shown.size == len(data)
    assert b''.join(rbd_api.images.data(image.id)) == data
    rbd_api.images.delete(image.id)


def test_image_with_clones_is_in_use(rbd_api, ceph_cluster):
    image = rbd_api.images.create(name='base', disk_format='raw',
                                  container_format='bare')
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
    data = os.urandom(MiB + 7)
    stored = rbd_api.images.create(name='kept', disk_format='raw',
                                   container_format='bare')
    rbd_api.images.upload(stored.id, io.BytesIO(data))
    waiting = rbd_api.images.create(name='waiting', disk_format='raw',
                                    container_format='bare')
    with ceph_cluster.mon_paused():
        with pytest.raises(exc.HTTPServiceUnavailable, match='Ceph'):
            b''.join(rbd_api.images.data(stored.id))
        with pytest.raises(exc.HTTPServiceUnavailable):
            rbd_api.images.upload(waiting.id, io.BytesIO(data))
    assert rbd_api.images.get(waiting.id).status == 'queued'
    assert b''.join(rbd_api.images.data(stored.id)) == data
    rbd_api.images.upload(waiting.id, io.BytesIO(data))
    assert rbd_api.images.get(waiting.id).status == 'active'
    for image in (stored, waiting):
        rbd_api.images.delete(image.id)
    assert not {stored.id, waiting.id} & set(ceph_cluster.images())
