"""Image data through the domain: uploads with checksums, copies from URLs,
external locations, and the metadata rules v1 relies on."""

import hashlib
import io
import os

import pytest

from glance.common import config
from glance.common import exception
from glance.context import RequestContext
from glance.db import migration
from glance.db import repository
from glance.db import session
from glance.domain import images
from glance.domain import policy
from glance.domain.repository import ImageQuery
from glance import store
from tests.file_server import serving
from tests.unit.store import helpers

OWNER = RequestContext(project_id='owner')
ADMIN = RequestContext(project_id='ops', roles=['admin'], is_admin=True)
DATA = os.urandom(300 * 1024)
MD5 = hashlib.md5(DATA).hexdigest()


@pytest.fixture
def datadir(tmp_path):
    return tmp_path / 'images'


@pytest.fixture
def service(tmp_path, datadir):
    engine = session.create_engine('sqlite:///%s' % (tmp_path / 'glance.db'))
    migration.db_sync(engine=engine)
    conf = helpers.fresh_conf()
    conf.register_opts(config.image_opts)
    helpers.set_datadir(conf, datadir)
    yield images.ImageService(repository.SqlImageRepository(engine),
                              store.StoreRegistry(conf),
                              policy.Authorizer(conf), conf)
    engine.dispose()


@pytest.fixture(scope='module')
def web(tmp_path_factory):
    with serving(tmp_path_factory.mktemp('web'), **{'disk.img': DATA}) as web:
        yield web


def queued(service, **attributes):
    return service.create(OWNER, dict(attributes, disk_format='raw',
                                      container_format='bare'))


def test_upload_with_the_right_checksum_activates(service):
    image = queued(service)
    active = service.upload(OWNER, image.id, io.BytesIO(DATA), len(DATA),
                            checksum=MD5)
    assert active.status == 'active' and active.checksum == MD5


def test_checksum_mismatch_kills_and_leaves_no_data(service, datadir):
    image = queued(service)
    with pytest.raises(exception.ChecksumMismatch, match='killed'):
        service.upload(OWNER, image.id, io.BytesIO(DATA), checksum='0' * 32)
    assert service.get(OWNER, image.id).status == 'killed'
    assert os.listdir(datadir) == []
    with pytest.raises(exception.Conflict):
        service.upload(OWNER, image.id, io.BytesIO(DATA))


@pytest.mark.parametrize('kill, status', [(False, 'queued'),
                                          (True, 'killed')])
def test_a_failed_upload_requeues_or_kills(service, datadir, kill, status):
    service.conf.set_override('image_size_cap', 1000)
    image = queued(service)
    with pytest.raises(exception.ImageSizeLimitExceeded):
        service.upload(OWNER, image.id, io.BytesIO(DATA),
                       kill_on_failure=kill)
    assert service.get(OWNER, image.id).status == status
    assert os.listdir(datadir) == []


def test_a_declared_size_over_the_cap_never_leaves_the_image_saving(
        service):
    service.conf.set_override('image_size_cap', 1000)
    image = queued(service)
    with pytest.raises(exception.ImageSizeLimitExceeded):
        service.upload(OWNER, image.id, io.BytesIO(b''), 2000)
    assert service.get(OWNER, image.id).status == 'queued'


def test_copy_from_streams_the_source_into_the_store(service, web, datadir):
    image = queued(service)
    active = service.copy_from(OWNER, image.id, web.url('chunked/disk.img'),
                               checksum=MD5)
    assert active.status == 'active' and active.size == len(DATA)
    assert active.locations[0].url.startswith('file://')
    assert os.listdir(datadir) == [image.id]
    _, data = service.download(OWNER, image.id)
    with data:
        assert b''.join(data) == DATA


def test_copy_from_a_missing_source_kills_with_kill_on_failure(service,
                                                                web):
    image = queued(service)
    with pytest.raises(exception.NotFound):
        service.copy_from(OWNER, image.id, web.url('missing.img'),
                          kill_on_failure=True)
    assert service.get(OWNER, image.id).status == 'killed'


@pytest.mark.parametrize('uri', ['file:///etc/passwd',
                                 'rbd://fsid/pool/image/snap'])
def test_sources_other_than_http_swift_s3_are_refused(service, uri):
    image = queued(service)
    for call in (service.copy_from, service.set_location):
        with pytest.raises(exception.BadStoreUri):
            call(OWNER, image.id, uri)
    assert service.get(OWNER, image.id).status == 'queued'


def test_swift_sources_are_accepted_but_cannot_be_read(service):
    image = queued(service)
    with pytest.raises(exception.StoreUnavailable, match='swift://'):
        service.copy_from(OWNER, image.id, 'swift://account/c/o',
                          kill_on_failure=True)
    located = service.set_location(OWNER, queued(service).id,
                                   'swift://account/c/o', size=10)
    assert located.status == 'active' and located.size == 10
    with pytest.raises(exception.StoreUnavailable, match='swift://'):
        service.download(OWNER, located.id)


def test_location_is_served_from_there_and_left_there_on_delete(service, web,
                                                          datadir):
    image = queued(service)
    active = service.set_location(OWNER, image.id, web.url('disk.img'),
                                  checksum=MD5)
    assert active.status == 'active' and active.size == len(DATA)
    assert active.checksum == MD5 and os.listdir(datadir) == []
    _, data = service.download(OWNER, image.id, lambda size: (10, 20))
    with data:
        assert b''.join(data) == DATA[10:30]
    service.delete(OWNER, image.id)
    with pytest.raises(exception.NotFound):
        service.get(OWNER, image.id)
    assert service.stores.get_size(web.url('disk.img')) == len(DATA)


def test_location_size_must_match_what_the_server_says(service, web):
    image = queued(service)
    with pytest.raises(exception.Conflict, match='must match'):
        service.set_location(OWNER, image.id, web.url('disk.img'), size=1)
    assert service.get(OWNER, image.id).status == 'queued'


@pytest.mark.parametrize('formats, expected', [
    ({'disk_format': 'aki'}, ('aki', 'aki')),
    ({'container_format': 'ari'}, ('ari', 'ari')),
    ({'disk_format': 'ami', 'container_format': 'ami'}, ('ami', 'ami')),
    ({'disk_format': 'raw', 'container_format': 'bare'}, ('raw', 'bare')),
])
def test_amazon_formats_are_completed(service, formats, expected):
    image = service.create(OWNER, formats)
    assert (image.disk_format, image.container_format) == expected


def test_amazon_formats_must_match(service):
    with pytest.raises(exception.Invalid, match='must match'):
        service.create(OWNER, {'disk_format': 'aki',
                               'container_format': 'bare'})


def test_update_metadata_purges_and_keeps_properties(service):
    image = service.create(OWNER, {'name': 'a'}, {'x': '1', 'y': '2'})
    kept = service.update_metadata(OWNER, image.id, {'min_ram': 5},
                                   {'z': '3'})
    assert kept.extra_properties == {'x': '1', 'y': '2', 'z': '3'}
    purged = service.update_metadata(OWNER, image.id, {}, {'x': '9'},
                                     purge_properties=True)
    assert purged.extra_properties == {'x': '9'} and purged.min_ram == 5


def test_update_metadata_refuses_other_values_of_read_only_fields(service):
    image = queued(service)
    service.upload(OWNER, image.id, io.BytesIO(DATA))
    same = {'status': 'active', 'size': len(DATA), 'checksum': MD5}
    service.update_metadata(OWNER, image.id, {}, {}, expected=same)
    for name, value in (('size', 1), ('status', 'queued')):
        with pytest.raises(exception.Forbidden, match=name):
            service.update_metadata(OWNER, image.id, {}, {},
                                    expected={name: value})
    with pytest.raises(exception.Conflict, match='queued'):
        service.update_metadata(OWNER, image.id, {}, {},
                                require_status='queued')


@pytest.mark.parametrize('name', ['min_ram', 'name', 'id', 'checksum',
                                  'is_public'])
def test_properties_cannot_take_attribute_names(service, name):
    with pytest.raises(exception.Forbidden):
        service.create(OWNER, {}, {name: 'x'})
    image = service.create(OWNER, {})
    with pytest.raises(exception.Forbidden):
        service.update_metadata(OWNER, image.id, {}, {name: 'x'})


def test_is_public_maps_to_visibility(service):
    public = service.create(ADMIN, {'is_public': True})
    assert public.visibility == 'public' and public.is_public
    assert service.create(OWNER, {'is_public': False}).visibility == 'shared'
    private = service.create(OWNER, {'visibility': 'private'})
    assert service.update_metadata(OWNER, private.id, {'is_public': False},
                                   {}).visibility == 'private'
    assert service.update_metadata(ADMIN, public.id, {'is_public': False},
                                   {}).visibility == 'shared'
    with pytest.raises(exception.Forbidden):
        service.update_metadata(OWNER, private.id, {'is_public': True}, {})


def test_admin_as_user_lists_like_anyone_else(service):
    mine = service.create(ADMIN, {'name': 'mine'})
    theirs = service.create(OWNER, {'name': 'theirs'})
    as_admin = service.list(ADMIN, ImageQuery())
    as_user = service.list(ADMIN, ImageQuery(admin_as_user=True))
    assert {i.id for i in as_admin} == {mine.id, theirs.id}
    assert [i.id for i in as_user] == [mine.id]


def test_an_unknown_marker_is_invalid(service):
    with pytest.raises(exception.InvalidParameterValue, match='marker'):
        service.list(OWNER, ImageQuery(
            marker='0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'))
