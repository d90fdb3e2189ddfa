"""The image cache on its own: fills, single flight, the size bound,
crash leftovers, the cleaner and pruner, each driver."""

import hashlib
import os
import threading
import time
import uuid

import pytest
from oslo_config import cfg

from glance.common import exception
from glance import image_cache
from glance.image_cache import fill
from glance.store import base as store_base

MiB = 1024 * 1024


def make_conf(directory, **options):
    conf = cfg.ConfigOpts()
    conf.register_opts(image_cache.OPTS)
    conf.register_opt(cfg.StrOpt('data_api',
                                 default='glance.db.sqlalchemy.api'))
    conf.register_opt(cfg.StrOpt('worker_self_reference_url'))
    conf([], default_config_files=[], default_config_dirs=[])
    conf.set_override('image_cache_dir', str(directory))
    for name, value in options.items():
        conf.set_override(name, value)
    return conf


@pytest.fixture(params=['sqlite', 'xattr'])
def driver(request, tmp_path):
    if request.param == 'xattr':
        probe = tmp_path / 'probe'
        probe.write_bytes(b'')
        try:
            os.setxattr(probe, 'user.probe', b'1')
        except OSError:
            pytest.skip('the filesystem of the tests has no user xattrs')
    return request.param


@pytest.fixture
def make_cache(tmp_path, driver):
    def make(**options):
        options.setdefault('image_cache_driver', driver)
        return image_cache.ImageCache(make_conf(tmp_path / 'cache',
                                                **options))
    return make


class Store:
    """A backend for fills: counts its reads, may pause or fail midway."""

    def __init__(self, data, chunk=MiB):
        self.data = data
        self.chunk = chunk
        self.reads = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail_at = None

    def read(self, offset=0):
        self.reads += 1
        fail_at, self.fail_at = self.fail_at, None  # the first read only

        def chunks():
            for start in range(offset, len(self.data), self.chunk):
                self.gate.wait(10)
                if fail_at is not None and start >= fail_at:
                    raise exception.StoreUnavailable(reason='test')
                yield self.data[start:start + self.chunk]
        return store_base.ImageData(chunks(), len(self.data) - offset)


def image(size=3 * MiB + 7):
    data = os.urandom(size)
    return str(uuid.uuid4()), data, hashlib.md5(data).hexdigest()


def read_all(data):
    with data:
        return b''.join(data)


def test_miss_fills_then_hits(make_cache):
    cache = make_cache()
    image_id, data, checksum = image()
    store = Store(data)
    assert cache.open(image_id) is None
    assert read_all(cache.fill(image_id, len(data), checksum,
                               store.read)) == data
    wait_until(lambda: cache.is_cached(image_id))
    hit = cache.open(image_id, 10, 100)
    assert hit.path == os.path.join(cache.directory, image_id)
    assert read_all(hit) == data[10:110]
    [entry] = cache.entries()
    assert (entry.image_id, entry.size, entry.hits, entry.checksum) == (
        image_id, len(data), 1, checksum)
    assert store.reads == 1


def test_concurrent_misses_read_the_store_once(make_cache):
    cache = make_cache()
    image_id, data, checksum = image(8 * MiB)
    store = Store(data, chunk=256 * 1024)
    store.gate.clear()
    readers = [cache.fill(image_id, len(data), checksum, store.read)
               for _ in range(6)]
    results = [None] * len(readers)

    def consume(index):
        results[index] = read_all(readers[index])

    threads = [threading.Thread(target=consume, args=(i,))
               for i in range(len(readers))]
    for thread in threads:
        thread.start()
    store.gate.set()
    for thread in threads:
        thread.join(30)
    assert all(result == data for result in results)
    assert store.reads == 1


def test_slow_reader_does_not_hold_back_the_fill(make_cache):
    cache = make_cache()
    image_id, data, checksum = image(4 * MiB)
    store = Store(data)
    slow = cache.fill(image_id, len(data), checksum, store.read)
    first = next(iter(slow))
    wait_until(lambda: cache.is_cached(image_id))
    assert first + b''.join(slow) == data
    slow.close()


def test_failed_writer_readers_go_on_from_the_store(make_cache):
    cache = make_cache()
    image_id, data, checksum = image(4 * MiB)
    store = Store(data)
    store.fail_at = 2 * MiB
    store.gate.clear()  # the writer fails once the reader follows it
    following = cache.fill(image_id, len(data), checksum, store.read)
    store.gate.set()
    assert read_all(following) == data
    assert store.reads == 2
    wait_until(lambda: not os.listdir(os.path.join(cache.directory,
                                                   'incomplete')))
    assert not cache.is_cached(image_id)


def test_checksum_mismatch_is_never_an_entry(make_cache):
    cache = make_cache()
    image_id, data, _ = image()
    assert cache.fill(image_id, len(data), '0' * 32, Store(data).read,
                      wait=True) is False
    assert not cache.is_cached(image_id)
    assert os.listdir(os.path.join(cache.directory, 'invalid')) == [image_id]
    assert cache.clean() == [image_id]
    assert os.listdir(os.path.join(cache.directory, 'invalid')) == []


def test_hard_size_bound_evicts_least_recently_used(make_cache):
    cache = make_cache(image_cache_max_size=10 * MiB)
    images = [image(4 * MiB) for _ in range(3)]
    for image_id, data, checksum in images[:2]:
        assert cache.fill(image_id, len(data), checksum, Store(data).read,
                          wait=True)
        time.sleep(0.01)
    cache.open(images[0][0]).close()  # the first is now the most recent
    image_id, data, checksum = images[2]
    assert cache.fill(image_id, len(data), checksum, Store(data).read,
                      wait=True)
    assert sorted(e.image_id for e in cache.entries()) == sorted(
        [images[0][0], image_id])
    assert cache.size() <= 10 * MiB


def test_reservations_count_toward_the_bound(make_cache):
    cache = make_cache(image_cache_max_size=10 * MiB)
    first_id, first, first_sum = image(6 * MiB)
    second_id, second, second_sum = image(6 * MiB)
    store = Store(first)
    store.gate.clear()
    following = cache.fill(first_id, len(first), first_sum, store.read)
    assert following is not None
    # 6 MiB are reserved: another 6 MiB cannot fit, and is not cached.
    assert cache.fill(second_id, len(second), second_sum,
                      Store(second).read) is None
    store.gate.set()
    assert read_all(following) == first


def test_too_large_for_the_cache_is_not_cached(make_cache):
    cache = make_cache(image_cache_max_size=MiB)
    image_id, data, checksum = image(2 * MiB)
    assert cache.fill(image_id, len(data), checksum, Store(data).read) \
        is None


def test_dead_fill_leftovers_go_at_start(make_cache):
    cache = make_cache()
    image_id, data, checksum = image()
    incomplete = os.path.join(cache.directory, 'incomplete', image_id)
    with open(incomplete, 'wb') as f:  # a writer killed midway: no lock
        f.write(data[:1000])
    with open(incomplete + fill.RESERVED_SUFFIX, 'wb') as f:
        f.truncate(len(data))
    make_cache()
    assert os.listdir(os.path.join(cache.directory, 'incomplete')) == []
    assert not cache.is_cached(image_id)


def test_live_fill_is_not_a_leftover(make_cache):
    cache = make_cache()
    image_id, data, checksum = image()
    store = Store(data)
    store.gate.clear()
    following = cache.fill(image_id, len(data), checksum, store.read)
    assert cache.remove_leftovers() == []
    store.gate.set()
    assert read_all(following) == data


def test_stalled_fill_is_cleaned(make_cache):
    cache = make_cache(image_cache_stall_time=0)
    image_id, data, checksum = image()
    store = Store(data)
    store.gate.clear()
    following = cache.fill(image_id, len(data), checksum, store.read)
    time.sleep(0.01)
    assert cache.clean() == [image_id]
    store.gate.set()
    assert read_all(following) == data
    wait_until(lambda: not os.listdir(os.path.join(cache.directory,
                                                   'incomplete')))
    assert not cache.is_cached(image_id)


def test_prune_to_a_lowered_bound(make_cache, tmp_path):
    cache = make_cache()
    ids = []
    for _ in range(3):
        image_id, data, checksum = image(2 * MiB)
        cache.fill(image_id, len(data), checksum, Store(data).read,
                   wait=True)
        ids.append(image_id)
        time.sleep(0.01)
    smaller = make_cache(image_cache_max_size=5 * MiB)
    assert smaller.prune() == ids[:1]
    assert smaller.size() <= 5 * MiB


def test_queue(make_cache):
    cache = make_cache()
    image_id, data, checksum = image()
    assert cache.queue(image_id)
    assert cache.queued() == [image_id]
    cache.fill(image_id, len(data), checksum, Store(data).read, wait=True)
    assert cache.queued() == []
    assert cache.queue(image_id) is False
    with pytest.raises(exception.ImageNotFound):
        cache.queue('../etc')


def test_no_directory_is_a_config_error(tmp_path):
    conf = make_conf(tmp_path)
    conf.clear_override('image_cache_dir')
    with pytest.raises(exception.ConfigError, match='image_cache_dir'):
        image_cache.ImageCache(conf)


def test_centralized_db_refuses_the_registry(tmp_path):
    conf = make_conf(tmp_path, image_cache_driver='centralized_db',
                     worker_self_reference_url='http://node:9292')
    conf.set_override('data_api', 'glance.db.registry.api')
    with pytest.raises(exception.ConfigError, match='centralized_db'):
        image_cache.ImageCache(conf)


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.01)
