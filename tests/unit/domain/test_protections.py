"""The rules of a property protection file, apart from any API."""

import pytest

from glance.common import exception
from glance.context import RequestContext
from glance.domain import image as image_mod
from glance.domain import protections

MEMBER = RequestContext(project_id='p', roles=['Member'])
ADMIN = RequestContext(project_id='ops', roles=['admin'], is_admin=True)


def rules_of(tmp_path, text, rule_format='roles'):
    path = tmp_path / 'rules.conf'
    path.write_text(text)
    return protections.PropertyProtections(
        protections.load(str(path), rule_format), rule_format)


def test_the_first_section_that_matches_decides(tmp_path):
    rules = rules_of(tmp_path, (
        '[^x_]\ncreate = admin\nread = @\nupdate = !\ndelete = \n'
        '[x_]\ncreate = @\nread = @\nupdate = @\ndelete = @\n'))
    # "^x_" comes first for x_a; "x_" is searched anywhere in a_x_b.
    assert not rules.allows(MEMBER, 'x_a', 'create')
    assert rules.allows(ADMIN, 'x_a', 'create')
    assert rules.allows(MEMBER, 'a_x_b', 'create')
    # "!" and an empty value are nobody, administrators included.
    assert not rules.allows(ADMIN, 'x_a', 'update')
    assert not rules.allows(ADMIN, 'x_a', 'delete')
    # No section matches: nobody may do anything.
    assert not any(rules.allows(ADMIN, 'other', operation)
                   for operation in protections.OPERATIONS)
    with pytest.raises(exception.ProtectedProperty, match="'other'"):
        rules.require(ADMIN, 'other', 'read')


def test_roles_match_whatever_their_case(tmp_path):
    rules = rules_of(tmp_path, '[.*]\ncreate = MEMBER, Admin\nread = @\n'
                               'update = @\ndelete = @\n')
    assert rules.allows(MEMBER, 'a', 'create')
    assert not rules.allows(RequestContext(roles=['reader']), 'a', 'create')


def test_shown_leaves_out_unreadable_properties_of_a_copy(tmp_path):
    rules = rules_of(tmp_path, '[^secret]\ncreate = @\nread = admin\n'
                               'update = @\ndelete = @\n'
                               '[.*]\ncreate = @\nread = @\nupdate = @\n'
                               'delete = @\n')
    image = image_mod.Image(extra_properties={'secret': 's', 'open': 'o'})
    assert rules.shown(MEMBER, image).extra_properties == {'open': 'o'}
    assert rules.shown(ADMIN, image).extra_properties == {
        'secret': 's', 'open': 'o'}
    assert image.extra_properties == {'secret': 's', 'open': 'o'}


def test_without_a_file_everything_is_allowed():
    rules = protections.PropertyProtections()
    image = image_mod.Image(extra_properties={'a': '1'})
    assert rules.allows(RequestContext(), 'anything', 'delete')
    assert rules.shown(MEMBER, image) is image
