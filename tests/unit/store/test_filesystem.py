import errno
import fcntl
import hashlib
import io
import os
import stat
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from glance.common import exception
from glance.common import hashing
from glance.store import base
from glance.store import filesystem
from glance.store import staging
from tests.unit.store import helpers

MiB = 1024 * 1024
WRITE = base.WRITE_CHUNK_SIZE
# A fixed id: parameters must be the same in every test process.
SOME_ID = '5b1f4d6e-8f7a-4c2b-9e3d-1a2b3c4d5e6f'


def new_id():
    return str(uuid.uuid4())


def store(driver, data, image_id=None, **reader_args):
    with hashing.HashingReader(io.BytesIO(data), **reader_args) as reader:
        stored = driver.add(image_id or new_id(), reader, len(data))
        return stored, reader.finish()


def stored_bytes(driver, uri, offset=0, length=None):
    with driver.get(uri, offset, length) as data:
        content = b''.join(data)
    assert len(content) == data.size
    return content


class WatchingReader:
    """Hands out ``data``, calling ``during(reads)`` before each read."""

    def __init__(self, data, during):
        self._stream = io.BytesIO(data)
        self._during = during
        self.reads = 0

    def read(self, size):
        self._during(self.reads)
        self.reads += 1
        return self._stream.read(size)


@pytest.mark.parametrize('size', [0, 1, WRITE, WRITE + 1, 3 * MiB + 5])
def test_round_trip(driver, datadir, size):
    data = os.urandom(size)
    image_id = new_id()
    stored, (hashed_size, md5, sha512) = store(
        driver, data, image_id, expected_size=size)
    path = os.path.join(str(datadir), image_id)
    assert stored == base.StoredImage('file://' + path, size)
    assert (hashed_size, md5, sha512) == (
        size, hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest())
    assert os.listdir(datadir) == [image_id]
    assert stored_bytes(driver, stored.uri) == data
    assert driver.get_size(stored.uri) == size


def test_nothing_is_visible_until_the_data_is_complete(driver, datadir):
    image_id = new_id()

    def during(reads):
        names = os.listdir(datadir)
        assert image_id not in names
        assert all(base.PARTIAL_NAME.match(n) for n in names)

    driver.add(image_id, WatchingReader(os.urandom(2 * WRITE), during))
    assert os.listdir(datadir) == [image_id]


@pytest.mark.parametrize('offset, length', [
    (0, None), (5, 10), (MiB - 1, 2), (2 * MiB + 6, None), (2 * MiB + 7, None),
    (100, 10 * MiB), (0, 0)])
def test_ranges(driver, offset, length):
    data = os.urandom(2 * MiB + 7)
    stored, _digests = store(driver, data)
    end = len(data) if length is None else offset + length
    assert stored_bytes(driver, stored.uri, offset, length) == \
        data[offset:end]


def test_reads_large_chunks_and_exposes_the_file(driver):
    data = os.urandom(3 * MiB + 1)
    stored, _digests = store(driver, data)
    with driver.get(stored.uri, offset=10) as image_data:
        assert image_data.path == stored.uri[len('file://'):]
        assert image_data.offset == 10
        assert image_data.fileobj.tell() == 10
        assert image_data.size == 3 * MiB - 9
        assert [len(c) for c in image_data] == [MiB, MiB, MiB - 9]
    assert image_data.fileobj.closed


def test_read_chunk_size_option(conf, driver):
    conf.set_override('filesystem_store_chunk_size', 1000,
                      group='glance_store')
    driver.configure()
    stored, _digests = store(driver, os.urandom(2500))
    assert [len(c) for c in driver.get(stored.uri)] == [1000, 1000, 500]


@pytest.mark.parametrize('direct', [True, False])
def test_direct_writes_option(conf, driver, monkeypatch, direct):
    conf.set_override('filesystem_store_direct_writes', direct,
                      group='glance_store')
    driver.configure()
    modes = []
    real_write = os.write

    def write(fd, data):
        modes.append(bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT))
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', write)
    data = os.urandom(2 * WRITE + 1)
    stored, _digests = store(driver, data)
    assert stored_bytes(driver, stored.uri) == data
    if direct and not modes[0]:
        pytest.skip('this filesystem does not do direct I/O')
    # The tail goes through the page cache either way.
    assert modes == [direct, direct, False]


@pytest.mark.parametrize('offset, length', [(11, None), (-1, None), (0, -1)])
def test_unsatisfiable_ranges(driver, offset, length):
    stored, _digests = store(driver, b'0123456789')
    with pytest.raises(exception.InvalidRange):
        driver.get(stored.uri, offset, length)


def test_size_cap_mid_stream_leaves_nothing(driver, datadir):
    with pytest.raises(exception.ImageSizeLimitExceeded):
        with hashing.HashingReader(io.BytesIO(os.urandom(3 * WRITE)),
                                   size_cap=2 * WRITE + 1) as reader:
            driver.add(new_id(), reader)
    assert os.listdir(datadir) == []


def test_short_input_leaves_nothing(driver, datadir):
    with pytest.raises(exception.ClientDisconnect):
        store(driver, os.urandom(WRITE + 10), expected_size=WRITE + 11)
    assert os.listdir(datadir) == []


def test_reader_errors_leave_nothing(driver, datadir):
    def during(reads):
        if reads == 2:
            raise exception.ClientDisconnect()

    with pytest.raises(exception.ClientDisconnect):
        driver.add(new_id(), WatchingReader(os.urandom(3 * WRITE), during))
    assert os.listdir(datadir) == []


@pytest.mark.parametrize('code, error', [
    (errno.ENOSPC, exception.StorageFull),
    (errno.EDQUOT, exception.StorageFull),
    (errno.EACCES, exception.StorageWriteDenied),
    (errno.EROFS, exception.StorageWriteDenied)])
def test_disk_errors_leave_nothing(driver, datadir, monkeypatch, code, error):
    real_write = os.write
    writes = []

    def write(fd, data):
        writes.append(len(data))
        if len(writes) == 2:
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', write)
    with pytest.raises(error):
        store(driver, os.urandom(3 * WRITE))
    monkeypatch.undo()
    assert os.listdir(datadir) == []


@pytest.mark.skipif(os.geteuid() == 0, reason='root ignores permissions')
def test_read_only_datadir_is_write_denied(driver, datadir):
    os.chmod(datadir, 0o500)
    try:
        with pytest.raises(exception.StorageWriteDenied):
            store(driver, b'data')
    finally:
        os.chmod(datadir, 0o700)


def test_declared_size_beyond_free_space_fails_before_reading(driver):
    def during(reads):
        raise AssertionError('read despite the lack of space')

    with pytest.raises(exception.StorageFull):
        driver.add(new_id(), WatchingReader(b'', during), size=2 ** 62)


def test_duplicate(driver, datadir):
    image_id = new_id()
    store(driver, b'first', image_id)
    with pytest.raises(exception.Duplicate):
        store(driver, b'second', image_id)
    assert os.listdir(datadir) == [image_id]
    assert (datadir / image_id).read_bytes() == b'first'


def test_duplicate_published_during_the_upload_wins(driver, datadir):
    image_id = new_id()

    def during(reads):
        if reads == 1:
            (datadir / image_id).write_bytes(b'other upload')

    with pytest.raises(exception.Duplicate):
        driver.add(image_id, WatchingReader(os.urandom(2 * WRITE), during))
    assert os.listdir(datadir) == [image_id]
    assert (datadir / image_id).read_bytes() == b'other upload'


@pytest.mark.parametrize('image_id', ['../etc/x', 'x', '', 'a' * 36,
                                      '/' + SOME_ID])
def test_image_id_must_be_a_uuid(driver, datadir, image_id):
    with pytest.raises(exception.InvalidParameterValue):
        driver.add(image_id, io.BytesIO(b'data'))
    assert os.listdir(datadir) == []


def test_locations_outside_the_datadir_are_refused(driver, datadir,
                                                   tmp_path):
    outside = tmp_path / str(uuid.uuid4())
    outside.write_bytes(b'secret')
    link = datadir / str(uuid.uuid4())
    link.symlink_to(outside)
    for uri in ['file:///etc/passwd',
                'file://%s/../%s' % (datadir, outside.name),
                'file://%s' % outside,
                'file://%s' % link]:
        for call in (driver.get, driver.get_size, driver.delete):
            with pytest.raises(exception.Forbidden):
                call(uri)
    assert outside.read_bytes() == b'secret'


@pytest.mark.parametrize('uri', [
    'file://relative/%s' % SOME_ID, 'http://example.com/x',
    'no-scheme', 'file://{datadir}/not-an-image-id',
    'file://{datadir}/\0' + SOME_ID])
def test_malformed_locations_are_refused(driver, datadir, uri):
    uri = uri.replace('{datadir}', str(datadir))
    (datadir / 'not-an-image-id').write_bytes(b'x')
    for call in (driver.get, driver.get_size, driver.delete):
        with pytest.raises(exception.BadStoreUri):
            call(uri)


def test_missing_data_is_not_found(driver, datadir):
    uri = 'file://%s/%s' % (datadir, uuid.uuid4())
    for call in (driver.get, driver.get_size, driver.delete):
        with pytest.raises(exception.NotFound):
            call(uri)


def test_delete(driver, datadir):
    stored, _digests = store(driver, b'data')
    driver.delete(stored.uri)
    assert os.listdir(datadir) == []
    with pytest.raises(exception.NotFound):
        driver.delete(stored.uri)


def test_filesystem_scheme_is_accepted(driver):
    stored, _digests = store(driver, b'data')
    uri = 'filesystem://' + stored.uri[len('file://'):]
    assert stored_bytes(driver, uri) == b'data'


def test_delete_failures_are_not_not_found(driver, datadir):
    in_the_way = datadir / new_id()
    in_the_way.mkdir()
    with pytest.raises(exception.StoreDeleteFailed) as error:
        driver.delete('file://%s' % in_the_way)
    assert not isinstance(error.value, exception.NotFound)
    assert in_the_way.is_dir()


@pytest.mark.parametrize('code', [errno.EACCES, errno.EPERM, errno.EROFS,
                                  errno.EIO, errno.EBUSY])
def test_delete_errors_leave_the_data_and_say_why(driver, datadir,
                                                  monkeypatch, code):
    stored, _digests = store(driver, b'data')

    def unlink(path):
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(os, 'unlink', unlink)
    with pytest.raises(exception.StoreDeleteFailed) as error:
        driver.delete(stored.uri)
    monkeypatch.undo()

    assert os.strerror(code) in str(error.value)
    assert str(datadir) not in str(error.value)
    assert stored_bytes(driver, stored.uri) == b'data'


def partial_name(image_id, token='0123456789abcdef'):
    return '.%s.%s.partial' % (image_id, token)


def test_delete_partial_removes_that_image_s_partial_files_only(
        driver, datadir):
    image_id, other_id = new_id(), new_id()
    mine = [partial_name(image_id), partial_name(image_id, 'fedcba')]
    others = [partial_name(other_id), image_id, other_id]
    for name in mine + others:
        (datadir / name).write_bytes(b'x')

    assert sorted(driver.delete_partial(image_id)) == sorted(mine)
    assert driver.delete_partial(image_id) == []
    assert sorted(os.listdir(datadir)) == sorted(others)


def test_delete_partial_wants_an_image_id(driver):
    with pytest.raises(exception.InvalidParameterValue):
        driver.delete_partial('*')


def test_delete_partial_removes_what_it_can_then_fails(driver, datadir):
    image_id = new_id()
    (datadir / partial_name(image_id, 'a')).mkdir()
    (datadir / partial_name(image_id, 'b')).write_bytes(b'x')

    with pytest.raises(exception.StoreDeleteFailed):
        driver.delete_partial(image_id)
    assert os.listdir(datadir) == [partial_name(image_id, 'a')]


def test_purge_removes_the_published_file_too(driver, datadir):
    image_id, other_id = new_id(), new_id()
    store(driver, b'published, never recorded', image_id)
    store(driver, b'another image', other_id)
    (datadir / partial_name(image_id)).write_bytes(b'x')

    assert sorted(driver.purge(image_id)) == \
        sorted([image_id, partial_name(image_id)])
    assert driver.purge(image_id) == []
    assert os.listdir(datadir) == [other_id]


KILLED_UPLOAD = textwrap.dedent('''
    import sys, time
    from tests.unit.store import helpers


    class Stalling:
        """Sends one chunk, then waits for ever, as a slow client would."""

        sent = False

        def read(self, size):
            if self.sent:
                print('sending', flush=True)
                time.sleep(3600)
            self.sent = True
            return b'x' * size


    helpers.filesystem_driver(sys.argv[1]).add(sys.argv[2], Stalling())
''')


def test_delete_partial_after_a_kill_mid_upload(driver, datadir):
    image_id = new_id()
    upload = subprocess.Popen(
        [sys.executable, '-c', KILLED_UPLOAD, str(datadir), image_id],
        cwd=helpers.REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert upload.stdout.readline() == 'sending\n'
    finally:
        upload.kill()
        upload.wait()
        upload.stdout.close()
    left = os.listdir(datadir)
    assert len(left) == 1 and left[0].startswith('.' + image_id)

    assert driver.delete_partial(image_id) == left
    assert os.listdir(datadir) == []


@pytest.mark.parametrize('when', [1, 2], ids=['mid-stream', 'at-the-end'])
def test_an_upload_whose_partial_file_is_removed_is_cancelled(
        driver, datadir, when):
    image_id = new_id()

    def during(reads):
        if reads == when:
            assert len(driver.delete_partial(image_id)) == 1

    with pytest.raises(exception.UploadCancelled):
        driver.add(image_id, WatchingReader(os.urandom(2 * WRITE), during))
    assert os.listdir(datadir) == []


def test_clean_stale_partials(driver, datadir):
    old = time.time() - 3600
    stale = partial_name(uuid.uuid4())
    fresh = partial_name(uuid.uuid4())
    image_id = new_id()
    for name in (stale, fresh, image_id):
        (datadir / name).write_bytes(b'x')
    for name in (stale, image_id):
        os.utime(datadir / name, (old, old))
    assert driver.clean_stale_partials(600) == [stale]
    assert sorted(os.listdir(datadir)) == sorted([fresh, image_id])


def test_clean_stale_partials_passes_over_what_it_cannot_remove(
        driver, datadir):
    old = time.time() - 3600
    stuck, stale = partial_name(uuid.uuid4()), partial_name(uuid.uuid4())
    (datadir / stuck).mkdir()
    (datadir / stale).write_bytes(b'x')
    for name in (stuck, stale):
        os.utime(datadir / name, (old, old))

    assert driver.clean_stale_partials(600) == [stale]
    assert os.listdir(datadir) == [stuck]


def test_clean_stale_partials_without_a_datadir_removes_nothing(
        driver, datadir):
    datadir.rmdir()
    assert driver.clean_stale_partials(600) == []


def test_configure_creates_the_datadir_and_leaves_it_empty(driver, datadir):
    assert datadir.is_dir()
    assert os.listdir(datadir) == []


def test_file_perm(conf, driver, datadir):
    os.chmod(datadir, 0o700)
    conf.set_override('filesystem_store_file_perm', 640,
                      group='glance_store')
    driver.configure()
    stored, _digests = store(driver, b'data')
    mode = os.stat(stored.uri[len('file://'):]).st_mode
    assert stat.S_IMODE(mode) == 0o640
    assert stat.S_IMODE(os.stat(datadir).st_mode) == 0o710


@pytest.mark.parametrize('option, value', [
    ('filesystem_store_datadir', 'relative/dir'),
    ('filesystem_store_datadir', ''),
    ('filesystem_store_file_perm', 9),
    ('filesystem_store_file_perm', 1777),
    ('filesystem_store_file_perm', 200)])
def test_bad_options(conf, driver, option, value):
    conf.set_override(option, value, group='glance_store')
    with pytest.raises(exception.ConfigError):
        driver.configure()


def test_datadir_that_cannot_be_created(conf, driver, tmp_path):
    (tmp_path / 'file').write_bytes(b'')
    conf.set_override('filesystem_store_datadir', str(tmp_path / 'file' / 'd'),
                      group='glance_store')
    with pytest.raises(exception.ConfigError):
        driver.configure()


MEMORY_SCRIPT = textwrap.dedent('''
    import os, sys, uuid
    from glance.common import hashing
    from tests.unit.store import helpers

    SIZE = 512 * 1024 * 1024


    class Generated:
        """A body made on the fly, so only what is in flight is in memory."""

        def __init__(self, size):
            self.left = size
            self.block = os.urandom(1024 * 1024)

        def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return (self.block * (n // len(self.block) + 1))[:n]


    def peak_rss_kib():
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])


    driver = helpers.filesystem_driver(sys.argv[1])
    before = peak_rss_kib()
    with hashing.HashingReader(Generated(SIZE), expected_size=SIZE) as reader:
        stored = driver.add(str(uuid.uuid4()), reader, SIZE)
        size, _md5, _sha512 = reader.finish()
    growth = peak_rss_kib() - before
    driver.delete(stored.uri)
    assert size == stored.size == SIZE
    print(growth // 1024)
''')


def test_the_store_imports_no_layer_above_it():
    imported = helpers.run_python(
        'import sys, glance.store, glance.store.filesystem\n'
        'print(*sorted(name for name in sys.modules '
        'if name.startswith("glance.")))').split()
    assert [name for name in imported
            if not name.startswith(('glance.common', 'glance.store'))] == []


def test_memory_stays_flat_for_a_large_upload(tmp_path):
    growth_mib = helpers.run_python(MEMORY_SCRIPT, tmp_path)
    assert int(growth_mib) < 48


# -- several datadirs, thin provisioning, read-only directories ----------


def several(conf, tmp_path, *specs, **settings):
    """A driver on the datadirs ``specs`` ("name:priority" under
    tmp_path), filesystem_store_datadir set empty, and ``settings``."""
    helpers.set_datadir(conf, '')
    settings['filesystem_store_datadirs'] = [str(tmp_path / spec)
                                             for spec in specs]
    for name, value in settings.items():
        conf.set_override(name, value, group='glance_store')
    driver = filesystem.FilesystemDriver(conf)
    driver.configure()
    return driver


def test_new_images_go_to_the_highest_priority(conf, tmp_path):
    driver = several(conf, tmp_path, 'low:10', 'high:200', 'none')
    assert [d.path for d in driver.datadirs] == [
        str(tmp_path / name) for name in ('high', 'low', 'none')]
    data = os.urandom(WRITE + 3)
    stored, _digests = store(driver, data)
    assert stored.uri == 'file://%s/%s' % (tmp_path / 'high',
                                           os.path.basename(stored.uri))
    assert stored_bytes(driver, stored.uri) == data


def test_images_are_read_and_deleted_in_any_datadir(conf, tmp_path):
    first = several(conf, tmp_path, 'a:1', 'b:2')
    stored, _digests = store(first, b'in b')
    driver = several(conf, tmp_path, 'a:3', 'b:2')
    assert stored_bytes(driver, stored.uri) == b'in b'
    assert driver.get_size(stored.uri) == 4
    with pytest.raises(exception.Duplicate):
        store(driver, b'again', os.path.basename(stored.uri))
    driver.delete(stored.uri)
    assert os.listdir(tmp_path / 'a') == os.listdir(tmp_path / 'b') == []


def test_a_datadir_without_room_is_passed_over(conf, tmp_path, monkeypatch):
    driver = several(conf, tmp_path, 'small:9', 'big1:5', 'big2:5')
    free = {'small': 100, 'big1': 10 ** 6, 'big2': 10 ** 7}
    monkeypatch.setattr(filesystem, '_free_space',
                        lambda path: free[os.path.basename(path)])
    assert os.path.dirname(store(driver, b'x' * 99)[0].uri) == \
        'file://%s' % (tmp_path / 'small')
    # Of equal priorities, the one with the most free space.
    assert os.path.dirname(store(driver, b'x' * 101)[0].uri) == \
        'file://%s' % (tmp_path / 'big2')
    with pytest.raises(exception.StorageFull, match='10000000 free'):
        driver.add(new_id(), io.BytesIO(b''), size=10 ** 8)


def test_partials_and_purge_cover_every_datadir(conf, tmp_path):
    driver = several(conf, tmp_path, 'a:1', 'b:2')
    image_id = new_id()
    for name in ('a', 'b'):
        (tmp_path / name / base.partial_name(image_id)).write_bytes(b'x')
    (tmp_path / 'a' / image_id).write_bytes(b'old')
    assert len(driver.purge(image_id)) == 3
    assert os.listdir(tmp_path / 'a') == os.listdir(tmp_path / 'b') == []
    stale = tmp_path / 'a' / base.partial_name(new_id())
    stale.write_bytes(b'x')
    os.utime(stale, (0, 0))
    assert driver.clean_stale_partials(60) == [stale.name]


@pytest.mark.parametrize('datadirs, match', [
    (['/a:1', '/b:x'], 'priority'), (['/a:1', '/a:2'], 'twice'),
    (['relative:1'], 'absolute')])
def test_bad_datadirs(conf, datadirs, match):
    helpers.set_datadir(conf, '')
    conf.set_override('filesystem_store_datadirs', datadirs,
                      group='glance_store')
    with pytest.raises(exception.ConfigError, match=match):
        filesystem.FilesystemDriver(conf).configure()


def test_datadir_and_datadirs_are_exclusive(conf, driver, tmp_path):
    conf.set_override('filesystem_store_datadirs', [str(tmp_path / 'x')],
                      group='glance_store')
    with pytest.raises(exception.ConfigError, match='not both'):
        driver.configure()


def sparse_image():
    """Zeros, data, zeros over whole write buffers, and a zero tail."""
    return (bytes(2 * WRITE) + os.urandom(WRITE) + bytes(WRITE)
            + os.urandom(100) + bytes(WRITE + 7))


@pytest.mark.parametrize('direct', [True, False])
def test_thin_provisioning_leaves_holes(conf, driver, direct):
    conf.set_override('filesystem_store_direct_writes', direct,
                      group='glance_store')
    data = sparse_image()
    thick, thick_digests = store(driver, data)
    conf.set_override('filesystem_thin_provisioning', True,
                      group='glance_store')
    driver.configure()
    thin, thin_digests = store(driver, data)
    assert thin.size == thick.size == len(data)
    assert thin_digests == thick_digests
    assert stored_bytes(driver, thin.uri) == data

    def used(stored):
        return os.stat(stored.uri[len('file://'):]).st_blocks * 512

    if used(thick) < len(data):
        pytest.skip('this filesystem compresses or dedupes zeros')
    # Only the two pieces of data, in whole 4 MiB buffers at most.
    assert used(thin) <= 2 * WRITE + 2 * 4096


def test_thin_provisioning_of_only_zeros(conf, driver):
    conf.set_override('filesystem_thin_provisioning', True,
                      group='glance_store')
    driver.configure()
    stored, _digests = store(driver, bytes(2 * WRITE))
    path = stored.uri[len('file://'):]
    assert os.stat(path).st_size == 2 * WRITE
    assert os.stat(path).st_blocks == 0


def unwritable(monkeypatch, *paths):
    """Make ``paths`` refuse new files: by their mode, or, for root (whom
    modes do not stop), by failing os.open there with EACCES."""
    if os.geteuid() != 0:
        for path in paths:
            os.chmod(path, 0o555)
        return
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and os.path.dirname(str(path)) in map(
                str, paths):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(path, flags, *args, **kwargs)
    monkeypatch.setattr(os, 'open', refusing_open)


def test_an_unwritable_datadir_makes_the_store_read_only(
        conf, driver, datadir, monkeypatch, caplog):
    stored, _digests = store(driver, b'kept')
    unwritable(monkeypatch, datadir)
    with caplog.at_level('WARNING'):
        driver.configure()
    assert driver.capabilities == base.READ_WRITE - {base.WRITE}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert 'file store is read-only: it cannot write to %s (' % datadir \
        in warnings[0]
    assert stored_bytes(driver, stored.uri) == b'kept'
    with pytest.raises(exception.StorageWriteDenied):
        store(driver, b'new')
    monkeypatch.undo()
    os.chmod(datadir, 0o755)


def test_writes_pass_over_an_unwritable_datadir(conf, tmp_path, monkeypatch,
                                                caplog):
    for name in ('a', 'b'):
        (tmp_path / name).mkdir()
    unwritable(monkeypatch, tmp_path / 'b')
    with caplog.at_level('WARNING'):
        driver = several(conf, tmp_path, 'a:1', 'b:2')
    assert base.WRITE in driver.capabilities
    assert 'cannot write to %s' % (tmp_path / 'b') in caplog.text
    assert os.path.dirname(store(driver, b'x')[0].uri) == \
        'file://%s' % (tmp_path / 'a')
    monkeypatch.undo()
    os.chmod(tmp_path / 'b', 0o755)


def test_an_unwritable_staging_area_fails_the_start(conf, tmp_path,
                                                     monkeypatch):
    helpers.set_datadir(conf, tmp_path / 'images')
    (tmp_path / 'staging').mkdir()
    unwritable(monkeypatch, tmp_path / 'staging')
    with pytest.raises(exception.ConfigError, match='node_staging_uri'):
        staging.StagingArea(conf).configure()
    monkeypatch.undo()
    os.chmod(tmp_path / 'staging', 0o755)


def test_file_perm_in_every_datadir(conf, tmp_path):
    for name in ('a', 'b'):
        (tmp_path / name).mkdir(mode=0o700)
    driver = several(conf, tmp_path, 'a:1', 'b:2',
                     filesystem_store_file_perm=644)
    for name in ('a', 'b'):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o711
    stored, _digests = store(driver, b'data')
    assert stat.S_IMODE(os.stat(stored.uri[len('file://'):]).st_mode) == \
        0o644
