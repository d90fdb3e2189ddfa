"""``/v2/metadefs``: the metadata definitions catalog, one module per
resource kind; ``schemas`` holds the JSON schemas Glance publishes under
``/v2/schemas/metadefs`` and checks requests against."""
