"""Property protections through both Image APIs, in both data_api modes:
who may create, read, update and delete which extra properties."""

import pytest

from glance.common import exception
from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import meta
from tests.unit.api.helpers import patch
from tests.unit.api.helpers import show
from tests.unit.api.helpers import v1_post

ROLES_FILE = """
[^x_owner_]
create = admin,member
read = admin,member
update = admin,member
delete = admin,member

[^x_admin_]
create = admin
read = admin,Member
update = admin
delete = admin

[^x_secret_]
create = admin
read = admin
update = admin
delete = admin

[^x_frozen_]
create = admin,member
read = @
update = !
delete = !
"""

POLICIES_FILE = """
[^x_ops_]
create = context_is_admin
read = default
update = context_is_admin
delete = !

[.*]
create = default
read = @
update = default
delete = default
"""


def protected_api(make_api, tmp_path, data_api, text=ROLES_FILE,
                  rule_format='roles'):
    path = tmp_path / 'protections.conf'
    path.write_text(text)
    return make_api(flavor='trusted-auth', data_api=data_api, conf={
        'DEFAULT': {'property_protection_file': str(path),
                    'property_protection_rule_format': rule_format}})


@pytest.fixture
def clients(make_api, tmp_path, data_api):
    api = protected_api(make_api, tmp_path, data_api)
    return {'alice': as_project(api, 'alice'),
            'reader': as_project(api, 'alice', roles='reader'),
            'ops': as_project(api, 'ops', roles='admin')}


@pytest.fixture
def image(clients):
    """An image of alice's that ops gave every kind of property."""
    return create(clients['ops'], name='protected', owner='alice',
                  visibility='public', x_owner_a='1', x_admin_a='2',
                  x_secret_a='3', x_frozen_a='4')


def properties(view):
    return {name: value for name, value in view.items()
            if name.startswith('x_')}


def test_v2_create_needs_the_create_right_for_every_property(clients):
    alice = clients['alice']
    assert alice.post('/v2/images', json={'x_owner_a': '1'}).status_code \
        == 201
    for name in ('x_admin_a', 'x_secret_a', 'unmatched'):
        response = alice.post('/v2/images', json={name: '1'})
        assert response.status_code == 403, name
        assert "Property '%s' is protected" % name in response.text
    assert alice.get('/v2/images').json()['images'][0]['x_owner_a'] == '1'
    assert len(alice.get('/v2/images').json()['images']) == 1


def test_v2_reads_leave_out_what_the_caller_may_not_read(clients, image):
    everything = {'x_owner_a': '1', 'x_admin_a': '2', 'x_secret_a': '3',
                  'x_frozen_a': '4'}
    assert properties(image) == everything
    for path in ('/v2/images/' + image['id'], '/v2/images'):
        views = {
            name: clients[name].get(path).json() for name in clients}
        if path == '/v2/images':
            views = {name: view['images'][0] for name, view in views.items()}
        assert properties(views['ops']) == everything
        # Role names match whatever their case: "Member" reads x_admin_.
        assert properties(views['alice']) == {
            'x_owner_a': '1', 'x_admin_a': '2', 'x_frozen_a': '4'}
        assert properties(views['reader']) == {'x_frozen_a': '4'}


def test_v2_patch_follows_each_operation_right(clients, image):
    alice, image_id = clients['alice'], image['id']

    def answer(*operations):
        return patch(alice, image_id, *operations).status_code

    # Updates and removals the rules refuse.
    assert answer({'op': 'replace', 'path': '/x_admin_a',
                   'value': 'new'}) == 403
    assert answer({'op': 'replace', 'path': '/x_frozen_a',
                   'value': 'new'}) == 403
    assert answer({'op': 'remove', 'path': '/x_frozen_a'}) == 403
    assert answer({'op': 'remove', 'path': '/x_admin_a'}) == 403
    # What alice may not read does not exist for her...
    assert answer({'op': 'remove', 'path': '/x_secret_a'}) == 409
    assert answer({'op': 'replace', 'path': '/x_secret_a',
                   'value': 'new'}) == 409
    assert answer({'op': 'add', 'path': '/x_secret_a',
                   'value': 'new'}) == 403
    # ...setting a value a property has changes nothing...
    assert answer({'op': 'add', 'path': '/x_admin_a', 'value': '2'}) == 200
    # ...and what the rules allow is done.
    assert answer({'op': 'add', 'path': '/x_owner_b', 'value': 'b'}) == 200
    assert answer({'op': 'replace', 'path': '/x_owner_a',
                   'value': 'one'}) == 200
    assert answer({'op': 'remove', 'path': '/x_owner_b'}) == 200
    assert answer({'op': 'add', 'path': '/unmatched', 'value': 'u'}) == 403

    assert properties(show(clients['ops'], image_id).json()) == {
        'x_owner_a': 'one', 'x_admin_a': '2', 'x_secret_a': '3',
        'x_frozen_a': '4'}


def test_v2_admin_rights_follow_the_rules_too(clients, image):
    ops = clients['ops']
    assert patch(ops, image['id'], {'op': 'remove',
                                    'path': '/x_frozen_a'}).status_code == 403
    assert patch(ops, image['id'], {'op': 'replace', 'path': '/x_secret_a',
                                    'value': 's'}).status_code == 200


def test_v1_reads_leave_out_what_the_caller_may_not_read(clients, image):
    alice, reader = clients['alice'], clients['reader']
    headers = alice.head('/v1/images/' + image['id']).headers
    assert headers['x-image-meta-property-x_admin_a'] == '2'
    assert 'x-image-meta-property-x_secret_a' not in headers
    detail = reader.get('/v1/images/detail').json()['images'][0]
    assert detail['properties'] == {'x_frozen_a': '4'}


def test_v1_create_needs_the_create_right(clients):
    response = v1_post(clients['alice'], name='v1', property_x_admin_a='1')
    assert response.status_code == 403
    assert "Property 'x_admin_a' is protected" in response.text
    assert v1_post(clients['alice'], name='v1',
                   property_x_owner_a='1').status_code == 201


def test_v1_update_keeps_what_the_caller_cannot_read(clients, image):
    """A v1 PUT sends back the properties it was shown: unchanged ones
    need no right, the purge leaves unreadable ones alone, and changing
    or purging a protected one is refused."""
    alice, path = clients['alice'], '/v1/images/' + image['id']
    shown = {'property_x_owner_a': '1', 'property_x_admin_a': '2',
             'property_x_frozen_a': '4'}
    response = alice.put(path, headers=meta(**dict(shown, name='renamed')))
    assert response.status_code == 200, response.text
    assert alice.put(path, headers=meta(
        **dict(shown, property_x_admin_a='changed'))).status_code == 403
    without_frozen = dict(shown)
    del without_frozen['property_x_frozen_a']
    assert alice.put(path, headers=meta(**without_frozen)).status_code == 403
    assert alice.put(path, headers=meta(
        **dict(shown, property_x_owner_b='new'))).status_code == 200

    final = show(clients['ops'], image['id']).json()
    assert final['name'] == 'renamed'
    assert properties(final) == {
        'x_owner_a': '1', 'x_owner_b': 'new', 'x_admin_a': '2',
        'x_secret_a': '3', 'x_frozen_a': '4'}


def test_policies_format_evaluates_policy_rules(make_api, tmp_path,
                                                data_api):
    api = protected_api(make_api, tmp_path, data_api, POLICIES_FILE,
                        'policies')
    alice, ops = as_project(api, 'alice'), as_project(api, 'ops',
                                                      roles='admin')
    assert alice.post('/v2/images', json={'x_ops_a': '1'}).status_code == 403
    image = create(ops, owner='alice', x_ops_a='1', other='2')
    assert show(alice, image['id']).json()['x_ops_a'] == '1'
    assert patch(alice, image['id'], {'op': 'replace', 'path': '/x_ops_a',
                                      'value': 'x'}).status_code == 403
    assert patch(ops, image['id'], {'op': 'remove',
                                    'path': '/x_ops_a'}).status_code == 403
    assert patch(alice, image['id'], {'op': 'replace', 'path': '/other',
                                      'value': 'x'}).status_code == 200


@pytest.mark.parametrize('text, fault', [
    ('[x\ncreate = @\nread = @\nupdate = @\n', 'File contains'),
    ('', 'no section'),
    ('[(unclosed]\ncreate = @\nread = @\nupdate = @\ndelete = @\n',
     'no regular expression'),
    ('[.*]\ncreate = @\nread = @\nupdate = @\n', 'who may delete'),
    ('[.*]\ncreate = @,!\nread = @\nupdate = @\ndelete = @\n',
     'mutually exclusive'),
])
def test_a_bad_file_stops_the_start(make_api, tmp_path, text, fault):
    with pytest.raises(exception.ConfigError, match=fault):
        protected_api(make_api, tmp_path, 'sql', text)


def test_several_policy_rules_in_one_value_stop_the_start(make_api,
                                                          tmp_path):
    text = '[.*]\ncreate = a,b\nread = @\nupdate = @\ndelete = @\n'
    with pytest.raises(exception.ConfigError, match='several policy rules'):
        protected_api(make_api, tmp_path, 'sql', text, 'policies')


def test_a_missing_file_stops_the_start(make_api, tmp_path):
    with pytest.raises(exception.ConfigError, match='nowhere.conf'):
        make_api(conf={'DEFAULT': {
            'property_protection_file': str(tmp_path / 'nowhere.conf')}})
