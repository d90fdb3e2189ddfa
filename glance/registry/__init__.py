"""glance-registry: the image repository served over HTTP.

``api`` is the registry server (the Glance registry REST API over the SQL
repository), ``client`` the HTTP client glance-api uses to reach it,
``repository`` the ImageRepository built on that client, ``wire`` and
``query`` the JSON and query-string forms both sides share.
"""
