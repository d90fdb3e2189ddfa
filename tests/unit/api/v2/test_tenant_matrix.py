"""The tenant matrix of tests/tenant_matrix.py in process, identity from
the trusted-auth headers, in both data_api modes: project ``alpha`` owns
every image, ``beta`` is the project images are shared with, and the
administrator is of project ``ops``."""

import pytest

from tests import tenant_matrix as matrix
from tests.unit.api.helpers import as_project

# persona: (project, roles); None: anonymous
IDENTITIES = {
    'owner-member': ('alpha', 'member,reader'),
    'owner-reader': ('alpha', 'reader'),
    'other-member': ('beta', 'member,reader'),
    'other-reader': ('beta', 'reader'),
    'admin': ('ops', 'admin,member,reader'),
    'anonymous': None,
}


@pytest.fixture
def world(make_api, data_api):
    """A client per persona, and an image of every kind owned by alpha."""
    api = make_api(flavor='trusted-auth', data_api=data_api,
                   conf={'DEFAULT': {'allow_anonymous_access': True}})
    clients = {name: api if identity is None else as_project(api, *identity)
               for name, identity in IDENTITIES.items()}
    return clients, matrix.make_images(clients, 'alpha', 'beta')


@pytest.fixture(params=matrix.PERSONAS)
def persona(request):
    return request.param


@pytest.fixture
def client(world, persona):
    """The client of ``persona``."""
    return world[0][persona]


@pytest.fixture
def images(world):
    """The id of the image of each kind."""
    return world[1]


def test_lists(client, images, persona):
    matrix.check_lists(client, images, persona)


def test_markers(client, images, persona):
    matrix.check_markers(client, images, persona)


def test_reads(client, images, persona):
    matrix.check_reads(client, images, persona)


def test_changes(client, images, persona):
    matrix.check_changes(client, images, persona, 'beta')


def test_a_caller_with_a_user_but_no_project(make_api, data_api):
    """A token naming no project reaches no project's images: policy
    refuses lists and writes (no project matches), public images are
    shown, other images are not found."""
    api = make_api(flavor='trusted-auth', data_api=data_api)
    alpha = as_project(api, 'alpha')
    nobody = api.with_headers({'X-Identity-Status': 'Confirmed',
                               'X-User-Id': 'u-1',
                               'X-Roles': 'member,reader'})
    ops = as_project(api, 'ops', 'admin,member,reader')
    private = alpha.post('/v2/images', json={'name': 'p'}).json()
    public = ops.post('/v2/images', json={
        'name': 'q', 'visibility': 'public'}).json()
    assert nobody.get('/v2/images').status_code == 403
    assert nobody.get('/v2/images/' + private['id']).status_code == 404
    assert nobody.get('/v2/images/' + public['id']).status_code == 200
    assert nobody.post('/v2/images', json={'name': 'x'}).status_code == 403
    assert nobody.delete('/v2/images/' + public['id']).status_code == 403
