"""Peak memory growth of glance-api while it streams a large image.

Starts glance-api (one process, SQLite and a filesystem store in a temporary
directory), uploads an image of --size-gib GiB with chunked transfer
encoding, downloads it, and reports the server's peak RSS growth over its
idle RSS (target: under 64 MiB whatever the image size) with throughput.

    .venv/bin/python bench/memory.py --size-gib 2
"""

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time

import requests

MIB = 1024 * 1024
BIN = os.path.dirname(sys.executable)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def status_kib(pid, field):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError('no %s for pid %d' % (field, pid))


def start_server(directory):
    port = free_port()
    conf = os.path.join(directory, 'glance-api.conf')
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %d\n'
                'workers = 0\nlog_file = %s/api.log\n'
                '[database]\nconnection = sqlite:///%s/glance.sqlite\n'
                '[glance_store]\nfilesystem_store_datadir = %s/images\n'
                '[paste_deploy]\nconfig_file = %s/etc/glance-api-paste.ini\n'
                % (port, directory, directory, directory, REPO))
    subprocess.run([os.path.join(BIN, 'glance-manage'), '--config-file',
                    conf, 'db_sync'], check=True, capture_output=True)
    process = subprocess.Popen([os.path.join(BIN, 'glance-api'),
                                '--config-file', conf])
    url = 'http://127.0.0.1:%d' % port
    for _ in range(200):
        try:
            requests.get(url + '/versions', timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError('glance-api did not start')


def body(size, block, digest):
    sent = 0
    while sent < size:
        chunk = block[:min(len(block), size - sent)]
        digest.update(chunk)
        sent += len(chunk)
        yield chunk


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-gib', type=float, default=2.0)
    args = parser.parse_args()
    size = int(args.size_gib * 1024 * MIB)
    block = os.urandom(4 * MIB)
    with tempfile.TemporaryDirectory(dir=os.environ.get('TMPDIR')) as tmp:
        process, url = start_server(tmp)
        try:
            image = requests.post(url + '/v2/images', json={
                'name': 'bench', 'disk_format': 'raw',
                'container_format': 'bare'}).json()
            requests.get(url + '/v2/images')
            idle = status_kib(process.pid, 'VmRSS')
            sent = hashlib.md5()
            started = time.monotonic()
            response = requests.put(
                '%s/v2/images/%s/file' % (url, image['id']),
                data=body(size, block, sent),
                headers={'Content-Type': 'application/octet-stream'})
            upload_s = time.monotonic() - started
            response.raise_for_status()
            received = hashlib.md5()
            started = time.monotonic()
            with requests.get('%s/v2/images/%s/file' % (url, image['id']),
                              stream=True) as download:
                for chunk in download.iter_content(4 * MIB):
                    received.update(chunk)
            download_s = time.monotonic() - started
            peak = status_kib(process.pid, 'VmHWM')
        finally:
            process.terminate()
            process.wait()
    assert sent.hexdigest() == received.hexdigest(), 'data differs'
    growth = (peak - idle) / 1024
    print('image size          %8.0f MiB' % (size / MIB))
    print('upload (chunked)    %8.0f MiB/s' % (size / MIB / upload_s))
    print('download            %8.0f MiB/s' % (size / MIB / download_s))
    print('server idle RSS     %8.1f MiB' % (idle / 1024))
    print('server peak growth  %8.1f MiB  (target < 64 MiB)' % growth)
    return 0 if growth < 64 else 1


if __name__ == '__main__':
    sys.exit(main())
