"""Default policy rules for the image cache: administrators only, as in
Glance.  ``manage_image_cache`` guards the v1 routes of the cachemanage
filter, the others the v2 cache API route by route."""

from oslo_policy import policy

from glance.policies import base

_RULES = [
    ('cache_list', 'List the cached and queued images (GET /v2/cache).'),
    ('cache_delete', 'Remove images from the cache or its queue '
                     '(DELETE /v2/cache, DELETE /v2/cache/{image_id}).'),
    ('cache_image', 'Queue an image and cache it at once '
                    '(PUT /v2/cache/{image_id}).'),
    ('cache_clean', 'Run the cache cleaner (POST /v2/cache/clean).'),
    ('cache_prune', 'Run the cache pruner (POST /v2/cache/prune).'),
    ('list_cached_nodes', 'List the nodes caching an image '
                          '(GET /v2/cache/nodes/{image_id}).'),
    ('manage_image_cache', 'Manage the image cache through the v1 routes '
                           '/v1/cached_images and /v1/queued_images.'),
]


def list_rules():
    return [policy.RuleDefault(name, base.ADMIN_RULE,
                               description=description)
            for name, description in _RULES]
