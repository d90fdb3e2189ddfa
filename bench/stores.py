"""Swift and S3 stores: glance-api against the backend's own client.

    .venv/bin/python bench/stores.py [--size-mib 1024] [--runs 1]

Starts a real OpenStack Swift on loopback (tests/swift_server.py: proxy
with tempauth and s3api, one replica) and one glance-api per store (swift,
then s3, default options but for the credentials), and moves the same
random file of ``--size-mib`` MiB:

* through glance-api: a streamed PUT of the image data (Content-Length
  known) and a streamed GET, by ``requests``;
* with the backend's own client, in the same run: python-swiftclient's
  ``put_object``/``get_object`` (1 MiB chunks), boto3's
  ``upload_fileobj``/``download_fileobj`` (its defaults: 8 MiB parts, 10
  threads).

Prints MiB/s of each and the ratio glance-api / native, and the peak RSS
glance-api reached during its transfers (its memory must stay flat).
"""

import argparse
import hashlib
import os
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from tests.functional.server import ApiServer  # noqa: E402
from tests.functional.server import PeakRss  # noqa: E402
from tests import swift_server as swift_server_mod  # noqa: E402

MiB = 1024 * 1024
HEADERS = {'X-Identity-Status': 'Confirmed', 'X-Project-Id': 'bench',
           'X-User-Id': 'bench', 'X-Roles': 'admin'}


def timed(action):
    start = time.monotonic()
    action()
    return time.monotonic() - start


def glance_transfer(api, path, size):
    """(upload seconds, download seconds, md5 of the download)."""
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

    digest = hashlib.md5()

    def download():
        with requests.get(url, headers=HEADERS, stream=True) as response:
            response.raise_for_status()
            for chunk in response.iter_content(MiB):
                digest.update(chunk)

    up, down = timed(upload), timed(download)
    requests.delete('%s/v2/images/%s' % (api.url, image['id']),
                    headers=HEADERS).raise_for_status()
    return up, down, digest.hexdigest()


def swift_native(swift, path, size):
    client = swift.swift_client()
    client.put_container('native')

    def upload():
        with open(path, 'rb') as f:
            client.put_object('native', 'image', f, content_length=size,
                              chunk_size=MiB)

    def download():
        _headers, body = client.get_object('native', 'image',
                                           resp_chunk_size=MiB)
        for _chunk in body:
            pass

    up, down = timed(upload), timed(download)
    client.delete_object('native', 'image')
    return up, down


def s3_native(swift, path, size):
    client = swift.s3_client()
    try:
        client.create_bucket(Bucket='native-s3')
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass  # An earlier run made it.

    def upload():
        with open(path, 'rb') as f:
            client.upload_fileobj(f, 'native-s3', 'image')

    def download():
        with open(os.devnull, 'wb') as f:
            client.download_fileobj('native-s3', 'image', f)

    up, down = timed(upload), timed(download)
    client.delete_object(Bucket='native-s3', Key='image')
    return up, down


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--runs', type=int, default=1)
    args = parser.parse_args()
    size = args.size_mib * MiB
    with tempfile.TemporaryDirectory(prefix='glance-bench-stores-',
                                     dir=os.environ.get('TMPDIR')) as work:
        path = os.path.join(work, 'image')
        with open(path, 'wb') as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(MiB))
        with open(path, 'rb') as f:
            expected = hashlib.file_digest(f, 'md5').hexdigest()
        with swift_server_mod.SwiftServer(os.path.join(work, 'swift')) \
                as swift:
            print('| store | run | upload MiB/s (native) | ratio | download '
                  'MiB/s (native) | ratio | glance-api RSS start -> peak '
                  '(MiB) |')
            print('|---|---|---|---|---|---|---|')
            for kind, native in (('swift', swift_native),
                                 ('s3', s3_native)):
                api = ApiServer(os.path.join(work, 'api-' + kind),
                                flavor='trusted-auth', conf={
                                    'glance_store': store_conf(kind, swift,
                                                               work)})
                api.start()
                try:
                    for run in range(1, args.runs + 1):
                        with PeakRss(api.pid, interval=0.05) as rss:
                            up, down, md5 = glance_transfer(api, path, size)
                        assert md5 == expected, 'download differs'
                        native_up, native_down = native(swift, path, size)
                        rate = args.size_mib
                        print('| %s | %d | %.0f (%.0f) | %.2f | %.0f (%.0f) '
                              '| %.2f | %.0f -> %.0f |' % (
                                  kind, run, rate / up, rate / native_up,
                                  native_up / up, rate / down,
                                  rate / native_down, native_down / down,
                                  rss.start, rss.peak), flush=True)
                finally:
                    api.stop()


if __name__ == '__main__':
    main()
