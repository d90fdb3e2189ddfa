"""The image repository reached through glance-registry.

The second ImageRepository: each method is one registry request (see
glance.registry.api), and raises what the SQL repository would raise, as the
registry names the exception in its error answers.  The domain cannot tell
the two apart.

As with the SQL repository, ``save`` writes only what changed since the
image was read from this repository (each Image returned carries a private
copy of its state as read): the registry applies those changes to the image
as it is stored, so concurrent saves of different changes all keep theirs.
"""

import urllib.parse

from glance.common import exception
from glance.db import repository as db_repository
from glance.domain import image as domain
from glance.domain import repository
from glance.registry import query as query_mod
from glance.registry import wire


# The attribute of an Image holding its state as this repository read it.
_AS_READ = '_registry_repository_as_read'


def _remember(image):
    setattr(image, _AS_READ, (
        {name: getattr(image, name) for name in domain.MUTABLE},
        dict(image.extra_properties), frozenset(image.tags)))
    return image


def _save_request(image):
    """The body and headers of PUT /images/{id} saving ``image``: what
    changed since it was read, or for an image not read here, its whole
    state (properties purged: the ones it lacks go)."""
    as_read = getattr(image, _AS_READ, None)
    if as_read is None:
        body = {name: getattr(image, name) for name in domain.MUTABLE}
        body.update(properties=image.extra_properties,
                    tags=sorted(image.tags))
        return body, {wire.PURGE_PROPS_HEADER: 'true'}
    attributes, properties, tags = as_read
    body = {name: getattr(image, name) for name in domain.MUTABLE
            if getattr(image, name) != attributes[name]}
    # Always there, so that the request saves even when nothing changed.
    body['properties'] = {
        name: value for name, value in image.extra_properties.items()
        if name not in properties or properties[name] != value}
    changes = {'remove_properties': properties.keys() -
               image.extra_properties.keys(),
               'add_tags': image.tags - tags, 'remove_tags': tags - image.tags}
    body.update({name: sorted(names)
                 for name, names in changes.items() if names})
    return body, {}


def _segment(value):
    return urllib.parse.quote(value, safe='')


def _image_path(image_id, *rest):
    """The path of an image resource; ImageNotFound for an id no image can
    have (the SQL repository finds none either)."""
    if not domain.is_uuid(image_id):
        raise exception.ImageNotFound(image_id=image_id)
    return '/'.join(('/images', image_id) + tuple(_segment(part)
                                                  for part in rest))


class RegistryImageRepository(repository.ImageRepository):

    def __init__(self, client):
        self.client = client

    def _image(self, method, path, body=None, idempotent=True, **kwargs):
        answer = self.client.request(method, path, body=body,
                                     idempotent=idempotent, **kwargs)
        return _remember(wire.image_from_dict(answer['image']))

    def _images(self, path, params):
        answer = self.client.request('GET', path, params=params)
        return [_remember(wire.image_from_dict(image))
                for image in answer['images']]

    def get(self, image_id):
        return self._image('GET', _image_path(image_id))

    def list(self, query):
        return self._images('/images/detail', query_mod.encode(query))

    def add(self, image):
        self.client.request('POST', '/images',
                            body={'image': wire.image_to_dict(image)},
                            idempotent=False)
        _remember(image)

    def save(self, image, require_status=None):
        body, headers = _save_request(image)
        saved = self._image(
            'PUT', _image_path(image.id),
            {'image': body, 'from_state': require_status}, headers=headers)
        image.updated_at = saved.updated_at
        _remember(image)
        return saved.updated_at

    def transition(self, image_id, from_status, to_status, **values):
        locations = values.pop('locations', None)
        deleted = values.pop('deleted', False)
        unknown = set(values) - db_repository.TRANSITION_COLUMNS
        if unknown:
            raise TypeError('transition cannot set %s'
                            % ', '.join(sorted(unknown)))
        body = dict(values, status=to_status)
        if locations is not None:
            body['location_data'] = [wire.location_to_dict(location)
                                     for location in locations]
        if deleted:
            body['deleted'] = True
        # Not idempotent: once carried out, a second try would conflict.
        return self._image('PUT', _image_path(image_id),
                           {'image': body, 'from_state': from_status},
                           idempotent=False)

    def touch(self, image_id, status):
        """Returns whether the image was still in ``status``."""
        try:
            self.client.request('PUT', _image_path(image_id),
                                body={'image': {}, 'from_state': status})
        except (exception.NotFound, exception.Conflict):
            return False
        return True

    def member_status(self, image_id, member):
        try:
            answer = self.client.request(
                'GET', _image_path(image_id, 'members', member))
        except exception.NotFound:
            return None
        return answer['member']['status']

    def members(self, image_id):
        if not domain.is_uuid(image_id):
            return []
        answer = self.client.request('GET', _image_path(image_id, 'members'))
        return [wire.member_from_dict(member) for member in answer['members']]

    def member_images(self, member_id):
        answer = self.client.request('GET',
                                     '/shared-images/' + _segment(member_id))
        return [wire.member_from_dict(member)
                for member in answer['shared_images']]

    def save_member(self, member):
        answer = self.client.request(
            'PUT', _image_path(member.image_id, 'members', member.member_id),
            body={'member': {'can_share': member.can_share,
                             'status': member.status}})
        return wire.member_from_dict(answer['member'])

    def remove_member(self, image_id, member_id):
        # Not idempotent: a second try would not find the membership.
        self.client.request('DELETE',
                            _image_path(image_id, 'members', member_id),
                            idempotent=False)

    def replace_members(self, image_id, members):
        self.client.request(
            'PUT', _image_path(image_id, 'members'),
            body={'memberships': [
                {'member_id': member.member_id, 'can_share': member.can_share,
                 'status': member.status} for member in members]})

    def stalled(self, status, older_than):
        return self._images('/images/stalled', [
            ('status', status), ('older_than', wire.to_text(older_than))])
