"""Default policy rules for tasks, as Glance has them: anyone may use the
task operations the import runs on their behalf, only administrators reach
the /v2/tasks API itself."""

from oslo_policy import policy

from glance.policies import base

_RULES = [
    ('get_task', '', 'Show a task.'),
    ('get_tasks', '', 'List tasks.'),
    ('add_task', '', 'Create a task.'),
    ('modify_task', '', 'Update a task.'),
    ('tasks_api_access', base.ADMIN_RULE,
     'Use the /v2/tasks API (list, show, create tasks).'),
]


def list_rules():
    return [policy.RuleDefault(name, check, description=description)
            for name, check, description in _RULES]
