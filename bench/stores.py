"""Swift and S3 stores: glance-api against the backend's own client.

    .venv/bin/python bench/stores.py [--size-mib 1024] [--runs 1]

Starts a real OpenStack Swift on loopback (tests/swift_server.py: proxy
with tempauth and s3api, one replica) and one glance-api per store (swift,
then s3, default options but for the credentials), and moves the same
random file of ``--size-mib`` MiB (Swift's data and the file in
``--workdir``, /dev/shm by default, so that the figures measure the
clients and not the disk: Swift's object server drops what it writes from
the page cache, and each first read of an object would otherwise come
from the disk):

* through glance-api: a streamed PUT of the image data (Content-Length
  known) and a streamed GET, by ``requests`` (the timed GET counts bytes,
  as the native clients' do; the first run's image is downloaded again,
  untimed, to check its MD5);
* with the backend's own client, in the same run: python-swiftclient's
  ``put_object``/``get_object`` (1 MiB chunks), boto3's
  ``upload_fileobj``/``download_fileobj`` (its defaults: 8 MiB parts, 10
  threads);
* and uploaded again by that client reading the file through
  glance-api's hashing (md5 and sha512, glance.common.hashing), which
  every glance-api upload pays and the plain client does not: the
  reference for what the store driver adds.

Prints, per run, MiB/s of each and the ratio glance-api / native, the CPU
seconds per GiB of glance-api (all its processes) and of the native client
(this process, which runs nothing else meanwhile), the peak RSS glance-api
reached during its transfers (its memory must stay flat) and the load
average; then the medians over the runs.  Each glance-api transfer is
followed by the native one, so a ratio pairs runs made under the same load.
"""

import argparse
import hashlib
import os
import resource
import statistics
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import servers  # noqa: E402
import transfer  # noqa: E402
from tests.functional.server import ApiServer  # noqa: E402
from tests.functional.server import PeakRss  # noqa: E402
from tests import swift_server as swift_server_mod  # noqa: E402

MiB = 1024 * 1024
GiB = 1024 * MiB
HEADERS = {'X-Identity-Status': 'Confirmed', 'X-Project-Id': 'bench',
           'X-User-Id': 'bench', 'X-Roles': 'admin'}


def own_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(action, cpu=own_cpu):
    """(seconds, CPU seconds ``cpu()`` counted, CPU seconds of the whole
    machine) of ``action()``."""
    with servers.MachineCpu() as machine:
        cpu_before, start = cpu(), time.monotonic()
        action()
        seconds, cpu_seconds = time.monotonic() - start, cpu() - cpu_before
    return seconds, cpu_seconds, machine.seconds


def glance_transfer(api, path, size, verify=False):
    """((upload seconds, CPU), (download seconds, CPU)), CPU being
    glance-api's.  The timed download only counts bytes, as the native
    one does; with ``verify``, an untimed second download returns its
    md5 as a third item."""
    image = requests.post(api.url + '/v2/images', headers=HEADERS, json={
        'name': 'bench', 'disk_format': 'raw',
        'container_format': 'bare'}).json()
    url = '%s/v2/images/%s/file' % (api.url, image['id'])

    def upload():
        with open(path, 'rb') as f:
            response = requests.put(url, data=f, headers=dict(
                HEADERS, **{'Content-Type': 'application/octet-stream',
                            'Content-Length': str(size)}))
        response.raise_for_status()

    def download(digest=None):
        received = 0
        with requests.get(url, headers=HEADERS, stream=True) as response:
            response.raise_for_status()
            for chunk in response.iter_content(MiB):
                received += len(chunk)
                if digest is not None:
                    digest.update(chunk)
        assert received == size, 'download cut short'

    pids = servers.process_tree(api.pid)

    def api_cpu():
        return servers.cpu_seconds(pids)

    result = (timed(upload, api_cpu), timed(download, api_cpu))
    if verify:
        digest = hashlib.md5()
        download(digest)
        result += (digest.hexdigest(),)
    requests.delete('%s/v2/images/%s' % (api.url, image['id']),
                    headers=HEADERS).raise_for_status()
    return result


def swift_native(swift, path, size, hash_it=False):
    client = swift.swift_client()
    client.put_container('native')

    def upload():
        with open(path, 'rb') as f:
            body = transfer.Hashed(f, size) if hash_it else f
            client.put_object('native', 'image', body, content_length=size,
                              chunk_size=MiB)
            if hash_it:
                body.finish()

    def download():
        _headers, body = client.get_object('native', 'image',
                                           resp_chunk_size=MiB)
        for _chunk in body:
            pass

    up = timed(upload)
    down = None if hash_it else timed(download)
    client.delete_object('native', 'image')
    return up, down


def s3_native(swift, path, size, hash_it=False):
    client = swift.s3_client()
    try:
        client.create_bucket(Bucket='native-s3')
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass  # An earlier run made it.

    def upload():
        with open(path, 'rb') as f:
            body = transfer.Hashed(f, size) if hash_it else f
            client.upload_fileobj(body, 'native-s3', 'image')
            if hash_it:
                body.finish()

    def download():
        with open(os.devnull, 'wb') as f:
            client.download_fileobj('native-s3', 'image', f)

    up = timed(upload)
    down = None if hash_it else timed(download)
    client.delete_object(Bucket='native-s3', Key='image')
    return up, down


NATIVES = {'swift': swift_native, 's3': s3_native}
NATIVE_NAMES = {'swift': "swiftclient's put_object",
                's3': "boto3's upload_fileobj"}


def store_conf(kind, swift, workdir):
    if kind == 'swift':
        references = os.path.join(workdir, 'glance-swift.conf')
        with open(references, 'w') as f:
            f.write('[ref1]\nauth_address = %s\nuser = %s\nkey = %s\n'
                    'auth_version = 1\n' % (swift.auth_url, swift.user,
                                            swift.key))
        return {'stores': 'file,swift', 'default_store': 'swift',
                'swift_store_config_file': references,
                'swift_store_create_container_on_put': True}
    return {'stores': 'file,s3', 'default_store': 's3',
            's3_store_host': swift.s3_endpoint,
            's3_store_access_key': swift.user,
            's3_store_secret_key': swift.key,
            's3_store_region_name': swift_server_mod.S3_REGION,
            's3_store_bucket': 'glance', 's3_store_bucket_url_format': 'path',
            's3_store_create_bucket_on_put': True}


def cells(pairs, ratio=None):
    """Table cells: MiB/s (native), the ratio (by default of these
    figures), CPU s/GiB (native), of ``pairs``: ((glance seconds, CPU),
    (native seconds, CPU)) per GiB."""
    (seconds, cpu, _machine), (native_seconds, native_cpu, _native) = pairs
    if ratio is None:
        ratio = native_seconds / seconds
    return '%.0f (%.0f) | %.2f | %.2f (%.2f)' % (
        1024 / seconds, 1024 / native_seconds, ratio, cpu, native_cpu)


def default_workdir():
    """A memory-backed folder when there is one: Swift's object server
    drops a stored object from the page cache as it writes it, so on a
    disk each first read measures the disk, not the client."""
    return '/dev/shm' if os.path.isdir('/dev/shm') else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--stores', default='swift,s3',
                        help='comma-separated: swift, s3')
    parser.add_argument('--workdir', default=default_workdir(),
                        help='where Swift keeps its data (default: %(default)s)')
    args = parser.parse_args()
    size = args.size_mib * MiB
    per_gib = GiB / size
    natives = NATIVES
    with tempfile.TemporaryDirectory(prefix='glance-bench-stores-',
                                     dir=args.workdir) as work:
        path = os.path.join(work, 'image')
        with open(path, 'wb') as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MiB))
        with open(path, 'rb') as f:
            expected = hashlib.file_digest(f, 'md5').hexdigest()
        hashing_cpu = transfer.hash_bound(path)[1]
        bounds = []
        with swift_server_mod.SwiftServer(os.path.join(work, 'swift')) \
                as swift:
            print('| store | run | upload MiB/s (native) | ratio | CPU s/GiB '
                  '(native) | download MiB/s (native) | ratio | CPU s/GiB '
                  '(native) | upload vs native + hashing: MiB/s | ratio | '
                  'CPU s/GiB | glance-api RSS start -> peak (MiB) | load |')
            print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
            for kind in args.stores.split(','):
                api = ApiServer(os.path.join(work, 'api-' + kind),
                                flavor='trusted-auth', conf={
                                    'glance_store': store_conf(kind, swift,
                                                               work)})
                api.start()
                rows = []
                try:
                    for run in range(1, args.runs + 1):
                        with PeakRss(api.pid, interval=0.05) as rss:
                            transfers = glance_transfer(api, path, size,
                                                        verify=run == 1)
                        up, down = transfers[:2]
                        assert transfers[2:] in ((), (expected,)), \
                            'download differs'
                        native_up, native_down = natives[kind](swift, path,
                                                               size)
                        hashed_up, _none = natives[kind](swift, path, size,
                                                         hash_it=True)
                        # Per GiB: seconds and CPU seconds scaled alike.
                        row = [tuple(v * per_gib for v in pair) for pair in (
                            up, native_up, down, native_down, up, hashed_up)]
                        rows.append(row)
                        print('| %s | %d | %s | %s | %s | %.0f -> %.0f | '
                              '%.1f |' % (kind, run, cells(row[0:2]),
                                          cells(row[2:4]), cells(row[4:6]),
                                          rss.start, rss.peak,
                                          os.getloadavg()[0]), flush=True)
                finally:
                    api.stop()
                # MiB/s and CPU: medians of each; ratios: of the pairs.
                medians = [tuple(statistics.median(r[i][j] for r in rows)
                                 for j in (0, 1, 2)) for i in range(6)]
                ratios = [statistics.median(r[i + 1][0] / r[i][0]
                                            for r in rows) for i in (0, 2, 4)]
                print('| %s | median | %s | %s | %s | | |' % (
                    kind, cells(medians[0:2], ratios[0]),
                    cells(medians[2:4], ratios[1]),
                    cells(medians[4:6], ratios[2])), flush=True)
                bounds.append(transfer.upload_bound(
                    1024 / medians[1][0], medians[1][2], hashing_cpu,
                    medians[0][2], NATIVE_NAMES[kind]))
            print('\n'.join(bounds))


if __name__ == '__main__':
    main()
