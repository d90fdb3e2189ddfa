"""The image cache's workloads: downloads from the cache against the
filesystem store and nginx serving the same file, and N concurrent cold
misses of one image (store reads counted, time to last byte).

The cache runs in ``ours+cache`` (servers.CachingServer), a second
glance-api on ``ours``'s database and image directory, so both serve the
same image: ``ours`` from the filesystem store, ``ours+cache`` from its
cache.  Cold misses read an image whose data is behind a second nginx (the
http store, as a remote store would be), whose access log counts the
reads.
"""

import os
import shutil
import subprocess
import time

from client import Api, curl_command, parse_curl
from report import size_label as _size
import servers
import transfer

MIB = transfer.MIB
GIB = 1024 * MIB


def run(bench, log):
    """The cache's figures, into ``bench.results``."""
    sizes = bench.sizes
    ours = bench.ours
    caching = servers.CachingServer(os.path.join(bench.workdir, 'ours+cache'),
                                    ours)
    backend = servers.NginxServer(os.path.join(bench.workdir, 'backend'),
                                  os.path.join(bench.workdir, 'backend-files'),
                                  access_log=True)
    os.makedirs(backend.datadir, exist_ok=True)
    for server in (caching, backend):
        log('starting %s' % server.name)
        server.start()
    try:
        _hits(bench, caching, sizes['image_mib'], log)
        _concurrent_hits(bench, caching, sizes['concurrent_mib'],
                         sizes['clients'])
        _cold_misses(bench, caching, backend, sizes['concurrent_mib'],
                     sizes['clients'])
    finally:
        caching.stop()
        backend.stop()


def _hits(bench, caching, mib, log):
    size = mib * MIB
    path = bench.payload(mib)
    image_id = transfer.upload(bench.ours, path, False)[2]
    transfer.download(caching, image_id, size)  # the fill
    _wait_cached(caching, image_id)
    log('image cached in %s' % caching.name)
    middle = (size // 4, size // 4 + size // 2 - 1)
    for name, byte_range in (('repeated read', None),
                             ('Range read, middle half', middle)):
        workload = '%s download from the cache, %s' % (_size(mib), name)
        speeds, cpu = {}, {}
        trio = (bench.nginx, bench.ours, caching)
        for run in range(bench.runs):
            for server in trio:
                if run == 0:
                    transfer.download(server, image_id, size, byte_range)
                speed, seconds = transfer.download(server, image_id, size,
                                                   byte_range)
                speeds.setdefault(server.name, []).append(speed)
                cpu.setdefault(server.name, []).append(seconds)
        _report(bench, workload, trio, speeds, cpu)
    transfer.delete(bench.ours, image_id)


def _concurrent_hits(bench, caching, mib, clients):
    size = mib * MIB
    image_id = transfer.upload(bench.ours, bench.payload(mib), False)[2]
    transfer.download(caching, image_id, size)
    _wait_cached(caching, image_id)
    workload = '%d clients x %s download from the cache, aggregate' % (
        clients, _size(mib))
    speeds, cpu = {}, {}
    trio = (bench.nginx, bench.ours, caching)
    for _ in range(bench.runs):
        for server in trio:
            speed, seconds = transfer.concurrent_download(
                server, image_id, size, clients)
            speeds.setdefault(server.name, []).append(speed)
            cpu.setdefault(server.name, []).append(seconds)
    _report(bench, workload, trio, speeds, cpu)
    transfer.delete(bench.ours, image_id)


def _report(bench, workload, trio, speeds, cpu):
    for server in trio:
        bench.add(workload, server.name, 'MiB/s', speeds[server.name])
    for server in trio[1:]:
        bench.results.compare(workload, server.name, 'nginx', ('>=', 0.9))
    for server in trio:
        bench.add(workload + ', server CPU', server.name, 's/GiB',
                  cpu[server.name])
    for server in trio[1:]:
        bench.results.compare(workload + ', server CPU', server.name,
                              'nginx', ('<=', 2))


def _cold_misses(bench, caching, backend, mib, clients):
    """``clients`` downloads at once of an image nobody has read yet, from
    ours (each reads the store) and from ours+cache (one store read)."""
    size = mib * MIB
    name = 'cold-%d-mib' % mib
    shutil.copyfile(bench.payload(mib), os.path.join(backend.datadir, name))
    workload = '%d concurrent cold misses x %s' % (clients, _size(mib))
    reads, seconds = {}, {}
    for _ in range(bench.runs):
        for server in (bench.ours, caching):
            image_id = _location_image(server, '%s/files/%s' % (
                backend.url, name))
            before = backend.requests_for(name)
            started = time.perf_counter()
            argv = curl_command(transfer.data_url(server, image_id))
            processes = [subprocess.Popen(argv, stdout=subprocess.PIPE,
                                          text=True)
                         for _ in range(clients)]
            results = [parse_curl(p.communicate()[0])
                       for p in processes]
            elapsed = time.perf_counter() - started
            if any(r['downloaded'] != size for r in results):
                raise RuntimeError('a cold miss from %s failed: %r'
                                   % (server.name, results))
            reads.setdefault(server.name, []).append(
                backend.requests_for(name) - before)
            seconds.setdefault(server.name, []).append(elapsed)
            transfer.delete(bench.ours, image_id)
    for server in (bench.ours, caching):
        bench.add(workload + ', store reads', server.name, 'reads',
                  reads[server.name])
        bench.add(workload + ', time to last byte', server.name, 's',
                  seconds[server.name])
    bench.results.compare(workload + ', time to last byte', caching.name,
                          bench.ours.name)


def _location_image(server, url):
    """A v1 image whose data stays at ``url`` (the http store)."""
    api = Api(server.url)
    body = api.call('POST', '/v1/images', expect=(201,), headers={
        'x-image-meta-name': 'cold', 'x-image-meta-disk-format': 'raw',
        'x-image-meta-container-format': 'bare',
        'x-image-meta-location': url})[1]
    api.close()
    return body['image']['id']


def _wait_cached(caching, image_id, timeout=300):
    path = os.path.join(caching.path('cache'), image_id)
    give_up_at = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > give_up_at:
            raise RuntimeError('image %s never cached (see %s)'
                               % (image_id, caching.log_path))
        time.sleep(0.05)

