"""Image metadata: create, show, list, change, tag, deactivate, delete.

Every image is reached through the access check (glance.domain.access);
what a save writes is what changed on the image (Image.changes()).  Extra
properties are created, read, changed and removed as the property
protections allow (glance.domain.protections); images are returned
without the properties the caller may not read.  Quotas: see
glance.domain.quotas.
"""

import dataclasses

from glance.common import bounds
from glance.common import exception
from glance.common import ids
from glance.domain import formats
from glance.domain import image as image_mod
from glance.domain import lifecycle
from glance.domain import limits
from glance.domain import visibility

FORMAT_ATTRIBUTES = ('disk_format', 'container_format')


@dataclasses.dataclass
class Change:
    """One change of an image: op is add, replace or remove (JSON patch)."""
    op: str
    name: str
    value: object = None


class ImageMetadata:

    def __init__(self, access, repo, data, conf, protections, quotas):
        formats.register_opts(conf)
        self.access = access
        self.repo = repo
        self.data = data
        self.conf = conf
        self.protections = protections
        self.quotas = quotas

    # -- validation -------------------------------------------------------

    @staticmethod
    def _check_name(name):
        if name in image_mod.READ_ONLY:
            raise exception.ReadonlyProperty(property=name)
        if name in image_mod.RESERVED or name.startswith('os_glance'):
            raise exception.ReservedProperty(property=name)

    def _validate_attribute(self, name, value):
        self._check_name(name)
        allowed = {'disk_format': self.conf.image_format.disk_formats,
                   'container_format':
                       self.conf.image_format.container_formats,
                   'visibility': image_mod.VISIBILITIES}.get(name)
        if allowed is not None and value is not None and value not in allowed:
            raise exception.InvalidParameterValue(
                value=value, param=name,
                extra='must be one of %s' % ', '.join(allowed))
        if name in ('min_disk', 'min_ram') and not (
                isinstance(value, int) and not isinstance(value, bool)
                and 0 <= value <= bounds.MAX_INTEGER):
            raise exception.InvalidParameterValue(
                value=value, param=name,
                extra='must be an integer from 0 to %d' % bounds.MAX_INTEGER)

    def _validate_property(self, name, value=None):
        """Extra properties may not take a name the service gives meaning,
        and keys and values are at most 255 characters, as Glance stores
        them."""
        self._check_name(name)
        if name in image_mod.MUTABLE or name in ('id', 'tags'):
            raise exception.ReservedProperty(property=name)
        for what, text in (('name', name), ('value', value)):
            if isinstance(text, str) and \
                    len(text) > image_mod.MAX_PROPERTY_LENGTH:
                raise exception.InvalidParameterValue(
                    value=text[:32] + '...', param='property %s' % what,
                    extra='must be at most %d characters'
                          % image_mod.MAX_PROPERTY_LENGTH)

    def _check_formats(self, image):
        """Amazon formats (aki, ari, ami) are disk and container format both.

        A queued image naming one of them in one format gets it in the other
        if that one is unset; two different formats are refused.
        """
        formats = (image.disk_format, image.container_format)
        if not any(f in image_mod.AMAZON_FORMATS for f in formats):
            return
        if None in formats:
            if image.status == lifecycle.QUEUED:
                image.disk_format = image.container_format = \
                    image.disk_format or image.container_format
            return
        if image.disk_format != image.container_format:
            raise exception.Invalid(
                "Invalid mix of disk and container formats. When setting a "
                "disk or container format to one of 'aki', 'ari', or 'ami', "
                "the container and disk formats must match.")

    def _authorize_visibility(self, context, image, visibility):
        if visibility == 'public':
            self.access.authorize(context, 'publicize_image', image)
        elif visibility == 'community':
            self.access.authorize(context, 'communitize_image', image)

    # -- reading ----------------------------------------------------------

    def get(self, context, image_id):
        return self.protections.shown(
            context, self.access.image(context, image_id, 'get_image'))

    def list(self, context, query):
        """One page of the images ``query`` asks for that the caller sees.

        A marker naming no listed image is invalid input.
        """
        self.access.authorize(context, 'get_images')
        query.viewer = visibility.Viewer.of(context)
        try:
            return [self.protections.shown(context, image)
                    for image in self.repo.list(query.check())]
        except exception.ImageNotFound:
            if query.marker is None:
                raise
            raise exception.InvalidParameterValue(
                value=query.marker, param='marker',
                extra='no image with this id is listed') from None

    # -- writing ----------------------------------------------------------

    def create(self, context, attributes, extra_properties=None, tags=()):
        """Register a new image in the queued status."""
        if context.read_only:
            raise exception.Forbidden('Read-only access.')
        attributes = dict(attributes)
        image_id = attributes.pop('id', None)
        for name, value in attributes.items():
            self._validate_attribute(name, value)
        for name, value in (extra_properties or {}).items():
            self._validate_property(name, value)
            self.protections.require(context, name, 'create')
        image = image_mod.Image(**attributes)
        if image_id is not None:
            if not ids.is_uuid(image_id):
                raise exception.InvalidParameterValue(
                    value=image_id, param='id', extra='must be a UUID')
            image.id = image_id
        if 'owner' not in attributes:
            image.owner = context.owner
        elif image.owner != context.owner and not context.is_admin:
            raise exception.Forbidden(
                "You are not permitted to create images owned by '%s'."
                % image.owner)
        image.extra_properties = dict(extra_properties or {})
        image.tags = set(tags)
        self.access.authorize(context, 'add_image', image)
        self._authorize_visibility(context, image, image.visibility)
        self._check_formats(image)
        self.quotas.check_new_image(image)
        self.data.limits.claim(context, {limits.IMAGE_COUNT_TOTAL: 1},
                               lambda: self.repo.add(image),
                               lambda _: self.data.discard(image))
        return self.protections.shown(context, self.repo.get(image.id))

    def update(self, context, image_id, changes):
        """Apply Changes to base attributes, extra properties and tags."""
        image = self.access.image(context, image_id, 'modify_image',
                                  change='modify')
        require_status = None
        visibility = image.visibility
        for change in changes:
            if change.name == 'tags':
                if change.op == 'remove':
                    raise exception.Forbidden(
                        "Attribute 'tags' cannot be removed.")
                image.tags = set(change.value or ())
            elif change.name in image_mod.MUTABLE:
                self._change_attribute(context, image, change)
                if change.name in FORMAT_ATTRIBUTES:
                    require_status = lifecycle.QUEUED
            else:
                self._change_property(context, image, change)
        saved = self._save(image, require_status)
        if saved.visibility != visibility:
            self.data.acls.update(saved)
        return self.protections.shown(context, saved)

    def _save(self, image, require_status=None):
        self._check_formats(image)
        self.repo.save(image.id, image.changes(),
                       require_status=require_status,
                       max_properties=self.quotas.properties,
                       max_tags=self.quotas.tags)
        return self.repo.get(image.id)

    def _change_attribute(self, context, image, change):
        if change.op == 'remove':
            raise exception.Forbidden(
                "Attribute '%s' cannot be removed." % change.name)
        self._validate_attribute(change.name, change.value)
        if change.name in FORMAT_ATTRIBUTES and \
                image.status != lifecycle.QUEUED and \
                getattr(image, change.name) != change.value:
            raise exception.Forbidden(
                'Attribute %s can be only replaced for a queued image.'
                % change.name)
        if change.name == 'visibility' and change.value != image.visibility:
            self._authorize_visibility(context, image, change.value)
        if change.name == 'owner' and change.value != image.owner and \
                not context.is_admin:
            raise exception.Forbidden('Owner can be changed by an admin only.')
        setattr(image, change.name, change.value)

    def _change_property(self, context, image, change):
        """Apply a change of an extra property the protections allow.

        A property the caller may not read does not exist for it: it
        cannot be replaced or removed, and adding it needs the right to
        create and to update it.  Setting a property to the value it has
        changes nothing and needs no right (v1 clients send back every
        property they were shown).
        """
        name = change.name
        self._validate_property(name, change.value)
        present = name in image.extra_properties
        readable = present and self.protections.allows(context, name, 'read')
        if change.op in ('remove', 'replace') and not readable:
            raise exception.Conflict('Property %s does not exist.' % name)
        if change.op == 'remove':
            self.protections.require(context, name, 'delete')
            del image.extra_properties[name]
            return
        if readable and image.extra_properties[name] == change.value:
            return
        if not readable:
            self.protections.require(context, name, 'create')
        if present:
            self.protections.require(context, name, 'update')
        image.extra_properties[name] = change.value

    def add_tag(self, context, image_id, tag):
        image = self.access.image(context, image_id, 'modify_image',
                                  change='modify')
        if tag not in image.tags:
            image.tags.add(tag)
            self._save(image)

    def remove_tag(self, context, image_id, tag):
        image = self.access.image(context, image_id, 'modify_image',
                                  change='modify')
        if tag not in image.tags:
            raise exception.NotFound('Tag %s not found.' % tag)
        image.tags.discard(tag)
        self._save(image)

    def set_active(self, context, image_id, active):
        """Deactivate (active=False) or reactivate (active=True) an image."""
        rule = 'reactivate' if active else 'deactivate'
        image = self.access.image(context, image_id, rule)
        target = lifecycle.ACTIVE if active else lifecycle.DEACTIVATED
        if image.status == target:
            return self.protections.shown(context, image)
        if image.status not in (lifecycle.ACTIVE, lifecycle.DEACTIVATED):
            raise exception.Forbidden(
                "Not allowed to %s image in status '%s'."
                % (rule, image.status))
        return self.protections.shown(
            context, self.data.transition(image.id, image.status, target))

    def delete(self, context, image_id):
        """Delete the image and its data; True when the data is gone, False
        when the image waits in pending_delete for its data to be removed
        (see ImageData.discard)."""
        image = self.access.image(context, image_id, 'delete_image',
                                  change='delete')
        if image.protected:
            raise exception.ProtectedImageDelete(image_id=image_id)
        return self.data.discard(image)
