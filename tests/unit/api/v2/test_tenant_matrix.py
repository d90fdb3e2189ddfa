"""The tenant matrix of tests/tenant_matrix.py in process, identity from
the trusted-auth headers, in both data_api modes: project ``alpha`` owns
every image, ``beta`` is the project images are shared with, and the
administrator is of project ``ops``."""

import pytest
from oslo_config import cfg
from oslo_policy import opts as policy_opts

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


def make_world(make_api, data_api, **conf):
    """A client per persona, and an image of every kind owned by alpha."""
    api = make_api(flavor='trusted-auth', data_api=data_api, conf=dict(
        conf, DEFAULT={'allow_anonymous_access': True}))
    clients = {name: api if identity is None else as_project(api, *identity)
               for name, identity in IDENTITIES.items()}
    return clients, matrix.make_images(clients, 'alpha', 'beta')


@pytest.fixture
def world(make_api, data_api):
    return make_world(make_api, data_api)


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


def test_v1_lists(client, images, persona):
    matrix.check_v1_lists(client, images, persona, 'beta')


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


def test_readers_download_with_the_one_line_override(make_api, data_api,
                                                     tmp_path):
    """doc/policy.md's override: readers download whatever they may see,
    and still nothing else."""
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"download_image": "rule:get_image"\n')
    policy_opts.set_defaults(cfg.CONF)
    clients, images = make_world(make_api, data_api, oslo_policy={
        'policy_file': str(policy_file)})
    for persona in ('owner-reader', 'other-reader'):
        for kind, image_id in images.items():
            data = clients[persona].get('/v2/images/%s/file' % image_id)
            if matrix.sees(persona, kind):
                assert (data.status_code, data.content) == (
                    200, matrix.DATA), (persona, kind)
            else:
                assert data.status_code == 404, (persona, kind)
