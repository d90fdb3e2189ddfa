"""The swift driver against a real Swift whose proxy authenticates with a
real Keystone (the ``keystone_swift`` fixture): a service account reached
with Keystone v3 credentials, and multi-tenant containers in the callers'
own accounts, with the ACLs that let members read them.
"""

import io
import os
import uuid

from keystonemiddleware.auth_token import _request as auth_token_request
import pytest
import swiftclient

from glance.common import exception
from glance import context
from tests import keystone_server
from tests.object_stores import names_in
from tests.unit.store import helpers

MiB = 1024 * 1024


def write_v3_reference(path, keystone, password=keystone_server.PASSWORD):
    path.write_text(
        '[ref1]\nauth_version = 3\nauth_address = %s\nuser = service:glance'
        '\nkey = %s\nuser_domain_id = default\nproject_domain_id = default\n'
        % (keystone.url, password))
    return path


@pytest.fixture
def make_driver(tmp_path, keystone_swift, keystone, container):
    """``make_driver(password=..., **options)``: helpers.swift_driver on
    the test's container with the glance service user's Keystone v3
    reference."""
    def make(password=keystone_server.PASSWORD, **options):
        references = write_v3_reference(tmp_path / 'glance-swift.conf',
                                        keystone, password)
        return helpers.swift_driver(references, container, **options)
    return make


def account_client(keystone, user):
    """A swiftclient Connection to the account of ``user``'s project."""
    session = keystone.session(user)
    return swiftclient.Connection(session=session, retries=0)


def test_keystone_v3_round_trip(make_driver, keystone, keystone_swift,
                                container):
    driver = make_driver()
    data = os.urandom(3 * MiB + 5)
    stored = driver.add(str(uuid.uuid4()), io.BytesIO(data), len(data))
    assert stored.uri.startswith('swift+config://ref1/%s/' % container)
    # In the service project's account, behind the Keystone proxy.
    service = account_client(keystone, 'glance')
    assert service.get_auth()[0] == '%s/v1/AUTH_%s' % (
        keystone_swift.keystone_proxy_url, keystone.ids['service'])
    assert len(names_in(service, container)) == 5  # Manifest, 4 segments.
    assert helpers.read_all(driver, stored.uri) == data
    assert helpers.read_all(driver, stored.uri, MiB - 3, 6) == \
        data[MiB - 3:MiB + 3]
    # A token Swift refuses (expired, revoked) is replaced.
    url, _token = driver._auth_cache['ref1']
    driver._auth_cache['ref1'] = (url, 'gAAAAABrevoked')
    unsized = driver.add(str(uuid.uuid4()), helpers.Unsized(data))
    assert driver._auth_cache['ref1'][1] != 'gAAAAABrevoked'
    assert helpers.read_all(driver, unsized.uri) == data
    for uri in (stored.uri, unsized.uri):
        driver.delete(uri)
    assert service.get_container(container)[1] == []


def test_a_wrong_password_fails_uploads_clearly(make_driver, tmp_path):
    driver = make_driver(password='wrong')
    # The service starts: the stores are built without authenticating.
    registry = helpers.swift_by_default(driver.conf, tmp_path / 'images')
    with pytest.raises(exception.StoreUnavailable, match='Unauthorized'):
        registry.default_driver().add(str(uuid.uuid4()),
                                      io.BytesIO(b'data'), 4)


def caller(keystone, user, authtoken=False):
    """The RequestContext glance builds for ``user``'s token: project,
    token and service catalog, in v3's form or, with ``authtoken``, in the
    v2 form keystonemiddleware passes on in X-Service-Catalog."""
    session = keystone.session(user)
    access = session.auth.get_access(session)
    catalog = access.service_catalog.catalog
    if authtoken:
        catalog = auth_token_request._normalize_catalog(catalog)
    return context.RequestContext(
        project_id=access.project_id, auth_token=access.auth_token,
        service_catalog=catalog)


def test_multi_tenant_containers_and_acls(make_driver, keystone):
    owner = caller(keystone, 'alpha-member', authtoken=True)
    member, admin = (caller(keystone, user)
                     for user in ('beta-member', 'admin'))
    assert 'publicURL' in owner.service_catalog[0]['endpoints'][0]
    driver = make_driver(swift_store_multi_tenant=True,
                         swift_store_admin_tenants=[admin.project_id])
    data = os.urandom(2 * MiB + 7)
    image_id = str(uuid.uuid4())
    with context.bound(owner):
        stored = driver.add(image_id, io.BytesIO(data), None)
    container = '%s_%s' % (driver.container, image_id)
    # The data is in the owner's account, and only there.
    assert '/v1/AUTH_%s/%s/' % (keystone.ids['alpha'], container) in \
        stored.uri
    alpha = account_client(keystone, 'alpha-member')
    assert alpha.head_object(container, image_id)[
        'x-static-large-object'] == 'True'

    def readable_by(who):
        with context.bound(who):
            try:
                return helpers.read_all(driver, stored.uri) == data
            except exception.StoreUnavailable as e:
                assert '403' in str(e)
                return False

    assert readable_by(owner) and readable_by(admin)
    assert not readable_by(member)
    with context.bound(owner):
        driver.set_acls(stored.uri, read_tenants=[keystone.ids['beta']])
    assert readable_by(member)
    with context.bound(owner):
        driver.set_acls(stored.uri, read_tenants=[])
    assert not readable_by(member) and readable_by(admin)
    with context.bound(owner):
        driver.set_acls(stored.uri, public=True)
    assert readable_by(member)
    with context.bound(member):
        with pytest.raises(exception.StoreDeleteFailed, match='kept'):
            driver.delete(stored.uri)
    with context.bound(owner):
        driver.delete(stored.uri)
    assert container not in [c['name'] for c in alpha.get_account()[1]]
