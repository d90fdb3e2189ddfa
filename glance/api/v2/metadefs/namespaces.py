"""``/v2/metadefs/namespaces[/{namespace}]``."""

import urllib.parse

from glance.api.v2.metadefs import schemas
from glance.api.v2.metadefs import views
from glance.common import config
from glance.common import exception
from glance.common import wsgi
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository

CONF = config.CONF

# Fields a client may send back as it read them; they are not written.
READ_ONLY = ('schema', 'self', 'created_at', 'updated_at',
             'resource_type_associations', 'properties', 'objects', 'tags')


def parse_query(params):
    """A NamespaceQuery from the query string; BadRequest if malformed."""
    query = repository.NamespaceQuery(
        visibility=params.get('visibility'), marker=params.get('marker'),
        sort_key=params.get('sort_key', 'created_at'),
        sort_dir=params.get('sort_dir', 'desc'),
        resource_types=[name.strip() for name in
                        params.get('resource_types', '').split(',')
                        if name.strip()])
    query.limit = parse_limit(params, CONF.limit_param_default)
    return query.check()


def parse_limit(params, default):
    """The ``limit`` of the query string, at most api_limit_max."""
    limit = params.get('limit')
    if limit is None:
        return default
    if not limit.isdigit():
        raise exception.InvalidParameterValue(
            param='limit', value=limit, extra='must be a non-negative integer')
    return min(int(limit), CONF.api_limit_max)


def parse_item_page(params):
    """An ItemPage from the query string, or None when it asks for none
    (every item, by name)."""
    if not {'limit', 'marker', 'sort_key', 'sort_dir'} & set(params):
        return None
    return repository.ItemPage(
        marker=params.get('marker'), limit=parse_limit(params, None),
        sort_key=params.get('sort_key', 'created_at'),
        sort_dir=params.get('sort_dir', 'desc')).check()


class Controller:

    def __init__(self, service):
        self.service = service

    def index(self, req):
        query = parse_query(req.params)
        listed = self.service.list_namespaces(req.context, query)
        params = [(k, v) for k, v in req.params.items() if k != 'marker']
        body = {'namespaces': [views.namespace(namespace, associations)
                               for namespace, associations in listed],
                'first': views.BASE + ('?' + urllib.parse.urlencode(params)
                                       if params else ''),
                'schema': '/v2/schemas/metadefs/namespaces'}
        if listed and len(listed) == query.limit:
            params.append(('marker', listed[-1][0].namespace))
            body['next'] = views.BASE + '?' + urllib.parse.urlencode(params)
        return wsgi.json_response(body)

    def create(self, req):
        body = schemas.validate('namespace', req.json_body_or_400())
        definition = self.service.create_namespace(
            req.context, entities.Definition.from_dict(body))
        return wsgi.json_response(
            views.definition(definition), status=201,
            headers={'Location': views.namespace_url(
                definition.namespace.namespace)})

    def show(self, req, namespace):
        return wsgi.json_response(views.definition(self.service.get_namespace(
            req.context, namespace, req.params.get('resource_type'))))

    def update(self, req, namespace):
        body = schemas.validate('namespace', req.json_body_or_400())
        values = {key: value for key, value in body.items()
                  if key not in READ_ONLY}
        return wsgi.json_response(views.definition(
            self.service.update_namespace(req.context, namespace, values)))

    def delete(self, req, namespace):
        self.service.delete_namespace(req.context, namespace)
        return wsgi.empty_response()
