"""The image repository reached through glance-registry.

The second ImageRepository: each method is one registry request (see
glance.registry.api), and raises what the SQL repository would raise, as the
registry names the exception in its error answers.  The domain cannot tell
the two apart.
"""

import datetime
import urllib.parse

from glance.common import exception
from glance.common import ids
from glance.domain import repository
from glance.registry import query as query_mod
from glance.registry import tasks as registry_tasks
from glance.registry import wire


def _segment(value):
    return urllib.parse.quote(value, safe='')


def _image_path(image_id, *rest):
    """The path of an image resource; ImageNotFound for an id no image can
    have (the SQL repository finds none either)."""
    if not ids.is_uuid(image_id):
        raise exception.ImageNotFound(image_id=image_id)
    return '/'.join(('/images', image_id) + tuple(_segment(part)
                                                  for part in rest))


class RegistryImageRepository(repository.ImageRepository,
                              registry_tasks.RegistryTaskRepository):

    def __init__(self, client):
        self.client = client

    def _image(self, method, path, body=None, idempotent=True):
        answer = self.client.request(method, path, body=body,
                                     idempotent=idempotent)
        return wire.image_from_dict(answer['image'])

    def _images(self, path, params):
        answer = self.client.request('GET', path, params=params)
        return [wire.image_from_dict(image) for image in answer['images']]

    def get(self, image_id):
        return self._image('GET', _image_path(image_id))

    def list(self, query):
        return self._images('/images/detail', query_mod.encode(query))

    def add(self, image):
        self.client.request('POST', '/images',
                            body={'image': wire.image_to_dict(image)},
                            idempotent=False)

    def save(self, image_id, changes, require_status=None,
             max_properties=None, max_tags=None):
        answer = self.client.request(
            'PUT', _image_path(image_id),
            body={'changes': wire.changes_to_dict(changes),
                  'require_status': require_status,
                  'max_properties': max_properties, 'max_tags': max_tags})
        return wire.from_text(datetime.datetime, 'updated_at',
                              answer['updated_at'])

    def transition(self, image_id, from_status, to_status,
                   storage_quota=None, **values):
        locations = values.pop('locations', None)
        body = {'from': from_status, 'to': to_status,
                'deleted': values.pop('deleted', False),
                'values': {name: wire.to_json(value)
                           for name, value in values.items()}}
        if storage_quota is not None:
            body['storage_quota'] = wire.storage_quota_to_dict(storage_quota)
        if locations is not None:
            body['location_data'] = [wire.location_to_dict(location)
                                     for location in locations]
        # Not idempotent: once carried out, a second try would conflict.
        return self._image('PUT', _image_path(image_id, 'status'), body,
                           idempotent=False)

    def change_locations(self, image_id, status, remove=(), add=(),
                         storage_quota=None, max_locations=None):
        body = {'status': status, 'remove': list(remove),
                'add': [wire.location_to_dict(location)
                        for location in add],
                'max_locations': max_locations}
        if storage_quota is not None:
            body['storage_quota'] = wire.storage_quota_to_dict(storage_quota)
        # Not idempotent: once carried out, a second try would conflict.
        return self._image('PUT', _image_path(image_id, 'locations'), body,
                           idempotent=False)

    def swap_property(self, image_id, name, expected, value,
                      require_status=None):
        self.client.request(
            'PUT', _image_path(image_id, 'property'),
            body={'name': name, 'expected': expected, 'value': value,
                  'require_status': require_status},
            idempotent=False)

    def touch(self, image_id, status):
        """Returns whether the image was still in ``status``."""
        try:
            self.client.request('PUT', _image_path(image_id, 'heartbeat'),
                                body={'status': status})
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
        if not ids.is_uuid(image_id):
            return []
        answer = self.client.request('GET', _image_path(image_id, 'members'))
        return [wire.member_from_dict(member) for member in answer['members']]

    def member_images(self, member_id):
        answer = self.client.request('GET',
                                     '/shared-images/' + _segment(member_id))
        return [wire.member_from_dict(member)
                for member in answer['shared_images']]

    def storage_used(self, owner, excluding=None):
        params = _owner_params(owner)
        if excluding is not None:
            params.append(('excluding', excluding))
        answer = self.client.request('GET', '/images/storage_used',
                                     params=params)
        return answer['storage_used']

    def usage(self, owner):
        answer = self.client.request('GET', '/images/usage',
                                     params=_owner_params(owner))
        return wire.usage_from_dict(answer.get('usage'))

    def save_member(self, member, max_members=None):
        answer = self.client.request(
            'PUT', _image_path(member.image_id, 'members', member.member_id),
            body={'member': {'can_share': member.can_share,
                             'status': member.status},
                  'max_members': max_members})
        return wire.member_from_dict(answer['member'])

    def remove_member(self, image_id, member_id):
        # Not idempotent: a second try would not find the membership.
        self.client.request('DELETE',
                            _image_path(image_id, 'members', member_id),
                            idempotent=False)

    def replace_members(self, image_id, members, max_members=None):
        self.client.request(
            'PUT', _image_path(image_id, 'members'),
            body={'memberships': [
                {'member_id': member.member_id, 'can_share': member.can_share,
                 'status': member.status} for member in members],
                'max_members': max_members})

    def stalled(self, status, older_than):
        return self._images('/images/stalled', [
            ('status', status), ('older_than', wire.to_text(older_than))])


def _owner_params(owner):
    """The query string naming ``owner`` (none for no owner)."""
    return [('owner', owner)] if owner is not None else []
