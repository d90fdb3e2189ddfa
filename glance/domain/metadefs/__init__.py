"""Metadata definitions (metadefs): the catalog of properties dashboards
and clients offer for images, volumes, flavors and other resources.

``entities``: namespaces and what they hold; ``repository``: what storage
must provide; ``rules``: who sees and who changes a namespace;
``service``: every operation the API and glance-manage call.
"""
