"""Default policy rules for images and their members.

Ownership and visibility are decided by the domain; these rules say which
callers may attempt an action at all.  Image targets expose ``owner`` and
``visibility`` so operators can write rules such as ``project_id:%(owner)s``.
"""

from oslo_policy import policy

from glance.policies import base

_RULES = [
    ('add_image', '', 'Create an image.'),
    ('get_image', '', 'Show an image.'),
    ('get_images', '', 'List images.'),
    ('modify_image', '', 'Update an image.'),
    ('delete_image', '', 'Delete an image.'),
    ('publicize_image', base.ADMIN_RULE,
     'Give an image the public visibility.'),
    ('communitize_image', '', 'Give an image the community visibility.'),
    ('upload_image', '', 'Upload image data.'),
    ('copy_from', '',
     'Have the service copy image data from a URL (v1 copy-from).'),
    ('set_image_location', '',
     'Register an external URL as the location of image data (v1).'),
    ('download_image', '', 'Download image data.'),
    ('copy_image', base.ADMIN_RULE,
     'Copy the data of an active image to other stores (copy-image).'),
    ('get_members', '', 'List the members of an image.'),
    ('get_member', '', 'Show one member of an image.'),
    ('add_member', '', 'Share an image with a project.'),
    ('modify_member', '', 'Accept or reject an image shared with you.'),
    ('delete_member', '', 'Stop sharing an image with a project.'),
    ('deactivate', base.ADMIN_RULE, 'Deactivate an image.'),
    ('reactivate', base.ADMIN_RULE, 'Reactivate an image.'),
]


def list_rules():
    return [policy.RuleDefault(name, check, description=description)
            for name, check, description in _RULES]
