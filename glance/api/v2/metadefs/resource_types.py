"""``/v2/metadefs/resource_types`` and a namespace's associations with
them, ``/v2/metadefs/namespaces/{namespace}/resource_types[/{name}]``."""

from glance.api.v2.metadefs import schemas
from glance.api.v2.metadefs import views
from glance.common import wsgi
from glance.domain.metadefs import entities


class Controller:

    def __init__(self, service):
        self.service = service

    def index(self, req):
        return wsgi.json_response({'resource_types': [
            dict(name=item.name, **views.timestamps(item))
            for item in self.service.list_resource_types(req.context)]})

    def associations(self, req, namespace):
        return wsgi.json_response({'resource_type_associations': [
            views.association(item)
            for item in self.service.associations(req.context, namespace)]})

    def associate(self, req, namespace):
        body = schemas.validate('resource_type', req.json_body_or_400())
        association = entities.Association.from_dict(body)
        return wsgi.json_response(views.association(
            self.service.associate(req.context, namespace, association)),
            status=201)

    def deassociate(self, req, namespace, name):
        self.service.deassociate(req.context, namespace, name)
        return wsgi.empty_response()
