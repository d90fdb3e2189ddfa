"""Default policy rules for the discovery API."""

from oslo_policy import policy

from glance.policies import base


def list_rules():
    return [policy.DocumentedRuleDefault(
        name='stores_info_detail', check_str=base.ADMIN,
        description='Show the stores with their properties',
        operations=[{'method': 'GET', 'path': '/v2/info/stores/detail'}],
        scope_types=['project'])]
