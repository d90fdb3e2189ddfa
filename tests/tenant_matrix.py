"""The tenant matrix: for every visibility and member status, and every
persona, what each call answers, as Glance (secure-RBAC defaults) answers.

One table, run twice: in process with trusted-auth identity headers
(tests/unit/api/v2/test_tenant_matrix.py) and over HTTP against real
glance-api and glance-registry processes with real Keystone tokens
(tests/functional/test_tenant_matrix.py), in both data_api modes.  A
runner gives a requests-like client per persona (``get/post/put/patch/
delete/head(path, json=, data=, headers=, params=)``) and the ids of the
owning project (``owner``) and of the project images are shared with
(``member``).
"""

import hashlib
import json

# kind: (visibility, the member project's status or None)
KINDS = {
    'private': ('private', None),
    'shared': ('shared', None),
    'shared-pending': ('shared', 'pending'),
    'shared-accepted': ('shared', 'accepted'),
    'shared-rejected': ('shared', 'rejected'),
    'community': ('community', None),
    'public': ('public', None),
    'public-hidden': ('public', None),
}
# Kinds with os_hidden: listed only when the list asks for hidden images.
HIDDEN = ('public-hidden',)
# Persona names; each runner says who they are (roles as Keystone gives
# them: a member is a reader too, an admin a member).
PERSONAS = ('owner-member', 'owner-reader', 'other-member', 'other-reader',
            'admin', 'anonymous')
OWNERS = ('owner-member', 'owner-reader')
OTHERS = ('other-member', 'other-reader')
WRITERS = ('owner-member', 'admin')
# The personas some call of check_changes succeeds for: each needs images
# of its own.
CHANGERS = WRITERS + ('other-member',)
DATA = b'bits'
UNKNOWN_ID = '0b2ad5f4-1c2b-4f45-b0a8-30bd1b0fd2f7'
OCTET = {'Content-Type': 'application/octet-stream'}
PATCH = {'Content-Type': 'application/openstack-images-v2.1-json-patch'}
# Filters every image of the matrix matches, and those one kind matches.
COMMON_FILTERS = ({'checksum': hashlib.md5(DATA).hexdigest()},
                  {'os_hash_value': hashlib.sha512(DATA).hexdigest()},
                  {'tag': 'matrix'}, {'disk_format': 'raw'})
LIST_CASES = ({}, {'visibility': 'private'}, {'visibility': 'shared'},
              {'visibility': 'community'}, {'visibility': 'public'},
              {'member_status': 'pending'}, {'member_status': 'rejected'},
              {'member_status': 'all'},
              {'visibility': 'shared', 'member_status': 'all'},
              {'os_hidden': 'true'}, {'os_hidden': 'false'},
              {'os_hidden': 'true', 'visibility': 'public'})
# The parameters of LIST_CASES listed() takes.
LISTED_BY = ('visibility', 'member_status', 'os_hidden')


def sees(persona, kind):
    """Glance's answer to "may this persona see this image at all"."""
    if persona in OWNERS or persona == 'admin':
        return True
    if persona in OTHERS:
        visibility, status = KINDS[kind]
        return visibility in ('public', 'community') or status is not None
    return False    # anonymous: no role passes get_image


def listed(persona, visibility=None, member_status='accepted',
           os_hidden='false'):
    """The kinds GET /v2/images lists for ``persona`` with the filters."""
    kinds = set()
    for kind, (image_visibility, status) in KINDS.items():
        if visibility is not None and image_visibility != visibility:
            continue
        if (kind in HIDDEN) != (os_hidden == 'true'):
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


def make_images(clients, owner, member):
    """An image of every kind, all with data, owned by ``owner``, shared
    with ``member`` as the kind says: ``{kind: id}``."""
    alpha, admin = clients['owner-member'], clients['admin']
    beta = clients['other-member']
    images = {}
    for kind, (visibility, status) in KINDS.items():
        creator = admin if visibility == 'public' else alpha
        image = creator.post('/v2/images', json={
            'name': kind, 'visibility': visibility, 'owner': owner,
            'disk_format': 'raw', 'container_format': 'bare',
            'tags': ['matrix'], 'matrix_kind': kind,
            'os_hidden': kind in HIDDEN})
        assert image.status_code == 201, image.text
        image_id = image.json()['id']
        assert alpha.put('/v2/images/%s/file' % image_id, data=DATA,
                         headers=OCTET).status_code == 204
        if status is not None:
            path = '/v2/images/%s/members' % image_id
            added = alpha.post(path, json={'member': member})
            assert added.status_code == 200, added.text
            if status != 'pending':
                assert beta.put('%s/%s' % (path, member), json={
                    'status': status}).status_code == 200
        images[kind] = image_id
    return images


def patch(client, image_id, *operations):
    return client.patch('/v2/images/' + image_id,
                        data=json.dumps(list(operations)), headers=PATCH)


def _ids(response, images):
    """The ids of ``images`` a list answered (others may exist: the images
    of the other personas' own)."""
    assert response.status_code == 200, response.text
    return {image['id'] for image in response.json()['images']} & set(
        images.values())


def check_lists(client, images, persona):
    """Every list, by visibility and member status, and with the filters
    that would single out an image, lists exactly what Glance lists."""
    kind_of = {image_id: kind for kind, image_id in images.items()}
    for params in LIST_CASES + COMMON_FILTERS:
        response = client.get('/v2/images', params=params)
        if persona == 'anonymous':
            assert response.status_code == 403, params
            continue
        assert {kind_of[i] for i in _ids(response, images)} == \
            listed(persona, **{k: v for k, v in params.items()
                               if k in LISTED_BY}), \
            params
    if persona == 'anonymous':
        return
    for kind, image_id in images.items():
        expected = {image_id} if kind in listed(persona) else set()
        for params in ({'id': image_id}, {'name': kind},
                       {'matrix_kind': kind},
                       {'id': 'in:%s,%s' % (image_id, UNKNOWN_ID)}):
            assert _ids(client.get('/v2/images', params=params),
                        images) == expected, (kind, params)


def check_markers(client, images, persona):
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


def check_reads(client, images, persona):
    """Show, v1 HEAD, download and the member list: what Glance answers,
    and for an image the caller may not see, exactly what an id naming no
    image gets."""
    unknown = {
        'show': client.get('/v2/images/' + UNKNOWN_ID),
        'file': client.get('/v2/images/%s/file' % UNKNOWN_ID),
        'members': client.get('/v2/images/%s/members' % UNKNOWN_ID),
        'v1': client.head('/v1/images/' + UNKNOWN_ID)}
    for kind, image_id in images.items():
        path = '/v2/images/' + image_id
        answers = {'show': client.get(path),
                   'file': client.get(path + '/file'),
                   'members': client.get(path + '/members'),
                   'v1': client.head('/v1/images/' + image_id)}
        if not sees(persona, kind):
            for call, answer in answers.items():
                assert (answer.status_code, answer.text.replace(
                    image_id, UNKNOWN_ID)) == (404, unknown[call].text), \
                    (kind, call)
            assert not any(image_id in value
                           for value in answers['v1'].headers.values())
            continue
        assert answers['show'].status_code == 200, kind
        assert answers['v1'].status_code == 200, kind
        if persona in ('owner-reader', 'other-reader'):
            # Glance's download_image asks for the member role.
            assert answers['file'].status_code == 403, kind
        else:
            assert (answers['file'].status_code,
                    answers['file'].content) == (200, DATA), kind


def check_v1_lists(client, images, persona, member):
    """Image API v1's lists, with every is_public, a name filter or a
    marker, and /v1/shared-images, list no image the caller may not see,
    and a marker naming one is answered as an unknown one."""
    seen = {image_id for kind, image_id in images.items()
            if sees(persona, kind)}
    cases = [('/v1/images', {}), ('/v1/images/detail', {})]
    cases += [('/v1/images/detail', {'is_public': value})
              for value in ('none', 'true', 'false')]
    cases += [('/v1/images/detail', {'name': kind, 'is_public': 'none'})
              for kind in KINDS]
    cases += [('/v1/shared-images/' + member, {}),
              ('/v1/shared-images/gamma', {})]
    for path, params in cases:
        response = client.get(path, params=params)
        if persona == 'anonymous' and response.status_code == 403:
            continue    # no role passes get_images
        assert response.status_code == 200, (path, params, response.text)
        body = response.json()
        listed_ids = {image['id'] for image in body.get('images', [])} | {
            entry['image_id'] for entry in body.get('shared_images', [])}
        assert listed_ids & set(images.values()) <= seen, (path, params)
    if persona == 'anonymous':
        return
    unknown = client.get('/v1/images/detail', params={
        'marker': UNKNOWN_ID, 'is_public': 'none'})
    for kind, image_id in images.items():
        if not sees(persona, kind):
            answer = client.get('/v1/images/detail', params={
                'marker': image_id, 'is_public': 'none'})
            assert (answer.status_code, answer.text.replace(
                image_id, UNKNOWN_ID)) == (400, unknown.text), kind


def check_changes(client, images, persona, member):
    """Member calls (list, add, remove, show, answer), then update, tag,
    deactivate and delete: Glance's
    answers.  The calls that succeed change the images: a persona of
    CHANGERS needs images of its own."""
    for kind, image_id in images.items():
        visibility, status = KINDS[kind]
        path = '/v2/images/%s/members' % image_id
        listing = client.get(path)
        if not sees(persona, kind):
            assert listing.status_code == 404, kind
            assert client.put('%s/%s' % (path, member), json={
                'status': 'accepted'}).status_code == 404, kind
            continue
        if visibility != 'shared':
            # Only shared images have members; and only the owner's
            # project shares, as far as policy goes.
            assert listing.status_code == 403, kind
            continue
        assert listing.status_code == 200, kind
        members = {m['member_id'] for m in listing.json()['members']}
        assert members == ({member} if status else set()), kind
        added = client.post(path, json={'member': 'gamma'})
        assert added.status_code == (200 if persona in WRITERS else 403), \
            kind
        removed = client.delete(path + '/gamma')
        assert removed.status_code == (204 if persona in WRITERS else 403), \
            kind
        shown = client.get('%s/%s' % (path, member))
        assert shown.status_code == (200 if status else 404), kind
        if status is None:
            continue
        answered = client.put('%s/%s' % (path, member),
                              json={'status': 'accepted'})
        may_answer = persona in ('other-member', 'admin')
        assert answered.status_code == (200 if may_answer else 403), kind
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
