"""The MetadefRepository reached through glance-registry: each method is
one request of glance.registry.metadefs_api, raising what the SQL
repository would raise."""

import urllib.parse

from glance.domain.metadefs import entities
from glance.domain.metadefs import repository
from glance.registry import metadefs_api
from glance.registry import metadefs_wire as wire


def _path(*parts):
    return '/metadefs/namespaces' + ''.join(
        '/' + urllib.parse.quote(part, safe='') for part in parts)


class RegistryMetadefRepository(repository.MetadefRepository):

    def __init__(self, client):
        self.client = client

    def _request(self, method, path, **kwargs):
        return self.client.request(method, path, **kwargs)

    def list_namespaces(self, query):
        answer = self._request('GET', _path(),
                               params=metadefs_api.encode_query(query))
        return [(wire.from_dict(entities.Namespace, item['namespace']),
                 [wire.from_dict(entities.Association, association)
                  for association in item['associations']])
                for item in answer['namespaces']]

    def get_namespace(self, name):
        return wire.from_dict(entities.Namespace,
                              self._request('GET', _path(name))['namespace'])

    def add_definition(self, definition):
        self._request('POST', _path(), idempotent=False, body={
            'definition': wire.definition_to_dict(definition)})

    def save_namespace(self, name, namespace):
        self._request('PUT', _path(name),
                      body={'namespace': wire.to_dict(namespace)})

    def delete_namespace(self, name):
        self._request('DELETE', _path(name))

    def _items(self, kind, answer):
        return [wire.from_dict(wire.KINDS[kind], item)
                for item in answer['items']]

    def list_items(self, kind, namespace):
        return self._items(kind, self._request('GET', _path(namespace, kind)))

    def get_item(self, kind, namespace, name):
        return wire.from_dict(wire.KINDS[kind], self._request(
            'GET', _path(namespace, kind, name))['item'])

    def add_items(self, kind, namespace, items, replace=False):
        return self._items(kind, self._request(
            'POST', _path(namespace, kind), idempotent=False,
            body={'items': [wire.to_dict(item) for item in items],
                  'replace': replace}))

    def save_item(self, kind, namespace, name, item):
        return wire.from_dict(wire.KINDS[kind], self._request(
            'PUT', _path(namespace, kind, name),
            body={'item': wire.to_dict(item)})['item'])

    def delete_item(self, kind, namespace, name):
        self._request('DELETE', _path(namespace, kind, name))

    def delete_items(self, kind, namespace):
        self._request('DELETE', _path(namespace, kind))

    def list_resource_types(self):
        return [wire.from_dict(entities.ResourceType, item) for item in
                self._request('GET', '/metadefs/resource_types')[
                    'resource_types']]

    def associations(self, namespace):
        return [wire.from_dict(entities.Association, item) for item in
                self._request('GET', _path(namespace, 'resource_types'))[
                    'associations']]

    def add_association(self, namespace, association):
        return wire.from_dict(entities.Association, self._request(
            'POST', _path(namespace, 'resource_types'), idempotent=False,
            body={'association': wire.to_dict(association)})['association'])

    def delete_association(self, namespace, resource_type):
        self._request('DELETE',
                      _path(namespace, 'resource_types', resource_type))
