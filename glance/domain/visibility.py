"""Who sees which image, defined once.

The rules are data: small terms over an image and a viewer, combined with
``AnyOf``/``AllOf``/``Not``.  ``matches`` reads them in Python (may this
caller see the image it asked for by id?) and ``glance.db.listing``
translates the very same terms to SQL (which images does a list show?),
so "can see" and "is listed" cannot disagree.

A viewer sees an image when it is an administrator, when the image is
public or community, when the viewer's project owns it, or when the image
is shared and the viewer is one of its members.  An image without an owner
belongs to no project: only administrators see it unless it is public or
community.

A default list (no visibility filter) leaves out community images the
viewer does not own, and counts only memberships in the ``member_status``
asked for (accepted by default), as Glance lists.
"""

import dataclasses

ANY_STATUS = 'all'
# Visibilities of the images every caller sees.
SEEN_BY_ALL = ('public', 'community')


@dataclasses.dataclass(frozen=True)
class Viewer:
    """Who is looking: the owner id of the caller's images, and whether
    the caller is an administrator (who sees every image)."""
    owner: str | None = None
    is_admin: bool = False

    @classmethod
    def of(cls, context):
        """The viewer a request context (glance.context) describes."""
        return cls(owner=context.owner, is_admin=context.is_admin)


@dataclasses.dataclass(frozen=True)
class Admin:
    """The viewer is an administrator."""


@dataclasses.dataclass(frozen=True)
class VisibilityIn:
    """The image's visibility is one of ``values``."""
    values: tuple


@dataclasses.dataclass(frozen=True)
class Owned:
    """The viewer owns the image (a viewer without an owner id owns none)."""


@dataclasses.dataclass(frozen=True)
class Member:
    """The viewer is a member of the image, with a membership status in
    ``statuses`` (None: any status)."""
    statuses: tuple | None = None


@dataclasses.dataclass(frozen=True)
class AnyOf:
    terms: tuple


@dataclasses.dataclass(frozen=True)
class AllOf:
    terms: tuple


@dataclasses.dataclass(frozen=True)
class Not:
    term: object


def _member_statuses(member_status):
    return None if member_status == ANY_STATUS else (member_status,)


def sees(member_status=ANY_STATUS):
    """The rule of who sees an image, counting memberships in
    ``member_status`` ('all' for any)."""
    return AnyOf((
        Admin(),
        VisibilityIn(SEEN_BY_ALL),
        Owned(),
        AllOf((VisibilityIn(('shared',)),
               Member(_member_statuses(member_status))))))


def listed(visibilities=None, member_status='accepted'):
    """The rule of which images a list shows: with ``visibilities`` (a
    filter), the images of those the viewer sees; without, the default
    list (see the module doc)."""
    seen = sees(member_status)
    if visibilities is not None:
        return AllOf((VisibilityIn(tuple(visibilities)), seen))
    return AllOf((seen, AnyOf((Not(VisibilityIn(('community',))),
                               Owned()))))


def seen_by_all(image):
    """Whether every caller sees ``image``, whoever it is."""
    return image.visibility in SEEN_BY_ALL


def can_see(viewer, image, membership):
    """Whether ``viewer`` sees ``image`` at all (``membership`` as for
    ``matches``)."""
    return matches(sees(), viewer, image, membership)


def matches(term, viewer, image, membership):
    """Whether ``term`` holds for ``viewer`` and ``image``.

    ``membership()`` gives the viewer's membership status of the image, or
    None; it is called only when the answer depends on it.
    """
    kind = type(term)
    if kind is Admin:
        return viewer.is_admin
    if kind is VisibilityIn:
        return image.visibility in term.values
    if kind is Owned:
        return viewer.owner is not None and image.owner == viewer.owner
    if kind is Member:
        if viewer.owner is None:
            return False
        status = membership()
        return status is not None and (
            term.statuses is None or status in term.statuses)
    if kind is AnyOf:
        return any(matches(t, viewer, image, membership) for t in term.terms)
    if kind is AllOf:
        return all(matches(t, viewer, image, membership) for t in term.terms)
    if kind is Not:
        return not matches(term.term, viewer, image, membership)
    raise TypeError('not a visibility term: %r' % (term,))
