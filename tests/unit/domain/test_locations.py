"""glance.domain.locations: the rules the API tests cannot reach easily:
positions, validation data, reads tried again, and an add whose process
died."""

import hashlib
import os

import pytest

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import locations
from tests.file_server import serving
from tests.unit.domain.conftest import OWNER
from tests.unit.domain.conftest import queued
from tests.unit.domain.test_import_maintenance import age

DATA = os.urandom(100 * 1024)


@pytest.mark.parametrize('text, length, adding, position', [
    ('-', 2, True, 2), ('-', 2, False, 1), ('0', 0, True, 0),
    ('3', 2, True, None), ('2', 2, False, None), ('-', 0, False, None),
    ('x', 2, True, None), ('-1', 2, False, None)])
def test_positions(text, length, adding, position):
    assert locations._position(text, length, adding) == position


def test_validation_data_of_several_locations_must_agree():
    image = image_mod.Image(disk_format='raw', container_format='bare')
    value = hashlib.sha512(DATA).hexdigest()
    agreed = [{'validation_data': {'os_hash_algo': 'sha512',
                                   'os_hash_value': value}}] * 2
    assert locations.check_validation_data(image, agreed, 'sha512') == {
        'os_hash_algo': 'sha512', 'os_hash_value': value}
    other = {'validation_data': {'os_hash_algo': 'sha512',
                                 'os_hash_value': 'ab' * 64}}
    with pytest.raises(exception.Conflict, match='Conflicting values'):
        locations.check_validation_data(image, agreed + [other], 'sha512')
    image.status = 'active'
    with pytest.raises(exception.Conflict, match="only be provided when"):
        locations.check_validation_data(image, agreed, 'sha512')
    image.os_hash_algo, image.os_hash_value = 'sha512', value
    assert locations.check_validation_data(image, agreed, 'sha512') == {}


class _FlakyStores:
    """Stores whose reads fail ``failures`` times first (a narrow fake of
    the error path)."""

    def __init__(self, failures):
        self.failures = failures
        self.reads = 0

    def get(self, url):
        self.reads += 1
        if self.reads <= self.failures:
            raise exception.StoreUnavailable(reason='connection reset')
        return _Data([DATA[:1000], DATA[1000:]])


class _Data(list):

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


def _hasher(stores, conf):
    return locations.ImageLocations(None, None, None, stores, conf, None, None,
                                    None, None, None)


def test_reads_are_tried_again_http_retries_times(conf):
    conf.set_override('http_retries', 2)
    stores = _FlakyStores(failures=2)
    assert _hasher(stores, conf)._hash('http://h/x', 'sha256') == (
        len(DATA), hashlib.md5(DATA).hexdigest(),
        hashlib.sha256(DATA).hexdigest())
    assert stores.reads == 3
    stores = _FlakyStores(failures=3)
    with pytest.raises(exception.InvalidSource, match='connection reset'):
        _hasher(stores, conf)._hash('http://h/x', 'sha256')
    assert stores.reads == 3


def test_an_add_whose_process_died_leaves_the_image_queued(
        services, repo, tmp_path, monkeypatch):
    """The task never ran (its process died): maintenance fails it and
    returns the image to queued, without the location."""
    monkeypatch.setattr(services.locations.runner, 'submit',
                        lambda *args: None)
    image = queued(services)
    with serving(tmp_path, **{'disk.img': DATA}) as web:
        task = services.locations.add(
            OWNER, image.id, web.url('disk.img'),
            {'os_hash_algo': 'sha512',
             'os_hash_value': hashlib.sha512(DATA).hexdigest()})
    assert repo.get(image.id).status == 'importing'
    age(repo, task_id=task.id)
    age(repo, image_id=image.id)
    services.maintenance.run()
    assert repo.get_task(task.id).status == 'failure'
    image = repo.get(image.id)
    assert image.status == 'queued' and image.locations == []
