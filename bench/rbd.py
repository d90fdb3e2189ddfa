"""The rbd store: upload and download MiB/s of glance-api storing images
in Ceph, against the rbd CLI moving the same bytes in the same run
(``rbd import`` of the same file, ``rbd export`` of it to /dev/null, and
to a pipe that ``cat`` empties: /dev/null takes the bytes without a copy,
where glance-api hands them to curl through a socket).

    .venv/bin/python bench/rbd.py [--size-mib 1024] [--runs 3]

Starts a one-node Ceph cluster (tests/ceph_cluster.py: one mon, one
memstore OSD, so the OSD holds the data in memory and the figures measure
the clients, not a disk) and glance-api with ``default_store = rbd`` as the
restricted user ``client.glance``; both clients use that user and 8 MiB
objects.  glance-api is driven by curl as in the other workloads, and
computes the image's MD5 and SHA-512 while uploading, which the rbd CLI does
not.  Each glance-api round is followed by the rbd CLI's.  Prints a
Markdown table of min/median/max per figure with the median CPU seconds per
GiB (glance-api's processes; the rbd command), and the ratios: of the
medians, and the median of the ratios of each round.  A third transfer,
``rbd import`` from a pipe fed through glance-api's md5 and sha512
hashing, is the reference for what the store driver adds to what every
upload pays.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import servers
import transfer

sys.path.insert(0, servers.REPO)
from tests import ceph_cluster  # noqa: E402

MIB = transfer.MIB
GIB = transfer.GIB
KEYS = ('up', 'down', 'up cpu', 'down cpu', 'up machine cpu', 'piped down',
        'piped down cpu', 'hashed up', 'hashed up cpu')


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, env, **kwargs):
    """(seconds, CPU seconds) of the command."""
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run(argv, env=env, check=True, **kwargs)
    return time.perf_counter() - started, children_cpu() - cpu


def native_round(cluster, payload, size, name):
    """(upload MiB/s, download MiB/s, upload CPU s/GiB, download CPU s/GiB,
    the machine's CPU s/GiB during the upload, MiB/s and CPU s/GiB of the
    download through a pipe) of the rbd CLI."""
    env = cluster.environ()
    rbd = ['rbd', '--id', cluster.user, '--no-progress']
    with servers.MachineCpu() as machine:
        up, up_cpu = timed(rbd + ['import', '--object-size', '8M', payload,
                                  cluster.pool + '/' + name], env)
    down, down_cpu = timed(rbd + ['export', cluster.pool + '/' + name, '-'],
                           env, stdout=subprocess.DEVNULL)
    # The same export handed to another process, as glance-api hands its
    # bytes to curl: /dev/null takes them without a copy.
    piped, piped_cpu = timed(
        ['sh', '-c', '"$@" | cat >/dev/null', 'sh'] + rbd +
        ['export', cluster.pool + '/' + name, '-'], env)
    subprocess.run(rbd + ['rm', cluster.pool + '/' + name], env=env,
                   check=True)
    gib = size / GIB
    return (size / MIB / up, size / MIB / down, up_cpu / gib, down_cpu / gib,
            machine.seconds / gib, size / MIB / piped, piped_cpu / gib)


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def hashed_import(cluster, payload, size, name):
    """(MiB/s, CPU s/GiB) of ``rbd import`` from a pipe this process feeds
    through glance-api's hashing (transfer.Hashed): the rbd CLI paying
    what every glance-api upload pays."""
    env = cluster.environ()
    rbd = ['rbd', '--id', cluster.user, '--no-progress']
    cpu, started = children_cpu() + own_cpu(), time.perf_counter()
    importer = subprocess.Popen(
        rbd + ['import', '--object-size', '8M', '-',
               cluster.pool + '/' + name], env=env, stdin=subprocess.PIPE)
    with open(payload, 'rb') as f:
        body = transfer.Hashed(f, size)
        while chunk := body.read(8 * MIB):
            importer.stdin.write(chunk)
        body.finish()
    importer.stdin.close()
    if importer.wait():
        raise RuntimeError('rbd import failed')
    seconds = time.perf_counter() - started
    cpu = children_cpu() + own_cpu() - cpu
    subprocess.run(rbd + ['rm', cluster.pool + '/' + name], env=env,
                   check=True)
    return size / MIB / seconds, cpu / (size / GIB)


def ours_round(server, payload, size):
    """(upload MiB/s, download MiB/s, upload CPU s/GiB, download CPU s/GiB,
    the machine's CPU s/GiB during the upload) of glance-api."""
    with servers.MachineCpu() as machine:
        up, up_cpu, image_id = transfer.upload(server, payload,
                                               chunked=False)
    down, down_cpu = transfer.download(server, image_id, size)
    transfer.delete(server, image_id)
    return up, down, up_cpu, down_cpu, machine.seconds / (size / GIB)


def row(name, values):
    low, median, high = min(values), statistics.median(values), max(values)
    return '| %s | %.0f | %.0f | %.0f |' % (name, low, median, high)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    missing = ceph_cluster.missing_requirement()
    if missing:
        sys.exit('bench/rbd.py: ' + missing)
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix='glance-bench-rbd-') as tmp:
        cluster = ceph_cluster.CephCluster(
            os.path.join(tmp, 'ceph'), osd_bytes=3 * size + 512 * MIB)
        server = servers.OurServer(os.path.join(tmp, 'ours'), glance_store={
            'stores': 'file,http,rbd', 'default_store': 'rbd',
            'rbd_store_ceph_conf': cluster.conf_path,
            'rbd_store_user': cluster.user, 'rados_connect_timeout': 30})
        try:
            cluster.start()
            server.start()
            payload = transfer.make_payload(os.path.join(tmp, 'payload'),
                                            size)
            hashing_cpu = transfer.hash_bound(payload)[1]
            figures = {'%s %s' % (who, key): [] for who in ('ours', 'rbd')
                       for key in KEYS}
            ratios = {'up': [], 'down': [], 'piped down': [],
                      'hashed up': []}
            for run in range(args.runs):
                ours = ours_round(server, payload, size)
                native = native_round(cluster, payload, size,
                                      'bench-native-%d' % run)
                native += hashed_import(cluster, payload, size,
                                        'bench-hashed-%d' % run)
                for who, values in (('ours', ours), ('rbd', native)):
                    for key, value in zip(KEYS, values):
                        figures['%s %s' % (who, key)].append(value)
                ratios['up'].append(ours[0] / native[0])
                ratios['down'].append(ours[1] / native[1])
                ratios['piped down'].append(ours[1] / native[5])
                ratios['hashed up'].append(ours[0] / native[7])
                print('run %d: glance-api upload %.0f, download %.0f MiB/s '
                      '(%.2f, %.2f CPU s/GiB; machine %.2f); rbd import %.0f, '
                      'export %.0f MiB/s (%.2f, %.2f CPU s/GiB; machine '
                      '%.2f), export through a pipe %.0f MiB/s (%.2f CPU '
                      's/GiB), import with hashing %.0f MiB/s (%.2f CPU '
                      's/GiB); load %.1f'
                      % ((run + 1,) + ours + native +
                         (os.getloadavg()[0],)), file=sys.stderr)
        finally:
            server.stop()
            cluster.stop()
    median = {key: statistics.median(v) for key, v in figures.items() if v}
    print('%d MiB image, %d runs, MiB/s (min / median / max)\n'
          % (args.size_mib, args.runs))
    print('| transfer | min | median | max (MiB/s) | CPU s/GiB (median) |\n'
          '|---|---|---|---|---|')
    for who, key, label in (
            ('ours', 'up', 'glance-api upload (PUT .../file)'),
            ('rbd', 'up', '`rbd import`'),
            ('ours', 'down', 'glance-api download (GET .../file)'),
            ('rbd', 'down', '`rbd export`'),
            ('rbd', 'piped down', '`rbd export \\| cat`'),
            ('rbd', 'hashed up', '`rbd import` fed through md5 + sha512')):
        print(row(label, figures['%s %s' % (who, key)]) + ' %.2f |' % (
            median['%s %s cpu' % (who, key)]))
    print('\nratios of the medians: upload %.2fx, download %.2fx, download '
          'vs export through a pipe %.2fx, upload vs import with hashing '
          '%.2fx; medians of the paired ratios: %.2fx, %.2fx, %.2fx, %.2fx '
          '(target >= 0.8x)'
          % (median['ours up'] / median['rbd up'],
             median['ours down'] / median['rbd down'],
             median['ours down'] / median['rbd piped down'],
             median['ours up'] / median['rbd hashed up'],
             statistics.median(ratios['up']),
             statistics.median(ratios['down']),
             statistics.median(ratios['piped down']),
             statistics.median(ratios['hashed up'])))
    print(transfer.upload_bound(median['rbd up'],
                                median['rbd up machine cpu'], hashing_cpu,
                                median['ours up machine cpu'],
                                '`rbd import`'))


if __name__ == '__main__':
    main()
