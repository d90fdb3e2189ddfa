"""The image cache in real glance-api processes, with a real backend (a
web server whose request log counts the store reads), the cron tools and
glance-cache-manage run as an operator runs them."""

import concurrent.futures
import fcntl
import hashlib
import os
import subprocess
import threading
import time
from signal import SIGKILL

import pytest
import requests

from tests import file_server
from tests.functional import server as server_mod

MiB = 1024 * 1024
FLAVORS = ['caching', 'cachemanagement', 'keystone+caching',
           'keystone+cachemanagement', 'trusted-auth+caching',
           'trusted-auth+cachemanagement']
ADMIN = {'X-Identity-Status': 'Confirmed', 'X-Project-Id': 'admin',
         'X-User-Id': 'admin', 'X-Roles': 'admin'}


def eventually(predicate, timeout=20):
    give_up_at = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < give_up_at, 'condition never became true'
        time.sleep(0.02)


def cache_conf(server_dir, **options):
    options.setdefault('image_cache_dir', str(server_dir / 'cache'))
    return {'DEFAULT': options}


@pytest.fixture
def web(tmp_path):
    """A web server as the image backend (http store)."""
    directory = tmp_path / 'web'
    directory.mkdir()
    with file_server.FileServer(directory) as server:
        server.add = lambda name, data: (directory / name).write_bytes(data)
        yield server


def location_image(api, web, name, data, slow=True):
    """A v1 image whose data stays on ``web`` (read through the store at
    each uncached download)."""
    web.add(name, data)
    response = requests.post(api.url + '/v1/images', headers=dict(ADMIN, **{
        'x-image-meta-name': name, 'x-image-meta-disk-format': 'raw',
        'x-image-meta-container-format': 'bare',
        'x-image-meta-checksum': hashlib.md5(data).hexdigest(),
        'x-image-meta-location': web.url(('slow/' if slow else '') + name)}))
    assert response.status_code == 201, response.text
    return response.json()['image']['id']


def store_reads(web, name):
    return sum(1 for path in web.requests if path.endswith('/' + name))


def download(api, image_id, path='/v2/images/%s/file'):
    response = requests.get(api.url + path % image_id, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize('flavor', FLAVORS)
def test_every_caching_flavor_starts(make_api_server, tmp_path, flavor):
    api = make_api_server(flavor=flavor, conf=cache_conf(tmp_path))
    versions = requests.get(api.url + '/versions').json()['versions']
    # With the cache on, Glance lists its minors and 2.17 beside them.
    assert [version['id'] for version in versions[:4]] == [
        'v2.17', 'v2.16', 'v2.15', 'v2.14']
    assert os.path.isdir(tmp_path / 'cache' / 'incomplete')


def test_caching_flavor_without_a_directory_fails_clearly(tmp_path):
    api = server_mod.ApiServer(tmp_path, flavor='caching')
    result = api.run_foreground()
    assert result.returncode == 1
    assert 'image_cache_dir' in result.stderr
    assert 'Traceback' not in result.stderr


def test_concurrent_misses_read_the_backend_once(make_api_server, tmp_path,
                                                 web, data_api):
    """Twelve clients over two workers: one read of the backend."""
    api = make_api_server(flavor='trusted-auth+caching', workers=2,
                          data_api=data_api, conf=cache_conf(tmp_path))
    data = os.urandom(MiB + 11)
    image_id = location_image(api, web, 'shared.img', data)
    before = store_reads(web, 'shared.img')
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        bodies = list(pool.map(lambda _: download(api, image_id).content,
                               range(12)))
    assert all(body == data for body in bodies)
    assert store_reads(web, 'shared.img') - before == 1
    eventually(lambda: (tmp_path / 'cache' / image_id).exists())
    hit = download(api, image_id, '/v1/images/%s')
    assert hit.content == data
    assert store_reads(web, 'shared.img') - before == 1
    ranged = requests.get(api.url + '/v2/images/%s/file' % image_id,
                          headers=dict(ADMIN, Range='bytes=100-'))
    assert ranged.status_code == 206 and ranged.content == data[100:]
    assert store_reads(web, 'shared.img') - before == 1


def test_size_bound_holds_under_concurrent_fills(make_api_server, tmp_path,
                                                 web):
    bound = 1280 * 1024
    api = make_api_server(flavor='trusted-auth+caching', workers=2,
                          conf=cache_conf(tmp_path,
                                          image_cache_max_size=bound))
    images = {}
    for index in range(4):
        data = os.urandom(512 * 1024)
        images[location_image(api, web, 'img%d' % index, data)] = data
    cache = tmp_path / 'cache'
    samples = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            samples.append(cache_usage(cache))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(
                lambda item: download(api, item[0]).content == item[1],
                list(images.items()) * 2))
    finally:
        done.set()
        watcher.join()
    assert all(results)
    assert max(samples) <= bound
    assert len(samples) > 10
    assert cache_usage(cache) <= bound


def cache_usage(cache):
    """Bytes of complete entries plus reservations, as the bound counts,
    read under the cache's lock (a consistent view)."""
    with open(cache / '.lock', 'a') as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.001)
        return _usage(cache)


def _usage(cache):
    total = 0
    for directory in (cache, cache / 'incomplete'):
        for entry in os.scandir(directory):
            if entry.is_file() and (
                    entry.name.endswith('.reserved') or
                    (directory == cache and len(entry.name) == 36)):
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    pass
    return total


def test_kill_9_mid_fill_leaves_no_complete_entry(make_api_server, tmp_path,
                                                  web):
    api = make_api_server(flavor='trusted-auth+caching', workers=1,
                          conf=cache_conf(tmp_path))
    data = os.urandom(2 * MiB)
    image_id = location_image(api, web, 'big.img', data)
    cache = tmp_path / 'cache'
    incomplete = cache / 'incomplete' / image_id
    reader = threading.Thread(target=_read_quietly, args=(api, image_id))
    reader.start()
    eventually(lambda: incomplete.exists() and
               incomplete.stat().st_size > 256 * 1024)
    os.killpg(api.pid, SIGKILL)
    api.wait_stopped()
    reader.join(10)
    assert not (cache / image_id).exists()
    assert incomplete.exists()
    result = run_tool('glance-cache-cleaner', api)
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')
    assert sorted(os.listdir(cache / 'incomplete')) == []
    # And after a restart the entry is made whole from the start.
    api.start()
    assert download(api, image_id).content == data
    eventually(lambda: (cache / image_id).exists())


def test_restart_removes_dead_fills(make_api_server, tmp_path, web):
    api = make_api_server(flavor='trusted-auth+caching',
                          conf=cache_conf(tmp_path))
    data = os.urandom(2 * MiB)
    image_id = location_image(api, web, 'big.img', data)
    incomplete = tmp_path / 'cache' / 'incomplete' / image_id
    reader = threading.Thread(target=_read_quietly, args=(api, image_id))
    reader.start()
    eventually(lambda: incomplete.exists() and incomplete.stat().st_size)
    os.killpg(api.pid, SIGKILL)
    api.wait_stopped()
    reader.join(10)
    api.start()
    assert not incomplete.exists()
    assert os.listdir(tmp_path / 'cache' / 'incomplete') == []


def _read_quietly(api, image_id):
    try:
        with requests.get(api.url + '/v2/images/%s/file' % image_id,
                          headers=ADMIN, stream=True, timeout=30) as r:
            for _ in r.iter_content(64 * 1024):
                pass
    except requests.RequestException:
        pass


def run_tool(program, api, *args, stdin=None):
    return subprocess.run(
        [server_mod.command(program), *args] if program ==
        'glance-cache-manage' else
        [server_mod.command(program), '--config-file', api.conf_path],
        input=stdin, capture_output=True, text=True, timeout=120,
        env=api.environ())


def manage(api, *args, stdin=None):
    return run_tool('glance-cache-manage', api, '-H', '127.0.0.1', '-p',
                    str(api.port), *args, stdin=stdin)


def upload(api, data):
    response = requests.post(api.url + '/v2/images', json={
        'name': 'uploaded', 'disk_format': 'raw',
        'container_format': 'bare'})
    image_id = response.json()['id']
    response = requests.put(
        api.url + '/v2/images/%s/file' % image_id, data=data,
        headers={'Content-Type': 'application/octet-stream'})
    assert response.status_code == 204, response.text
    return image_id


@pytest.mark.parametrize('driver', ['sqlite', 'xattr', 'centralized_db'])
def test_cron_tools_and_cache_manage(make_api_server, tmp_path, data_api,
                                     driver):
    if driver == 'centralized_db' and data_api == 'registry':
        pytest.skip('centralized_db needs the database (a start-up error '
                    'with the registry, tested in process)')
    if driver == 'xattr' and not _has_user_xattrs(tmp_path):
        pytest.skip('the filesystem of the tests has no user xattrs')
    conf = cache_conf(tmp_path, image_cache_driver=driver,
                      worker_self_reference_url='http://node-1:9292')
    api = make_api_server(flavor='cachemanagement', data_api=data_api,
                          conf=conf)
    cache = tmp_path / 'cache'
    data = os.urandom(MiB + 5)
    image_id = upload(api, data)

    assert manage(api, 'list-queued').stdout == 'No queued images.\n'
    assert manage(api, 'queue-image', image_id, stdin='n\n').returncode == 1
    result = manage(api, '-f', 'queue-image', image_id)
    assert result.returncode == 0, result.stderr
    assert image_id in manage(api, 'list-queued').stdout

    result = run_tool('glance-cache-prefetcher', api)
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')
    assert (cache / image_id).read_bytes() == data
    listing = manage(api, 'list-cached').stdout
    assert 'Found 1 cached images' in listing and image_id in listing
    assert manage(api, 'list-queued').stdout == 'No queued images.\n'
    assert download(api, image_id).content == data

    # The pruner, once the bound is lowered below the cache's size.
    api.update_conf({'DEFAULT': {'image_cache_max_size': MiB}})
    with open(cache / '.glance-cache-pruner.lock', 'w') as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_tool('glance-cache-pruner', api)
        assert (result.returncode, result.stderr) == (0, '')
        assert (cache / image_id).exists()  # the "running" one holds it
    result = run_tool('glance-cache-pruner', api)
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')
    assert not (cache / image_id).exists()
    assert 'still going' in api.read_log()

    # The cleaner: invalid files, and entries of images no longer there.
    (cache / 'invalid' / image_id).write_bytes(b'bad')
    unknown = '0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'
    (cache / unknown).write_bytes(b'orphan')
    result = run_tool('glance-cache-cleaner', api)
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')
    assert not (cache / unknown).exists()
    assert os.listdir(cache / 'invalid') == []

    # Deleting through the CLI.
    download(api, image_id)
    eventually(lambda: (cache / image_id).exists())
    assert manage(api, 'delete-all-cached-images',
                  stdin='n\n').returncode == 1
    assert (cache / image_id).exists()
    result = manage(api, '-f', '-v', 'delete-cached-image', image_id)
    assert result.returncode == 0 and 'Deleted' in result.stdout
    result = manage(api, '-f', 'delete-cached-image', image_id)
    assert result.returncode == 1
    assert 'HTTP 404' in result.stderr and 'request req-' in result.stderr


def test_cache_tools_report_errors(tmp_path):
    conf = tmp_path / 'glance-api.conf'
    conf.write_text('[DEFAULT]\n')
    result = subprocess.run(
        [server_mod.command('glance-cache-pruner'), '--config-file',
         str(conf)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert 'image_cache_dir' in result.stderr
    result = subprocess.run(
        [server_mod.command('glance-cache-manage'), '-H', '127.0.0.1', '-p',
         str(server_mod.free_port()), 'list-cached'],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert 'list-cached failed' in result.stderr
    assert 'Traceback' not in result.stderr


def _has_user_xattrs(directory):
    probe = directory / '.probe'
    probe.write_bytes(b'')
    try:
        os.setxattr(probe, 'user.probe', b'1')
        return True
    except OSError:
        return False
    finally:
        probe.unlink()


def test_cron_tools_reach_an_authenticating_registry_as_the_service(
        make_api_server, tmp_path):
    """The cron tools serve no caller: through a trusted-auth registry they
    send the service's own identity (doc/registry.md), so the cleaner
    finds the image of an entry and keeps it."""
    api = make_api_server(flavor='trusted-auth+caching', data_api='registry',
                          conf=cache_conf(tmp_path))
    image_id = requests.post(api.url + '/v2/images', headers=ADMIN, json={
        'disk_format': 'raw', 'container_format': 'bare'}).json()['id']
    assert requests.put(api.url + '/v2/images/%s/file' % image_id,
                        data=b'cached', headers=dict(ADMIN, **{
                            'Content-Type': 'application/octet-stream'})
                        ).status_code == 204
    assert download(api, image_id).content == b'cached'
    entry = tmp_path / 'cache' / image_id
    eventually(entry.exists)
    result = run_tool('glance-cache-cleaner', api)
    assert (result.returncode, result.stderr) == (0, '')
    assert entry.exists()
