"""The rbd store: upload and download MiB/s of glance-api storing images
in Ceph, against the rbd CLI moving the same bytes in the same run
(``rbd import`` of the same file, ``rbd export`` of it to /dev/null).

    .venv/bin/python bench/rbd.py [--size-mib 1024] [--runs 3]

Starts a one-node Ceph cluster (tests/ceph_cluster.py: one mon, one
memstore OSD, so the OSD holds the data in memory and the figures measure
the clients, not a disk) and glance-api with ``default_store = rbd`` as the
restricted user ``client.glance``; both clients use that user and 8 MiB
objects.  glance-api is driven by curl as in the other workloads, and
computes the image's MD5 and SHA-512 while uploading, which the rbd CLI does
not.  Prints a Markdown table of min/median/max per figure and the ratio of
the medians.
"""

import argparse
import os
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


def timed(argv, env, **kwargs):
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, **kwargs)
    return time.perf_counter() - started


def native_round(cluster, payload, size, name):
    """(upload MiB/s, download MiB/s) of the rbd CLI."""
    env = cluster.environ()
    rbd = ['rbd', '--id', cluster.user, '--no-progress']
    up = timed(rbd + ['import', '--object-size', '8M', payload,
                           cluster.pool + '/' + name], env)
    down = timed(rbd + ['export', cluster.pool + '/' + name, '-'], env,
                 stdout=subprocess.DEVNULL)
    subprocess.run(rbd + ['rm', cluster.pool + '/' + name], env=env, check=True)
    return size / MIB / up, size / MIB / down


def ours_round(server, payload, size):
    """(upload MiB/s, download MiB/s) of glance-api."""
    up, _cpu, image_id = transfer.upload(server, payload, chunked=False)
    down, _cpu = transfer.download(server, image_id, size)
    transfer.delete(server, image_id)
    return up, down


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
            figures = {key: [] for key in ('ours up', 'ours down',
                                           'rbd up', 'rbd down')}
            for run in range(args.runs):
                native = native_round(cluster, payload, size,
                                      'bench-native-%d' % run)
                ours = ours_round(server, payload, size)
                for key, value in zip(('rbd up', 'rbd down', 'ours up',
                                       'ours down'), native + ours):
                    figures[key].append(value)
                print('run %d: rbd import %.0f, export %.0f; glance-api '
                      'upload %.0f, download %.0f MiB/s'
                      % ((run + 1,) + native + ours), file=sys.stderr)
        finally:
            server.stop()
            cluster.stop()
    median = {key: statistics.median(v) for key, v in figures.items()}
    print('%d MiB image, %d runs, MiB/s (min / median / max)\n'
          % (args.size_mib, args.runs))
    print('| transfer | min | median | max |\n|---|---|---|---|')
    for key, label in (('ours up', 'glance-api upload (PUT .../file)'),
                       ('rbd up', '`rbd import`'),
                       ('ours down', 'glance-api download (GET .../file)'),
                       ('rbd down', '`rbd export`')):
        print(row(label, figures[key]))
    print('\nupload ratio %.2fx, download ratio %.2fx (medians; target '
          '>= 0.8x)' % (median['ours up'] / median['rbd up'],
                        median['ours down'] / median['rbd down']))


if __name__ == '__main__':
    main()
