"""Image members: the projects a shared image is shared with.

Only shared images have members.  The owner (or an administrator) shares;
so does a member given ``can_share`` (Image API v1).  A member accepts or
rejects an image shared with it.  ``image_member_quota`` is checked by
the repository in the write that adds a member (glance.domain.quotas).
"""

from glance.common import exception
from glance.domain import image as image_mod


def _check_member_id(member_id):
    if not isinstance(member_id, str) or not 0 < len(member_id) <= 255:
        raise exception.InvalidParameterValue(
            value=member_id, param='member',
            extra='must be a project id of 1 to 255 characters')


def _require_shared(image):
    if image.visibility != 'shared':
        raise exception.Forbidden(
            'Only shared images have members; this image is %s.'
            % image.visibility)


class ImageMembers:

    def __init__(self, access, repo, quotas, acls):
        self.access = access
        self.repo = repo
        self.quotas = quotas
        self.acls = acls

    def _can_share(self, context, image):
        return not context.read_only and context.owner is not None and any(
            member.member_id == context.owner and member.can_share
            for member in self.repo.members(image.id))

    def _shareable(self, context, image_id, rule):
        """The image, if the caller may share it: an owner (or admin) as
        policy ``rule`` allows on the image; a member given ``can_share``
        (Image API v1) as ``rule`` allows the caller on its own project."""
        image = self.access.image(context, image_id, 'get_image')
        if self.access.may_change(context, image):
            self.access.authorize(context, rule, image)
        elif self._can_share(context, image):
            self.access.authorize(context, rule)
        else:
            raise exception.Forbidden(
                'You are not permitted to share this image.')
        _require_shared(image)
        return image

    def list(self, context, image_id):
        """Members of a shared image: all for a sharer, else one's own."""
        image = self.access.image(context, image_id, 'get_members')
        _require_shared(image)
        members = self.repo.members(image.id)
        if self.access.may_change(context, image):
            return members
        return [member for member in members
                if member.member_id == context.owner]

    def get(self, context, image_id, member_id):
        image = self.access.image(context, image_id, 'get_member')
        for member in self.list(context, image.id):
            if member.member_id == member_id:
                return member
        raise exception.MemberNotFound(image_id=image_id, member_id=member_id)

    def add(self, context, image_id, member_id, can_share=False):
        """Share an image with ``member_id``; Duplicate if it already is."""
        image = self._shareable(context, image_id, 'add_member')
        _check_member_id(member_id)
        members = {member.member_id for member in self.repo.members(image.id)}
        if member_id in members:
            raise exception.Duplicate(
                'Member %s is already a member of image %s.'
                % (member_id, image.id))
        saved = self.repo.save_member(
            image_mod.Member(image_id=image.id, member_id=member_id,
                             can_share=can_share),
            max_members=self.quotas.members)
        self.acls.update(image)
        return saved

    def put(self, context, image_id, member_id, can_share=None):
        """Share an image with ``member_id``, or update its membership.

        ``can_share`` None keeps an existing member's, False for a new one.
        """
        image = self._shareable(context, image_id, 'add_member')
        _check_member_id(member_id)
        members = {member.member_id: member
                   for member in self.repo.members(image.id)}
        member = members.get(member_id)
        if member is None:
            member = image_mod.Member(image_id=image.id, member_id=member_id)
        if can_share is not None:
            member.can_share = bool(can_share)
        saved = self.repo.save_member(member,
                                      max_members=self.quotas.members)
        self.acls.update(image)
        return saved

    def replace(self, context, image_id, memberships):
        """Make the members exactly ``memberships``: (member_id, can_share).

        ``can_share`` None keeps an existing member's, False for a new one.
        """
        image = self._shareable(context, image_id, 'add_member')
        existing = {member.member_id: member.can_share
                    for member in self.repo.members(image.id)}
        members = []
        for member_id, can_share in memberships:
            _check_member_id(member_id)
            if can_share is None:
                can_share = existing.get(member_id, False)
            members.append(image_mod.Member(image_id=image.id,
                                            member_id=member_id,
                                            can_share=bool(can_share)))
        self.repo.replace_members(image.id, members,
                                  max_members=self.quotas.members)
        self.acls.update(image)

    def remove(self, context, image_id, member_id):
        image = self._shareable(context, image_id, 'delete_member')
        self.repo.remove_member(image.id, member_id)
        self.acls.update(image)

    def set_status(self, context, image_id, member_id, status):
        """A member accepts or rejects an image shared with it; an
        administrator may do so on the member's behalf."""
        image = self.access.image(context, image_id, 'modify_member')
        if status not in image_mod.MEMBER_STATUSES:
            raise exception.InvalidParameterValue(
                value=status, param='status',
                extra='must be one of %s' % ', '.join(
                    image_mod.MEMBER_STATUSES))
        if context.read_only or not (context.is_admin or
                                     member_id == context.owner):
            raise exception.Forbidden(
                'Only the member itself or an administrator may change '
                'its status.')
        member = self.get(context, image.id, member_id)
        member.status = status
        return self.repo.save_member(member)

    def shared_images(self, context, member_id):
        """Memberships of ``member_id`` the caller may know about.

        Admins and the member itself see them all; anyone else only those
        on images it may change.
        """
        memberships = self.repo.member_images(member_id)
        if context.is_admin or member_id == context.owner:
            return memberships
        return [member for member in memberships
                if self.access.may_change(context,
                                          self.repo.get(member.image_id))]
