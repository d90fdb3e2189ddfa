"""The tenant matrix of tests/tenant_matrix.py over HTTP: real glance-api
(keystone flavor, anonymous access on) and glance-registry (keystone
pipeline) processes, real tokens of the test Keystone, in both data_api
modes; and the image cache, which must not reveal a private image either.

One server set and one set of images per mode (a persona whose calls
change images gets its own), every persona on one kept-alive connection.
"""

import pytest

from tests import tenant_matrix as matrix
from tests.functional.server import DATA_APIS
from tests.functional.test_keystone import Caller
from tests.functional.test_keystone import keystone_api_server
from tests.functional.test_registry import eventually

# persona: the Keystone user it is (tests/keystone_server.py); None:
# anonymous
USERS = {'owner-member': 'alpha-member', 'owner-reader': 'alpha-reader',
         'other-member': 'beta-member', 'other-reader': 'beta-reader',
         'admin': 'admin', 'anonymous': None}
ANONYMOUS = {'DEFAULT': {'allow_anonymous_access': True}}


@pytest.fixture(params=sorted(DATA_APIS))
def glance(request, keystone, tmp_path):
    server = keystone_api_server(
        keystone, tmp_path / 'glance', request.param, conf=ANONYMOUS,
        registry_conf=ANONYMOUS)
    yield server
    server.stop()


def test_the_matrix(glance, keystone):
    """Every check of every persona, all failures reported together.  One
    test per mode, so that test workers never start a mode's servers
    twice."""
    clients = {persona: Caller(glance, user and keystone.token(user))
               for persona, user in USERS.items()}
    alpha, beta = keystone.ids['alpha'], keystone.ids['beta']
    failures = []

    def check(function, persona, *args):
        try:
            function(clients[persona], *args)
        except AssertionError as e:
            failures.append('%s, %s: %s' % (
                function.__name__, persona, str(e).splitlines()[0]))

    try:
        # The images the personas whose calls change nothing share.
        shared = matrix.make_images(clients, alpha, beta)
        for persona in matrix.PERSONAS:
            for function in (matrix.check_lists, matrix.check_markers,
                             matrix.check_reads):
                check(function, persona, shared, persona)
            check(matrix.check_v1_lists, persona, shared, persona, beta)
        for persona in matrix.PERSONAS:
            images = shared
            if persona in matrix.CHANGERS:
                images = matrix.make_images(clients, alpha, beta)
            check(matrix.check_changes, persona, images, persona, beta)
    finally:
        # A kept-alive connection would hold up the server's stop.
        for caller in clients.values():
            caller.session.close()
    assert not failures, '\n'.join(failures)


def test_the_cache_reveals_no_private_image(keystone, tmp_path):
    """A private image of alpha, in the cache once alpha downloaded it, is
    to beta exactly an id naming no image, cache hit or not; the cache's
    management routes are the administrator's.  (The cache sits in
    glance-api: the data_api mode changes nothing it decides.)"""
    cache = tmp_path / 'cache'
    server = keystone_api_server(
        keystone, tmp_path / 'glance', flavor='keystone+cachemanagement',
        conf={'DEFAULT': {'image_cache_dir': str(cache)}})
    callers = {user: Caller(server, keystone.token(user))
               for user in ('alpha-member', 'beta-member', 'admin')}
    alpha, beta = callers['alpha-member'], callers['beta-member']
    try:
        image_id = alpha.post('/v2/images', json={
            'name': 'secret', 'disk_format': 'raw',
            'container_format': 'bare'}).json()['id']
        assert alpha.put('/v2/images/%s/file' % image_id, data=matrix.DATA,
                         headers=matrix.OCTET).status_code == 204
        assert alpha.get('/v2/images/%s/file' % image_id).content == \
            matrix.DATA
        eventually(lambda: (cache / image_id).exists())
        for method, path in (('GET', '/v2/images/%s/file'),
                             ('HEAD', '/v2/images/%s/file'),
                             ('GET', '/v1/images/%s'),
                             ('HEAD', '/v1/images/%s'),
                             ('GET', '/v2/images/%s')):
            seen = beta(method, path % image_id)
            unknown = beta(method, path % matrix.UNKNOWN_ID)
            assert (seen.status_code, seen.text.replace(
                image_id, matrix.UNKNOWN_ID)) == (404, unknown.text), \
                (method, path)
            assert image_id not in str(seen.headers)
        for method, path in (('GET', '/v2/cache'),
                             ('GET', '/v1/cached_images'),
                             ('PUT', '/v2/cache/' + image_id),
                             ('DELETE', '/v2/cache/' + image_id),
                             ('DELETE', '/v1/cached_images/' + image_id)):
            answer = beta(method, path)
            assert answer.status_code == 403, (method, path)
            assert image_id not in answer.text
        assert image_id in callers['admin'].get('/v2/cache').text
        assert (cache / image_id).exists()
    finally:
        for caller in callers.values():
            caller.session.close()
        server.stop()
