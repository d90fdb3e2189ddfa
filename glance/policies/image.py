"""Default policy rules for images, their data, locations and members.

OpenStack Glance's names and secure-RBAC defaults, for project-scoped
tokens.  Each rule also names the rule it replaces (``rule:default``, as in
Glance before Wallaby): with ``[oslo_policy] enforce_new_defaults = false``
either one lets a caller through.
"""

from oslo_policy import policy

from glance.policies import base

_DEPRECATED_REASON = 'The image API now supports the default roles.'
_DEPRECATED_SINCE = 'W'
IMAGE = '/v2/images/{image_id}'
MEMBER = IMAGE + '/members/{member_id}'

# name, check string, description, operations (method, path), deprecated
_RULES = [
    ('add_image', base.ADMIN_OR_PROJECT_MEMBER_CREATE, 'Create new image',
     [('POST', '/v2/images'), ('POST', '/v1/images')], True),
    ('delete_image', base.ADMIN_OR_PROJECT_MEMBER, 'Deletes the image',
     [('DELETE', IMAGE), ('DELETE', '/v1/images/{image_id}')], True),
    ('get_image', base.ADMIN_OR_READER_GET_IMAGE, 'Get specified image',
     [('GET', IMAGE), ('HEAD', '/v1/images/{image_id}')], True),
    ('get_images', base.ADMIN_OR_PROJECT_READER, 'Get all available images',
     [('GET', '/v2/images'), ('GET', '/v1/images/detail')], True),
    ('modify_image', base.ADMIN_OR_PROJECT_MEMBER, 'Updates given image',
     [('PATCH', IMAGE), ('PUT', '/v1/images/{image_id}')], True),
    ('publicize_image', base.ADMIN, 'Publicize given image',
     [('PATCH', IMAGE)], False),
    ('communitize_image', base.ADMIN_OR_PROJECT_MEMBER,
     'Communitize given image', [('PATCH', IMAGE)], True),
    ('download_image', base.ADMIN_OR_MEMBER_DOWNLOAD_IMAGE,
     'Downloads given image',
     [('GET', IMAGE + '/file'), ('GET', '/v1/images/{image_id}')], True),
    ('upload_image', base.ADMIN_OR_PROJECT_MEMBER,
     'Uploads data to specified image',
     [('PUT', IMAGE + '/file'), ('PUT', '/v1/images/{image_id}')], True),
    ('copy_from', base.ADMIN_OR_PROJECT_MEMBER,
     'Have the service copy image data from a URL (Image API v1)',
     [('POST', '/v1/images'), ('PUT', '/v1/images/{image_id}')], True),
    ('copy_image', base.ADMIN, 'Copy existing image to other stores',
     [('POST', IMAGE + '/import')], False),
    ('delete_image_location', base.ADMIN,
     'Deletes the location of given image', [('PATCH', IMAGE)], True),
    ('get_image_location', base.ADMIN_OR_PROJECT_READER,
     'Reads the location of the image', [('GET', IMAGE)], True),
    ('set_image_location', base.ADMIN_OR_PROJECT_MEMBER,
     'Sets location URI to given image',
     [('PATCH', IMAGE), ('POST', '/v1/images')], True),
    ('add_image_location', base.ADMIN_OR_SERVICE_OR_PROJECT_MEMBER,
     'Add a location to a queued image (Image API 2.17): services, and '
     'image owners for http locations',
     [('POST', IMAGE + '/locations')], False),
    ('fetch_image_location', base.SERVICE,
     'Read the locations of an image (Image API 2.17; services only)',
     [('GET', IMAGE + '/locations')], False),
    ('add_member', base.ADMIN_OR_PROJECT_MEMBER, 'Create image member',
     [('POST', IMAGE + '/members')], True),
    ('delete_member', base.ADMIN_OR_PROJECT_MEMBER, 'Delete image member',
     [('DELETE', MEMBER)], True),
    ('get_member', base.ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER,
     'Show image member details', [('GET', MEMBER)], True),
    ('get_members', base.ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER,
     'List image members', [('GET', IMAGE + '/members')], True),
    ('modify_member', base.ADMIN_OR_SHARED_MEMBER,
     'Update image member (accept or reject the image)',
     [('PUT', MEMBER)], True),
    ('deactivate', base.ADMIN_OR_PROJECT_MEMBER, 'Deactivate image',
     [('POST', IMAGE + '/actions/deactivate')], True),
    ('reactivate', base.ADMIN_OR_PROJECT_MEMBER, 'Reactivate image',
     [('POST', IMAGE + '/actions/reactivate')], True),
]


def _rule(name, check, description, operations, deprecated):
    old = None
    if deprecated:
        old = policy.DeprecatedRule(
            name=name, check_str='rule:default',
            deprecated_reason=_DEPRECATED_REASON,
            deprecated_since=_DEPRECATED_SINCE)
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}
                    for method, path in operations],
        scope_types=['project'], deprecated_rule=old)


def list_rules():
    return [_rule(*rule) for rule in _RULES]
