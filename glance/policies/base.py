"""Rules every other rule builds on, and the personas' check strings.

The personas are those of OpenStack's secure RBAC: a project reader reads
what its project may see, a project member also writes what its project
owns, an administrator (``context_is_admin``) does anything.  Keystone's
implied roles give a member the reader role too.  Image targets carry
``project_id`` (the image's owner), ``owner``, ``visibility`` and
``member_id`` (the caller's project when it is a member of the image);
targets without an image carry the caller's ``project_id``.
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
# Kept for the rule modules that name it so.
ADMIN_RULE = ADMIN
SERVICE = 'rule:service_api'

PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
IMAGE_MEMBER = 'project_id:%(member_id)s'
_SEEN_BY_READER = (
    "project_id:%(project_id)s or " + IMAGE_MEMBER + " or "
    "'community':%(visibility)s or 'public':%(visibility)s or "
    "'shared':%(visibility)s")

ADMIN_OR_PROJECT_MEMBER = '%s or (%s)' % (ADMIN, PROJECT_MEMBER)
ADMIN_OR_PROJECT_READER = '%s or (%s)' % (ADMIN, PROJECT_READER)
ADMIN_OR_SERVICE_OR_PROJECT_MEMBER = '%s or %s or (%s)' % (
    ADMIN, SERVICE, PROJECT_MEMBER)
ADMIN_OR_PROJECT_MEMBER_CREATE = (
    '%s or (%s and project_id:%%(owner)s)' % (ADMIN, PROJECT_MEMBER))
ADMIN_OR_READER_GET_IMAGE = '%s or (role:reader and (%s))' % (
    ADMIN, _SEEN_BY_READER)
ADMIN_OR_MEMBER_DOWNLOAD_IMAGE = '%s or (role:member and (%s))' % (
    ADMIN, _SEEN_BY_READER)
ADMIN_OR_SHARED_MEMBER = '%s or (role:member and %s)' % (ADMIN, IMAGE_MEMBER)
ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER = (
    '%s or (role:reader and (project_id:%%(project_id)s or %s))'
    % (ADMIN, IMAGE_MEMBER))

_RULES = [
    ('context_is_admin', 'role:admin',
     'Who is an administrator: sees and changes every image.'),
    ('default', '', 'Rule for actions that have none of their own.'),
    ('service_api', 'role:service',
     'Other services calling on behalf of users (service tokens).'),
]


def list_rules():
    return [policy.RuleDefault(name, check, description=description)
            for name, check, description in _RULES]
