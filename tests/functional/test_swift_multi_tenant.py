"""glance-api of the keystone flavor storing in swift's multi-tenant mode,
against a real Keystone and a Swift proxy taking its tokens
(``keystone_swift``), driven by python-glanceclient with real tokens: an
image lands in its owner's account, and only those it is shared with read
it there."""

import os
import uuid

from glanceclient import client as glanceclient
from glanceclient import exc as glance_exc
import pytest
import swiftclient

from tests.functional import stores
from tests import object_stores

MiB = 1024 * 1024


def test_images_live_in_their_owners_account(keystone, keystone_swift,
                                             make_api_server):
    prefix = 'mt%s' % uuid.uuid4().hex[:8]
    api = make_api_server(flavor='keystone', conf={
        'keystone_authtoken': keystone.authtoken_options(),
        'glance_store': dict(
            object_stores.swift_options(prefix,
                                        swift_store_multi_tenant=True),
            stores='file,http,swift', default_store='swift')})

    def glance(user):
        return glanceclient.Client('2', endpoint=api.url,
                                   session=keystone.session(user))

    def swift(user):
        return swiftclient.Connection(session=keystone.session(user),
                                      retries=0)

    owner, member = glance('alpha-member'), glance('beta-member')
    data = os.urandom(3 * MiB + 17)
    image = stores.create_raw(owner, 'tenant-owned')
    owner.images.upload(image['id'], stores.Unsized(data))
    container = '%s_%s' % (prefix, image['id'])
    stored = swift('alpha-member').head_object(container, image['id'])
    assert stored['x-static-large-object'] == 'True'
    with pytest.raises(glance_exc.HTTPNotFound):
        member.images.get(image['id'])

    def reads_from_swift(user):
        """Whether ``user``'s token reads the data in the owner's account.
        """
        owners_account = '%s/v1/AUTH_%s' % (
            keystone_swift.keystone_proxy_url, keystone.ids['alpha'])
        try:
            swiftclient.head_object(owners_account, keystone.token(user),
                                    container, image['id'])
            return True
        except swiftclient.ClientException as e:
            assert e.http_status == 403
            return False

    assert not reads_from_swift('beta-member')
    owner.image_members.create(image['id'], keystone.ids['beta'])
    assert b''.join(member.images.data(image['id'])) == data
    assert reads_from_swift('beta-member')
    assert not reads_from_swift('glance')  # Someone else.
    owner.image_members.delete(image['id'], keystone.ids['beta'])
    assert not reads_from_swift('beta-member')
    owner.images.delete(image['id'])
    assert container not in [
        c['name'] for c in swift('alpha-member').get_account()[1]]
