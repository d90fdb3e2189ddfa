"""``/v2/metadefs/namespaces/{namespace}/properties``, ``.../objects`` and
``.../tags``, with one item of each by name: one controller per kind."""

from glance.api.v2.metadefs import namespaces
from glance.api.v2.metadefs import schemas
from glance.api.v2.metadefs import views
from glance.common import exception
from glance.common import wsgi
from glance.domain.metadefs import entities

# Fields a client may send back as it read them; they are not written.
READ_ONLY = ('schema', 'self', 'created_at', 'updated_at')


def _writable(body):
    return {key: value for key, value in body.items() if key not in READ_ONLY}


class _Items:
    """What the three kinds share: list, show, update, delete one, delete
    all."""
    kind = None
    schema = None

    def __init__(self, service):
        self.service = service

    def _entity(self, body):
        return entities.ENTITIES[self.kind].from_dict(_writable(body))

    def _view(self, namespace, item):
        raise NotImplementedError

    def show(self, req, namespace, name):
        return wsgi.json_response(self._view(namespace, self.service.get_item(
            req.context, self.kind, namespace, name)))

    def update(self, req, namespace, name):
        """A body without a name keeps the item's (openstacksdk sends only
        what changes)."""
        body = req.json_body_or_400()
        if isinstance(body, dict):
            body.setdefault('name', name)
        body = schemas.validate(self.schema, body)
        item = self.service.update_item(req.context, self.kind, namespace,
                                        name, self._entity(body))
        return wsgi.json_response(self._view(namespace, item))

    def delete(self, req, namespace, name):
        self.service.delete_item(req.context, self.kind, namespace, name)
        return wsgi.empty_response()

    def delete_all(self, req, namespace):
        self.service.delete_items(req.context, self.kind, namespace)
        return wsgi.empty_response()

    def _create(self, req, namespace):
        body = schemas.validate(self.schema, req.json_body_or_400())
        return self.service.add_item(req.context, self.kind, namespace,
                                     self._entity(body))


class Properties(_Items):
    kind, schema = 'properties', 'property'

    def _view(self, namespace, item):
        return item.to_dict()

    def index(self, req, namespace):
        items = self.service.list_items(req.context, self.kind, namespace)
        return wsgi.json_response({
            'properties': entities.properties_to_dict(items),
            'schema': '/v2/schemas/metadefs/properties'})

    def show(self, req, namespace, name):
        item = self.service.get_item(req.context, self.kind, namespace, name,
                                     req.params.get('resource_type'))
        return wsgi.json_response(item.to_dict())

    def create(self, req, namespace):
        return wsgi.json_response(self._create(req, namespace).to_dict(),
                                  status=201)


class Objects(_Items):
    kind, schema = 'objects', 'object'

    def _view(self, namespace, item):
        return views.metadef_object(namespace, item)

    def index(self, req, namespace):
        items = self.service.list_items(req.context, self.kind, namespace,
                                        namespaces.parse_item_page(req.params))
        return wsgi.json_response({
            'objects': [self._view(namespace, item) for item in items],
            'schema': '/v2/schemas/metadefs/objects'})

    def create(self, req, namespace):
        item = self._create(req, namespace)
        return wsgi.json_response(self._view(namespace, item), status=201)


class Tags(_Items):
    kind, schema = 'tags', 'tag'

    def _view(self, namespace, item):
        return views.tag(item)

    def index(self, req, namespace):
        items = self.service.list_items(req.context, self.kind, namespace,
                                        namespaces.parse_item_page(req.params))
        return wsgi.json_response({'tags': [views.tag(item)
                                            for item in items]})

    def create(self, req, namespace, name):
        """``POST .../tags/{name}``, no body."""
        item = self.service.add_item(req.context, self.kind, namespace,
                                     entities.Tag.from_dict({'name': name}))
        return wsgi.json_response(views.tag(item), status=201)

    def create_many(self, req, namespace):
        """``POST .../tags`` with ``{"tags": [{"name"}...]}``: they replace
        the namespace's tags, or are added with ``X-Openstack-Append:
        true``."""
        body = req.json_body_or_400()
        tags = body.get('tags') if isinstance(body, dict) else None
        if not isinstance(tags, list):
            raise exception.BadRequest(
                'The body must be {"tags": [{"name": ...}, ...]}.')
        append = req.headers.get('X-Openstack-Append', '').lower() in (
            'true', '1', 'yes')
        items = self.service.add_tags(
            req.context, namespace,
            [entities.Tag.from_dict(_writable(schemas.validate('tag', tag)))
             for tag in tags], append=append)
        return wsgi.json_response({'tags': [views.tag(item)
                                            for item in items]}, status=201)
