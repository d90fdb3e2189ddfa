"""The tenant matrix: for every visibility and member status, and every
persona, what each call answers, as Glance (secure-RBAC defaults) answers.

Identity comes from the trusted-auth headers, with the roles Keystone
gives (a member is a reader too); tests/functional/test_keystone.py runs a
representative part of it against a real Keystone.  Project ``alpha`` owns
every image; ``beta`` is the project images are shared with.
"""

import pytest

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import UNKNOWN_ID

# kind: (visibility, beta's membership status or None)
KINDS = {
    'private': ('private', None),
    'shared': ('shared', None),
    'shared-pending': ('shared', 'pending'),
    'shared-accepted': ('shared', 'accepted'),
    'shared-rejected': ('shared', 'rejected'),
    'community': ('community', None),
    'public': ('public', None),
}
# persona: (project, roles); None: anonymous
PERSONAS = {
    'owner-member': ('alpha', 'member,reader'),
    'owner-reader': ('alpha', 'reader'),
    'other-member': ('beta', 'member,reader'),
    'other-reader': ('beta', 'reader'),
    'admin': ('ops', 'admin,member,reader'),
    'anonymous': None,
}
OWNERS = ('owner-member', 'owner-reader')
OTHERS = ('other-member', 'other-reader')
WRITERS = ('owner-member', 'admin')


def sees(persona, kind):
    """Glance's answer to "may this persona see this image at all"."""
    if persona in OWNERS or persona == 'admin':
        return True
    if persona in OTHERS:
        visibility, status = KINDS[kind]
        return visibility in ('public', 'community') or status is not None
    return False    # anonymous: no role passes get_image


def listed(persona, visibility=None, member_status='accepted'):
    """The kinds GET /v2/images lists for ``persona`` with the filters."""
    kinds = set()
    for kind, (image_visibility, status) in KINDS.items():
        if visibility is not None and image_visibility != visibility:
            continue
        owned = persona in OWNERS
        member = persona in OTHERS and status is not None and (
            member_status == 'all' or status == member_status)
        seen = (persona == 'admin' or owned or member or
                image_visibility in ('public', 'community'))
        if visibility is None and image_visibility == 'community' \
                and not owned:
            seen = False
        if seen:
            kinds.add(kind)
    return kinds


def expect_write(persona, kind, success):
    """Writes of the owning project's members and admins succeed; a
    persona that sees the image but may not write gets 403; one that does
    not see it gets 404."""
    if not sees(persona, kind):
        return 404
    return success if persona in WRITERS else 403


@pytest.fixture
def world(make_api, data_api):
    """An image of every kind, all with data, owned by alpha; a client per
    persona."""
    api = make_api(flavor='trusted-auth', data_api=data_api,
                   conf={'DEFAULT': {'allow_anonymous_access': True}})
    clients = {name: api if identity is None else as_project(api, *identity)
               for name, identity in PERSONAS.items()}
    alpha, admin = clients['owner-member'], clients['admin']
    beta = clients['other-member']
    images = {}
    for kind, (visibility, status) in KINDS.items():
        creator = admin if visibility == 'public' else alpha
        image = creator.post('/v2/images', json={
            'name': kind, 'visibility': visibility, 'owner': 'alpha',
            'disk_format': 'raw', 'container_format': 'bare'})
        assert image.status_code == 201, image.text
        image_id = image.json()['id']
        assert alpha.put('/v2/images/%s/file' % image_id, data=b'bits',
                         headers=OCTET).status_code == 204
        if status is not None:
            path = '/v2/images/%s/members' % image_id
            assert alpha.post(path, json={'member': 'beta'}).status_code \
                == 200
            if status != 'pending':
                assert beta.put(path + '/beta', json={
                    'status': status}).status_code == 200
        images[kind] = image_id
    return clients, images


@pytest.fixture(params=sorted(PERSONAS))
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


def _ids(response):
    assert response.status_code == 200, response.text
    return {image['id'] for image in response.json()['images']}


def test_lists(client, images, persona):
    kind_of = {image_id: kind for kind, image_id in images.items()}
    cases = [{}, {'visibility': 'private'}, {'visibility': 'shared'},
             {'visibility': 'community'}, {'visibility': 'public'},
             {'member_status': 'pending'}, {'member_status': 'rejected'},
             {'member_status': 'all'},
             {'visibility': 'shared', 'member_status': 'all'}]
    for params in cases:
        response = client.get('/v2/images', params=params)
        if persona == 'anonymous':
            assert response.status_code == 403, params
            continue
        assert {kind_of[i] for i in _ids(response)} == listed(
            persona, **params), params


def test_markers(client, images, persona):
    """A marker naming an image the caller may not see is answered as one
    naming no image at all (one it sees is a marker, listed or not, as in
    Glance)."""
    if persona == 'anonymous':
        return
    unknown = client.get('/v2/images', params={'marker': UNKNOWN_ID})
    assert unknown.status_code == 400
    for kind, image_id in images.items():
        response = client.get('/v2/images', params={'marker': image_id})
        if sees(persona, kind):
            assert response.status_code == 200, kind
        else:
            assert (response.status_code, response.text.replace(
                image_id, UNKNOWN_ID)) == (400, unknown.text), kind


def test_reads(client, images, persona):
    for kind, image_id in images.items():
        path = '/v2/images/' + image_id
        shown = client.get(path)
        assert shown.status_code == (200 if sees(persona, kind) else 404), \
            kind
        if shown.status_code == 404:
            # Exactly what an id naming no image gets.
            unknown = client.get('/v2/images/' + UNKNOWN_ID)
            assert shown.text.replace(image_id, UNKNOWN_ID) == unknown.text
        # Image API v1 answers the same, in headers.
        v1 = client.head('/v1/images/' + image_id)
        assert v1.status_code == shown.status_code, kind
        if v1.status_code == 404:
            assert not any(image_id in value
                           for name, value in v1.headers.items()
                           if name.lower().startswith('x-image-meta'))
        data = client.get(path + '/file')
        if not sees(persona, kind):
            assert data.status_code == 404, kind
        elif persona in ('owner-reader', 'other-reader'):
            # Glance's download_image asks for the member role.
            assert data.status_code == 403, kind
        else:
            assert (data.status_code, data.content) == (200, b'bits'), kind


def test_writes(client, images, persona):
    for kind, image_id in images.items():
        path = '/v2/images/' + image_id
        assert patch(client, image_id, {
            'op': 'replace', 'path': '/name', 'value': 'x'}).status_code \
            == expect_write(persona, kind, 200), kind
        assert client.put(path + '/tags/t').status_code == expect_write(
            persona, kind, 204), kind
        assert client.post(path + '/actions/deactivate').status_code == \
            expect_write(persona, kind, 204), kind
        assert client.delete(path).status_code == expect_write(
            persona, kind, 204), kind


def test_members(client, images, persona):
    for kind, image_id in images.items():
        visibility, status = KINDS[kind]
        path = '/v2/images/%s/members' % image_id
        listing = client.get(path)
        if not sees(persona, kind):
            assert listing.status_code == 404, kind
            assert client.put(path + '/beta', json={
                'status': 'accepted'}).status_code == 404, kind
            continue
        if visibility != 'shared':
            # Only shared images have members; and only the owner's
            # project shares, as far as policy goes.
            assert listing.status_code == 403, kind
            continue
        assert listing.status_code == 200, kind
        members = {m['member_id'] for m in listing.json()['members']}
        assert members == ({'beta'} if status else set()), kind
        added = client.post(path, json={'member': 'gamma'})
        assert added.status_code == (200 if persona in WRITERS else 403), \
            kind
        if status is None:
            continue
        answered = client.put(path + '/beta', json={'status': 'accepted'})
        may_answer = persona in ('other-member', 'admin')
        assert answered.status_code == (200 if may_answer else 403), kind


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
