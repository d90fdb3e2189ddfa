"""Side-by-side benchmark of glance-api, OpenStack Glance 33 and nginx.

    .venv/bin/python bench/run.py            # full run (about 30 minutes)
    .venv/bin/python bench/run.py --quick    # small sizes, one run each

Starts the three servers on this machine in a temporary directory, runs
the workloads (see bench/README.md), prints a Markdown table and writes
JSON lines (``--json``).  Every figure is given with min/median/max over
its runs and as a ratio against the reference measured in the same round.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

import cache
import install
import metadata
import report
import servers
import transfer

MIB = transfer.MIB
GROUPS = ('upload', 'download', 'concurrent', 'memory', 'metadata', 'cache')
# Groups that measure OpenStack Glance too (the others skip installing it).
GLANCE_GROUPS = {'upload', 'download', 'concurrent', 'memory', 'metadata'}
_size = report.size_label

FULL = dict(runs=3, image_mib=1024, concurrent_mib=64, clients=20,
            memory_mib=4096, small=2000, large=100000, create_sample=2000,
            show_requests=500, list_requests=100, wrk_seconds=10)
QUICK = dict(runs=1, image_mib=128, concurrent_mib=16, clients=20,
             memory_mib=256, small=200, large=2000, create_sample=200,
             show_requests=100, list_requests=20, wrk_seconds=2)


def log(message):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), message), file=sys.stderr,
          flush=True)


class Bench:

    def __init__(self, args, sizes, workdir, glance_venv):
        self.args = args
        self.sizes = sizes
        self.runs = args.runs or sizes['runs']
        self.workdir = workdir
        self.results = report.Results()
        self.ours = servers.OurServer(os.path.join(workdir, 'ours'))
        self.glance = servers.GlanceServer(os.path.join(
            workdir, 'glance33'), glance_venv) if glance_venv else None
        self.nginx = servers.NginxServer(os.path.join(workdir, 'nginx'),
                                         os.path.join(workdir, 'ours',
                                                      'images'))
        self.apis = tuple(filter(None, (self.ours, self.glance)))
        self.all = (self.nginx,) + self.apis

    def start(self):
        for server in self.all:
            log('starting %s' % server.name)
            server.start()

    def stop(self):
        for server in self.all:
            server.stop()

    def payload(self, mib):
        return transfer.make_payload(
            os.path.join(self.workdir, 'payload-%d-mib' % mib), mib * MIB)

    def add(self, workload, server, unit, runs):
        self.results.add(workload, server, unit, runs)
        low, median, high = self.results.find(workload, server).summary()
        log('%s, %s: %.4g %s (%.4g - %.4g)' % (workload, server, median,
                                               unit, low, high))

    # -- data ---------------------------------------------------------------

    def run_uploads(self):
        """Uploads against the hashing bound and Glance 33; leaves one
        image per API server for the download workloads.  Server CPU per
        GiB is given too: unlike speed, it hardly depends on what else
        the machine runs."""
        mib = self.sizes['image_mib']
        path = self.payload(mib)
        copy = os.path.join(self.workdir, 'ours', 'images', 'bound-copy')
        speeds, cpu, kept = {}, {}, {}

        def record(key, speed_and_cpu):
            speeds.setdefault(key, []).append(speed_and_cpu[0])
            cpu.setdefault(key, []).append(speed_and_cpu[1])

        for run in range(self.runs):
            record('hash bound', transfer.hash_bound(path))
            record('hash+write bound', transfer.hash_bound(path, copy))
            for mode, chunked in (('Content-Length', False),
                                  ('chunked', True)):
                for server in self.apis:
                    speed, seconds, image_id = transfer.upload(server, path,
                                                               chunked)
                    record((mode, server.name), (speed, seconds))
                    previous = kept.get(server.name)
                    if previous:
                        transfer.delete(server, previous)
                    kept[server.name] = image_id
        bounds = {
            'hash bound': 'md5+sha512 in 2 threads, in-process',
            'hash+write bound': 'md5+sha512 in 2 threads + write + fsync, '
                                'in-process'}
        for bound, what in bounds.items():
            self.add('%s %s' % (_size(mib), what), bound, 'MiB/s',
                     speeds[bound])
        for mode in ('Content-Length', 'chunked'):
            workload = '%s upload, %s' % (_size(mib), mode)
            for server in self.apis:
                self.add(workload, server.name, 'MiB/s',
                         speeds[(mode, server.name)])
            for bound in bounds:
                self.results.add(workload, bound, 'MiB/s', speeds[bound])
            self.results.compare(workload, 'ours', 'hash bound', ('>=', 0.8))
            self.results.compare(workload, 'ours', 'hash+write bound')
            self.results.compare(workload, 'glance33', 'hash bound')
            self.results.compare(workload, 'ours', 'glance33', ('>=', 2))
            workload += ', CPU'
            for server in self.apis:
                self.add(workload, server.name, 's/GiB',
                         cpu[(mode, server.name)])
            self.results.add(workload, 'hash bound', 's/GiB',
                             cpu['hash bound'])
            self.results.compare(workload, 'ours', 'hash bound')
            self.results.compare(workload, 'glance33', 'hash bound')
        return kept

    def run_downloads(self, images):
        mib = self.sizes['image_mib']
        size = mib * MIB
        images = dict(images, nginx=images['ours'])
        middle = (size // 4, size // 4 + size // 2 - 1)
        cases = (('first read (page cache dropped)', None, True),
                 ('repeated read', None, False),
                 ('Range read, middle half', middle, False))
        for name, byte_range, cold in cases:
            workload = '%s download, %s' % (_size(mib), name)
            speeds, cpu = {}, {}
            for run in range(self.runs):
                for server in self.all:
                    image_id = images[server.name]
                    if cold:
                        transfer.evict(transfer.image_file(server, image_id))
                    elif run == 0:
                        transfer.download(server, image_id, size, byte_range)
                    speed, seconds = transfer.download(server, image_id, size,
                                                       byte_range)
                    speeds.setdefault(server.name, []).append(speed)
                    cpu.setdefault(server.name, []).append(seconds)
            # Reading from disk takes the CPU figure out of the server's
            # hands: it is shown for warm reads only.
            self.report_downloads(workload, speeds, None if cold else cpu)

    def report_downloads(self, workload, speeds, cpu):
        """Download figures against nginx, and server CPU per GiB."""
        for server in self.all:
            self.add(workload, server.name, 'MiB/s', speeds[server.name])
        self.results.compare(workload, 'ours', 'nginx', ('>=', 0.9))
        self.results.compare(workload, 'glance33', 'nginx')
        for server in self.all if cpu else ():
            self.add(workload + ', server CPU', server.name, 's/GiB',
                     cpu[server.name])
        if cpu:
            self.results.compare(workload + ', server CPU', 'ours', 'nginx',
                                 ('<=', 2))
            self.results.compare(workload + ', server CPU', 'glance33',
                                 'nginx')

    def run_concurrent(self):
        mib = self.sizes['concurrent_mib']
        clients = self.sizes['clients']
        path = self.payload(mib)
        images = {s.name: transfer.upload(s, path, False)[2]
                  for s in self.apis}
        images['nginx'] = images['ours']
        workload = '%d clients x %s download, aggregate' % (clients,
                                                            _size(mib))
        speeds, cpu = {}, {}
        for run in range(self.runs):
            for server in self.all:
                speed, seconds = transfer.concurrent_download(
                    server, images[server.name], mib * MIB, clients)
                speeds.setdefault(server.name, []).append(speed)
                cpu.setdefault(server.name, []).append(seconds)
        self.report_downloads(workload, speeds, cpu)
        for server in self.apis:
            transfer.delete(server, images[server.name])

    def run_memory(self):
        mib = self.sizes['memory_mib']
        path = self.payload(mib)
        md5 = transfer.file_md5(path)
        workload = 'peak RSS growth, %s chunked upload + download' % \
            _size(mib)
        growth = {}
        for run in range(self.runs):
            for server in self.apis:
                growth.setdefault(server.name, []).append(
                    transfer.rss_growth(server, path, md5))
        for server in self.apis:
            self.add(workload, server.name, 'MiB', growth[server.name])
        self.results.note('RSS target: growth < 64 MiB for ours (%s: %s).'
                          % (workload, 'met' if max(growth['ours']) < 64
                             else '**missed**'))

    # -- metadata -----------------------------------------------------------

    def run_metadata(self):
        small, large = self.sizes['small'], self.sizes['large']
        sample = min(self.sizes['create_sample'], small)
        ids = {}
        rates = {}
        batch = max(sample // self.runs, 1)
        for run in range(self.runs):
            for server in self.apis:
                created, seconds = metadata.create_images(
                    server, run * batch, batch)
                ids.setdefault(server.name, []).extend(created)
                rates.setdefault(server.name, []).append(batch / seconds)
        workload = 'create image'
        for server in self.apis:
            self.add(workload, server.name, 'images/s', rates[server.name])
        self.results.compare(workload, 'ours', 'glance33')
        created = len(ids['ours'])
        for server in self.apis:
            if created < small:
                metadata.clone_images(server.database, ids[server.name],
                                      created, small - created)
            metadata.activate_a_tenth(server.database)
        self.query_metadata(small, ids)
        for server in self.apis:
            log('copying rows up to %d images in %s' % (large, server.name))
            metadata.clone_images(server.database, ids[server.name], small,
                                  large - small)
            metadata.activate_a_tenth(server.database)
        self.query_metadata(large, ids)
        self.compare_scaling(small, large)

    def query_metadata(self, count, ids):
        label = '%d images' % count
        show = self.sizes['show_requests']
        lists = self.sizes['list_requests']
        paths = {s.name: metadata.show_paths(ids[s.name], show)
                 for s in self.apis}
        cases = [('show', lambda name: paths[name])]
        cases.append(('list default page',
                      lambda name: ['/v2/images'] * lists))
        for kind, path in metadata.LIST_FILTERS.items():
            cases.append(('list filtered by %s' % kind,
                          lambda name, path=path: [path] * max(lists // 2, 5)))
        for case, make_paths in cases:
            p50, p99 = {}, {}
            for run in range(self.runs):
                for server in self.apis:
                    a, b = metadata.latencies(server,
                                              make_paths(server.name))
                    p50.setdefault(server.name, []).append(a)
                    p99.setdefault(server.name, []).append(b)
            for stat, values, target in (('p50', p50, ('<=', 0.25)),
                                         ('p99', p99, None)):
                workload = '%s, %s, %s' % (case, stat, label)
                for server in self.apis:
                    self.add(workload, server.name, 'ms',
                             values[server.name])
                self.results.compare(workload, 'ours', 'glance33', target)
        paging, rps, cpu = {}, {}, {}
        for run in range(self.runs):
            for server in self.apis:
                seconds, seen = metadata.full_paging(server)
                if seen != count:
                    raise RuntimeError('%s listed %d of %d images'
                                       % (server.name, seen, count))
                paging.setdefault(server.name, []).append(seconds)
                per_second, ms = metadata.show_rps(
                    server, random.Random(run).choice(ids[server.name]),
                    self.sizes['wrk_seconds'])
                rps.setdefault(server.name, []).append(per_second)
                cpu.setdefault(server.name, []).append(ms)
        workload = 'list all, pages of 1000, %s' % label
        for server in self.apis:
            self.add(workload, server.name, 's', paging[server.name])
        self.results.compare(workload, 'ours', 'glance33')
        workload = 'show, requests/s at 16 connections, %s' % label
        for server in self.apis:
            self.add(workload, server.name, 'req/s', rps[server.name])
        self.results.compare(workload, 'ours', 'glance33', ('>=', 4))
        workload = 'show at 16 connections, server CPU, %s' % label
        for server in self.apis:
            self.add(workload, server.name, 'ms/request', cpu[server.name])
        self.results.compare(workload, 'ours', 'glance33')

    def compare_scaling(self, small, large):
        """A default page with ``large`` images within 2 x ``small``."""
        for server in self.apis:
            small_figure = self.results.find(
                'list default page, p50, %d images' % small, server.name)
            large_figure = self.results.find(
                'list default page, p50, %d images' % large, server.name)
            workload = 'list default page p50, %d over %d images' % (
                large, small)
            self.results.add(workload, server.name, 'ms',
                             large_figure.runs)
            self.results.add(workload, '%s at %d' % (server.name, small),
                             'ms', small_figure.runs)
            self.results.compare(workload, server.name,
                                 '%s at %d' % (server.name, small),
                                 ('<=', 2) if server is self.ours else None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='small sizes and one run: for development')
    parser.add_argument('--runs', type=int,
                        help='runs of every figure (default 3, quick 1)')
    parser.add_argument('--only', default=','.join(GROUPS),
                        help='comma-separated workload groups: %s'
                             % ', '.join(GROUPS))
    parser.add_argument('--json', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), 'results.jsonl'),
        help='where to write the JSON lines (default bench/results.jsonl)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary directory (server logs)')
    args = parser.parse_args()
    groups = set(args.only.split(','))
    unknown = groups - set(GROUPS)
    if unknown:
        parser.error('unknown workload groups: %s' % ', '.join(unknown))
    sizes = QUICK if args.quick else FULL
    install.ensure_system_packages(log)
    glance_venv = install.ensure_glance_venv(log) \
        if groups & GLANCE_GROUPS else None
    workdir = tempfile.mkdtemp(prefix='glance-bench-',
                               dir=os.environ.get('TMPDIR'))
    log('working in %s' % workdir)
    bench = Bench(args, sizes, workdir, glance_venv)
    try:
        bench.start()
        if groups & {'upload', 'download'}:
            images = bench.run_uploads()
            if 'download' in groups:
                bench.run_downloads(images)
            for server in bench.apis:
                transfer.delete(server, images[server.name])
        if 'concurrent' in groups:
            bench.run_concurrent()
        if 'memory' in groups:
            bench.run_memory()
        if 'metadata' in groups:
            bench.run_metadata()
        if 'cache' in groups:
            cache.run(bench, log)
    finally:
        bench.stop()
        if args.keep:
            log('kept %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    header = dict(report.machine(), quick=args.quick, runs=bench.runs,
                  sizes=sizes, command=' '.join(sys.argv),
                  reference=install.GLANCE_REQUIREMENTS)
    bench.results.write_json_lines(args.json, header)
    print('Measured %s on %d CPUs, %.0f GiB RAM (load average at the end '
          '%s); %d run(s) per figure.\n'
          % (header['date'], header['cpus'], header['memory_gib'],
             ' '.join('%.1f' % x for x in header['load_average']),
             bench.runs))
    print(bench.results.table())
    log('JSON lines in %s' % args.json)


if __name__ == '__main__':
    main()
