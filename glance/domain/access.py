"""The one access check: the only way from a caller to an image.

``image(context, image_id, rule)`` fetches the image, decides visibility
(glance.domain.visibility: an image the caller may not see is not found,
whatever the route), applies the policy rule by name on the image as a
target, and with ``change`` also requires that the caller may change it.
Show, list, download, members, tags, and every later feature go through
here, so each rule is decided once.
"""

from glance.common import exception
from glance.common import ids
from glance.domain import visibility


def membership(repo, context, image):
    """A function giving the caller's membership status of ``image`` (or
    None), looking it up once, the first time it is called."""
    found = []

    def status():
        if not found:
            found.append(repo.member_status(image.id, context.owner)
                         if context.owner is not None else None)
        return found[0]
    return status


def sees(repo, context, image, status=None):
    """Whether ``context`` may see ``image`` at all (``status`` as
    ``membership`` gives it)."""
    return visibility.can_see(visibility.Viewer.of(context), image,
                              status or membership(repo, context, image))


def visible_image(repo, context, image_id, **get_options):
    """The image ``image_id`` from ``repo`` (``get_options`` passed to its
    get), if ``context`` may see it; ImageNotFound otherwise, and for an id
    that is no UUID.  The access check and glance-registry both start
    here."""
    return _visible(repo, context, image_id, **get_options)[0]


def _visible(repo, context, image_id, **get_options):
    """visible_image, and the caller's membership function."""
    if not ids.is_uuid(image_id):
        raise exception.ImageNotFound(image_id=image_id)
    image = repo.get(image_id, **get_options)
    status = membership(repo, context, image)
    if not sees(repo, context, image, status):
        raise exception.ImageNotFound(image_id=image_id)
    return image, status


class Access:

    def __init__(self, repo, authorizer):
        self.repo = repo
        self.authorizer = authorizer

    def authorize(self, context, rule, image=None, status=None):
        """Raise Forbidden unless policy ``rule`` lets ``context`` act (on
        ``image``; ``status`` as ``membership`` gives it)."""
        if image is not None and status is None:
            status = membership(self.repo, context, image)
        self.authorizer.authorize(context, rule, image, status)

    def image(self, context, image_id, rule, change=None):
        """The image ``image_id`` as ``context`` may reach it.

        ImageNotFound unless the id is a UUID of an image the caller sees
        and policy ``get_image`` allows it to; Forbidden unless policy
        ``rule`` allows the action on it, and, with ``change`` (the verb for
        the message: 'modify', 'delete', ...), unless the caller may change
        the image.  As in Glance, an image policy does not let the caller
        see is not found, whatever the rule.
        """
        image, status = _visible(self.repo, context, image_id)
        if not self.authorizer.check(context, 'get_image', image, status):
            raise exception.ImageNotFound(image_id=image_id)
        if rule != 'get_image':
            self.authorize(context, rule, image, status)
        if change is not None:
            self.require_change(context, image, change)
        return image

    @staticmethod
    def may_change(context, image):
        """Owners and administrators change images; read-only callers
        change nothing."""
        return not context.read_only and (context.is_admin or (
            image.owner is not None and image.owner == context.owner))

    def require_change(self, context, image, action):
        if not self.may_change(context, image):
            raise exception.Forbidden(
                'You are not permitted to %s this image.' % action)
