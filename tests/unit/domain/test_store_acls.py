"""Store ACLs follow an image's members and visibility: glance-api in
process, swift in multi-tenant mode behind a real Keystone
(``keystone_swift``), callers with real tokens and service catalogs; and
StoreAcls alone, on stand-ins, for what the stores are asked and its error
path."""

import json
import os
import uuid

import pytest
import swiftclient

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import store_acls
from tests.unit.api import helpers

MiB = 1024 * 1024


def as_user(api, keystone, user):
    """A client of ``api`` calling with ``user``'s token, as authtoken
    would pass it on; and its project id and token."""
    session = keystone.session(user)
    access = session.auth.get_access(session)
    return api.with_headers({
        'X-Identity-Status': 'Confirmed', 'X-User-Id': access.user_id,
        'X-Project-Id': access.project_id, 'X-Roles': ','.join(
            access.role_names), 'X-Auth-Token': access.auth_token,
        'X-Service-Catalog': json.dumps(access.service_catalog.catalog),
    }), access.project_id, access.auth_token


@pytest.fixture
def prefix():
    return 'acl%s' % uuid.uuid4().hex[:8]


@pytest.fixture
def api(make_api, keystone_swift, prefix):
    return make_api(flavor='trusted-auth', conf={'glance_store': {
        'stores': ['file', 'swift'], 'default_store': 'swift',
        'swift_store_multi_tenant': True, 'swift_store_container': prefix,
        'swift_store_large_object_size': 1,
        'swift_store_large_object_chunk_size': 1}})


def test_members_and_visibility_decide_who_reads_the_data(
        api, keystone, keystone_swift, prefix):
    owner, owner_project, _ = as_user(api, keystone, 'alpha-member')
    member, member_project, member_token = as_user(api, keystone,
                                                   'beta-member')
    image = helpers.create(owner, name='shared', disk_format='raw',
                           container_format='bare', visibility='shared')
    data = os.urandom(2 * MiB + 3)
    response = helpers.upload(owner, image['id'], data)
    assert response.status_code == 204, response.text
    container = '%s_%s' % (prefix, image['id'])
    # The data is in the owner's account; the member's token reads it
    # there only while the ACLs allow it.
    storage_url = '%s/v1/AUTH_%s' % (keystone_swift.keystone_proxy_url,
                                     owner_project)

    def member_reads_swift():
        try:
            swiftclient.head_object(storage_url, member_token, container,
                                    image['id'])
            return True
        except swiftclient.ClientException as e:
            assert e.http_status == 403
            return False

    assert not member_reads_swift()
    response = owner.post('/v2/images/%s/members' % image['id'],
                          json={'member': member_project})
    assert response.status_code == 200, response.text
    assert member_reads_swift()
    response = member.get('/v2/images/%s/file' % image['id'])
    assert response.status_code == 200 and response.content == data
    response = owner.delete('/v2/images/%s/members/%s'
                            % (image['id'], member_project))
    assert response.status_code == 204, response.text
    assert not member_reads_swift()
    response = helpers.patch(owner, image['id'], {
        'op': 'replace', 'path': '/visibility', 'value': 'community'})
    assert response.status_code == 200, response.text
    assert member_reads_swift()
    response = member.get('/v2/images/%s/file' % image['id'])
    assert response.status_code == 200 and response.content == data


class Stores:
    """A StoreRegistry whose swift:// store keeps ACLs: what it was asked,
    and a failure to raise if given."""

    def __init__(self, failure=None):
        self.calls = []
        self.failure = failure

    def keeps_acls(self, uri):
        return uri.startswith('swift')

    def set_acls(self, uri, public, read_tenants):
        self.calls.append((uri, public, list(read_tenants)))
        if self.failure:
            raise self.failure


class Members:
    def __init__(self, *member_ids):
        self.asked = 0
        self.member_ids = member_ids

    def members(self, image_id):
        self.asked += 1
        return [image_mod.Member(image_id=image_id, member_id=member_id)
                for member_id in self.member_ids]


def image_at(visibility, *uris):
    return image_mod.Image(visibility=visibility, locations=[
        image_mod.Location(uri) for uri in uris])


@pytest.mark.parametrize('visibility, public, readers', [
    ('public', True, []), ('community', True, []),
    ('shared', False, ['p1', 'p2']), ('private', False, [])])
def test_who_reads(visibility, public, readers):
    stores = Stores()
    store_acls.StoreAcls(Members('p1', 'p2'), stores).update(
        image_at(visibility, 'file:///a', 'swift+https://s/v1/AUTH_o/c/i'))
    assert stores.calls == [('swift+https://s/v1/AUTH_o/c/i', public,
                             readers)]


def test_stores_without_acls_cost_nothing():
    repo, stores = Members('p1'), Stores()
    store_acls.StoreAcls(repo, stores).update(image_at('shared', 'file:///a'))
    assert repo.asked == 0 and stores.calls == []


def test_a_store_that_fails_is_logged(caplog):
    stores = Stores(exception.StoreUnavailable(reason='HTTP 403'))
    image = image_at('shared', 'swift+https://s/v1/AUTH_o/c/i')
    store_acls.StoreAcls(Members('p1'), stores).update(image)
    assert 'Could not set who may read the data of image %s' % image.id \
        in caplog.text and 'HTTP 403' in caplog.text
