"""Image data workloads: uploads, downloads, concurrent downloads, memory.

Every transfer is made by curl against a file (or to /dev/null), so the
client costs the same for every server.  Rounds are interleaved: run i of
each server is measured in the same round, next to its reference.
"""

import hashlib
import os
import queue
import resource
import subprocess
import threading
import time

from client import Api, curl, curl_command, parse_curl
import servers as servers_mod

MIB = 1024 * 1024
GIB = 1024 * MIB
HASH_CHUNK = 4 * MIB


def make_payload(path, size):
    """A file of ``size`` incompressible bytes (a random 16 MiB block
    repeated: servers neither compress nor deduplicate)."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return path
    block = os.urandom(16 * MIB)
    with open(path, 'wb') as f:
        written = 0
        while written < size:
            written += f.write(block[:min(len(block), size - written)])
    return path


def evict(path):
    """Drop ``path`` from the page cache, so the next read is from disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _hash_in_threads(path, copy_to=None):
    """md5 and sha512 of the file, each in its own thread (hashlib drops
    the GIL), fed 4 MiB chunks: what an upload that verifies its data
    does at best on this machine.  With ``copy_to``, the chunks are also
    written there and fsynced, as a store does."""
    hashers = [hashlib.md5(), hashlib.sha512()]
    queues = [queue.Queue(maxsize=3) for _ in hashers]

    def work(hasher, chunks):
        while (chunk := chunks.get()) is not None:
            hasher.update(chunk)

    threads = [threading.Thread(target=work, args=pair)
               for pair in zip(hashers, queues)]
    for thread in threads:
        thread.start()
    copy = open(copy_to, 'wb', buffering=0) if copy_to else None
    with open(path, 'rb', buffering=0) as f:
        while chunk := f.read(HASH_CHUNK):
            for chunks in queues:
                chunks.put(chunk)
            if copy:
                copy.write(chunk)
    for chunks in queues:
        chunks.put(None)
    for thread in threads:
        thread.join()
    if copy:
        os.fsync(copy.fileno())
        copy.close()
        os.unlink(copy_to)
    return hashers[0].hexdigest()


def _own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def hash_bound(path, copy_to=None):
    """``(MiB/s, CPU seconds per GiB)`` of _hash_in_threads over ``path``
    (read from the page cache)."""
    cpu_before = _own_cpu_seconds()
    started = time.perf_counter()
    _hash_in_threads(path, copy_to)
    seconds = time.perf_counter() - started
    size = os.path.getsize(path)
    return (size / MIB / seconds,
            (_own_cpu_seconds() - cpu_before) / (size / GIB))


def upload_bound(native, native_machine_cpu, hashing_cpu, machine_cpu,
                 native_name):
    """Lines saying how fast an upload that hashes can be on this machine:
    at least what the native client's upload cost the whole machine (the
    backend's servers included) plus md5 and sha512 of the same bytes
    (``hashing_cpu``, CPU s/GiB), spread over every core.  ``native``:
    MiB/s; CPU figures per GiB, medians."""
    cpus = servers_mod.MachineCpu.cpus
    floor = (native_machine_cpu + hashing_cpu) / cpus
    ceiling = 1024 / floor
    return ('\nupload bound on this machine (%d cores): %s cost the machine '
            '%.2f CPU s/GiB, md5 + sha512 %.2f, so an upload that hashes '
            'needs at least %.2f s/GiB of wall time: at most %.0f MiB/s, '
            '%.2fx %s\'s %.0f MiB/s.  glance-api\'s uploads cost the '
            'machine %.2f CPU s/GiB.'
            % (cpus, native_name, native_machine_cpu, hashing_cpu, floor,
               ceiling, ceiling / native, native_name, native, machine_cpu))


class Hashed:
    """A file read through glance-api's hashing (md5 and sha512 in two
    threads, glance.common.hashing): what a native client that checks the
    image's hashes, as glance-api does, would pay."""

    def __init__(self, f, size):
        from glance.common import hashing
        self._reader = hashing.HashingReader(f, expected_size=size)

    def read(self, size=-1):
        if size is not None and size >= 0:
            return self._reader.read(size) if size else b''
        return b''.join(iter(lambda: self._reader.read(MIB), b''))

    def finish(self):
        """The digests, once the client read all (a client that knows the
        size stops short of the end of the file)."""
        assert not self._reader.read(1), 'the client left bytes unread'
        return self._reader.finish()


def file_md5(path):
    return _hash_in_threads(path)


def upload(server, path, chunked, name='bench'):
    """``(MiB/s, server CPU seconds per GiB, image id)`` of one upload of
    ``path`` to a new image."""
    api = Api(server.url)
    image_id = api.create_image(name=name)
    pids = server.pids()
    cpu_before = servers_mod.cpu_seconds(pids)
    result = curl('%s/v2/images/%s/file' % (server.url, image_id),
                  upload=path, chunked=chunked)
    cpu = servers_mod.cpu_seconds(pids) - cpu_before
    image = api.call('GET', '/v2/images/' + image_id)[1]
    api.close()
    if result['status'] != 204 or image['size'] != os.path.getsize(path):
        raise RuntimeError('upload to %s failed: %r (see %s)'
                           % (server.name, result, server.log_path))
    size = os.path.getsize(path)
    return size / MIB / result['seconds'], cpu / (size / GIB), image_id


def delete(server, image_id):
    api = Api(server.url)
    api.call('DELETE', '/v2/images/' + image_id, expect=(204,))
    api.close()


def image_file(server, image_id):
    return os.path.join(server.datadir, image_id)


def data_url(server, image_id):
    """Where ``server`` serves the bytes of ``image_id``."""
    if isinstance(server, servers_mod.NginxServer):
        return '%s/files/%s' % (server.url, image_id)
    return '%s/v2/images/%s/file' % (server.url, image_id)


def download(server, image_id, size, byte_range=None):
    """``(MiB/s, server CPU seconds per GiB)`` of one download."""
    pids = server.pids()
    cpu_before = servers_mod.cpu_seconds(pids)
    result = curl(data_url(server, image_id), byte_range=byte_range)
    cpu = servers_mod.cpu_seconds(pids) - cpu_before
    expected = size if byte_range is None else \
        byte_range[1] - byte_range[0] + 1
    if result['status'] not in (200, 206) or \
            result['downloaded'] != expected:
        raise RuntimeError('download from %s failed: %r'
                           % (server.name, result))
    return (expected / MIB / result['seconds'],
            cpu / (expected / GIB))


def concurrent_download(server, image_id, size, clients):
    """``(aggregate MiB/s, server CPU s/GiB)`` of ``clients`` curl
    processes downloading the image at once."""
    pids = server.pids()
    cpu_before = servers_mod.cpu_seconds(pids)
    argv = curl_command(data_url(server, image_id))
    started = time.perf_counter()
    processes = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
                 for _ in range(clients)]
    results = [parse_curl(p.communicate()[0]) for p in processes]
    seconds = time.perf_counter() - started
    cpu = servers_mod.cpu_seconds(pids) - cpu_before
    if any(r['downloaded'] != size for r in results):
        raise RuntimeError('a concurrent download from %s failed: %r'
                           % (server.name, results))
    total = size * clients
    return total / MIB / seconds, cpu / (total / GIB)


def rss_growth(server, path, md5):
    """Peak RSS growth (MiB) of the busiest server process over a chunked
    upload of ``path`` and its download; checks the data came back."""
    pids = server.pids()
    for pid in pids:
        servers_mod.reset_peak_rss(pid)
    idle = {pid: servers_mod.status_kib(pid, 'VmRSS') for pid in pids}
    image_id = upload(server, path, chunked=True, name='memory')[2]
    api = Api(server.url)
    image = api.call('GET', '/v2/images/' + image_id)[1]
    api.close()
    if image['checksum'] != md5:
        raise RuntimeError('%s stored other bytes' % server.name)
    # md5sum reads what curl writes: the downloaded bytes are checked too.
    curl_process = subprocess.Popen(
        curl_command(data_url(server, image_id), output='-', stats=False),
        stdout=subprocess.PIPE)
    received = subprocess.run(['md5sum'], stdin=curl_process.stdout,
                              capture_output=True, text=True, check=True)
    curl_process.wait()
    if received.stdout.split()[0] != md5:
        raise RuntimeError('%s served other bytes' % server.name)
    growth = max(servers_mod.status_kib(pid, 'VmHWM') - idle[pid]
                 for pid in pids)
    delete(server, image_id)
    return growth / 1024
