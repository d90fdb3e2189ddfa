"""The tenant matrix of tests/tenant_matrix.py over HTTP: real glance-api
(keystone flavor, anonymous access on) and glance-registry (keystone
pipeline) processes, real tokens of the test Keystone, in both data_api
modes; and the image cache, which must not reveal a private image either.

One server set per mode and one set of images per mode (a persona whose
calls change images gets its own), every persona on one kept-alive
connection.
"""

import pytest

from tests import tenant_matrix as matrix
from tests.functional.server import DATA_APIS
from tests.functional.test_keystone import Caller
from tests.functional.test_keystone import keystone_api_server

# persona: the Keystone user it is (tests/keystone_server.py); None:
# anonymous
USERS = {'owner-member': 'alpha-member', 'owner-reader': 'alpha-reader',
         'other-member': 'beta-member', 'other-reader': 'beta-reader',
         'admin': 'admin', 'anonymous': None}
ANONYMOUS = {'DEFAULT': {'allow_anonymous_access': True}}


@pytest.fixture(scope='module', params=sorted(DATA_APIS))
def glance(request, keystone, tmp_path_factory):
    server = keystone_api_server(
        keystone, tmp_path_factory.mktemp('glance-matrix'), request.param,
        conf=ANONYMOUS, registry_conf=ANONYMOUS)
    yield server
    server.stop()


@pytest.fixture(scope='module')
def clients(glance, keystone):
    callers = {persona: Caller(glance, user and keystone.token(user))
               for persona, user in USERS.items()}
    yield callers
    # A kept-alive connection would hold up the server's stop.
    for caller in callers.values():
        caller.session.close()


def make_images(clients, keystone):
    return matrix.make_images(clients, keystone.ids['alpha'],
                              keystone.ids['beta'])


@pytest.fixture(scope='module')
def images(clients, keystone):
    """The images the personas whose calls change nothing share."""
    return make_images(clients, keystone)


@pytest.fixture(params=matrix.PERSONAS)
def persona(request):
    return request.param


def test_lists(clients, images, persona):
    matrix.check_lists(clients[persona], images, persona)


def test_markers(clients, images, persona):
    matrix.check_markers(clients[persona], images, persona)


def test_reads(clients, images, persona):
    matrix.check_reads(clients[persona], images, persona)


def test_changes(clients, images, persona, keystone):
    if persona in matrix.CHANGERS:
        images = make_images(clients, keystone)
    matrix.check_changes(clients[persona], images, persona,
                         keystone.ids['beta'])
