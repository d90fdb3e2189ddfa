"""python-glanceclient's ``md-*`` commands and Python API, and
openstacksdk's metadef calls, unchanged, against a real glance-api in each
data_api mode."""

import json
import pathlib

from tests.functional.test_clients import run_glance_cli

WATCHDOG_FILE = (pathlib.Path(__file__).parents[2] / 'etc' / 'metadefs' /
                 'compute-watchdog.json')


def cli(api_server, *args):
    return run_glance_cli(api_server, *args)


def test_glanceclient_md_commands(api_server):
    out = cli(api_server, 'md-namespace-create', 'CLI::Test',
              '--display-name', 'CLI test', '--visibility', 'public',
              '--description', 'From the CLI')
    assert 'CLI::Test' in out and 'From the CLI' in out
    assert 'CLI::Test' in cli(api_server, 'md-namespace-list')
    cli(api_server, 'md-namespace-update', 'CLI::Test', '--description',
        'Changed', '--protected', 'True')
    shown = cli(api_server, 'md-namespace-show', 'CLI::Test')
    assert 'Changed' in shown and 'True' in shown

    cli(api_server, 'md-resource-type-associate', 'CLI::Test', '--name',
        'OS::Glance::Image', '--prefix', 'hw_')
    assert 'OS::Glance::Image' in cli(api_server, 'md-resource-type-list')
    assert 'hw_' in cli(api_server, 'md-namespace-resource-type-list',
                        'CLI::Test')

    cli(api_server, 'md-property-create', 'CLI::Test', '--name',
        'watchdog_action', '--title', 'Watchdog', '--type', 'string',
        '--schema', json.dumps({'enum': ['reset', 'pause']}))
    assert 'watchdog_action' in cli(api_server, 'md-property-list',
                                    'CLI::Test')
    cli(api_server, 'md-property-update', 'CLI::Test', 'watchdog_action',
        '--title', 'Watchdog Action')
    assert 'Watchdog Action' in cli(api_server, 'md-property-show',
                                    'CLI::Test', 'watchdog_action')
    prefixed = cli(api_server, 'md-namespace-show', 'CLI::Test',
                   '--resource-type', 'OS::Glance::Image')
    assert 'hw_watchdog_action' in prefixed

    cli(api_server, 'md-object-create', 'CLI::Test', '--name', 'Limits',
        '--schema', json.dumps({
            'description': 'CPU limits', 'required': ['period'],
            'properties': {'period': {'title': 'Period',
                                      'type': 'integer'}}}))
    assert 'Limits' in cli(api_server, 'md-object-list', 'CLI::Test')
    assert 'CPU limits' in cli(api_server, 'md-object-show', 'CLI::Test',
                               'Limits')
    assert 'Period' in cli(api_server, 'md-object-property-show',
                           'CLI::Test', 'Limits', 'period')
    cli(api_server, 'md-object-update', 'CLI::Test', 'Limits', '--name',
        'CPU Limits')
    assert 'CPU Limits' in cli(api_server, 'md-object-list', 'CLI::Test')

    cli(api_server, 'md-tag-create', 'CLI::Test', '--name', 'gold')
    # Without --append, which python-glanceclient itself fails on (it
    # sends the header's value as a bool): they replace the tags.
    cli(api_server, 'md-tag-create-multiple', 'CLI::Test', '--names',
        'silver,bronze')
    tags = cli(api_server, 'md-tag-list', 'CLI::Test')
    assert 'silver' in tags and 'bronze' in tags and 'gold' not in tags
    cli(api_server, 'md-tag-create', 'CLI::Test', '--name', 'gold')
    cli(api_server, 'md-tag-update', 'CLI::Test', 'gold', '--name',
        'platinum')
    assert 'platinum' in cli(api_server, 'md-tag-show', 'CLI::Test',
                             'platinum')

    # A protected namespace keeps its contents until unprotected.
    cli(api_server, 'md-namespace-update', 'CLI::Test', '--protected',
        'False')
    cli(api_server, 'md-tag-delete', 'CLI::Test', 'platinum')
    cli(api_server, 'md-property-delete', 'CLI::Test', 'watchdog_action')
    cli(api_server, 'md-namespace-objects-delete', 'CLI::Test')
    cli(api_server, 'md-namespace-properties-delete', 'CLI::Test')
    cli(api_server, 'md-namespace-tags-delete', 'CLI::Test')
    assert 'silver' not in cli(api_server, 'md-tag-list', 'CLI::Test')
    cli(api_server, 'md-resource-type-deassociate', 'CLI::Test',
        'OS::Glance::Image')
    cli(api_server, 'md-namespace-delete', 'CLI::Test')
    assert 'CLI::Test' not in cli(api_server, 'md-namespace-list')

    imported = cli(api_server, 'md-namespace-import', '--file',
                   str(WATCHDOG_FILE))
    assert 'OS::Compute::Watchdog' in imported
    assert 'watchdog_action' in cli(api_server, 'md-property-list',
                                    'OS::Compute::Watchdog')


def test_glanceclient_python_api(api_server):
    from glanceclient import client
    glance = client.Client('2', endpoint=api_server.url, token='unused')
    with open(WATCHDOG_FILE) as f:
        body = json.load(f)
    created = glance.metadefs_namespace.create(**body)
    assert created.namespace == 'OS::Compute::Watchdog'
    listed = [ns.namespace for ns in glance.metadefs_namespace.list(
        filters={'resource_types': ['OS::Nova::Flavor']})]
    assert listed == ['OS::Compute::Watchdog']
    shown = glance.metadefs_namespace.get('OS::Compute::Watchdog',
                                          resource_type='OS::Nova::Flavor')
    assert list(shown.properties) == ['hw:watchdog_action']
    prop = glance.metadefs_property.get('OS::Compute::Watchdog',
                                        'watchdog_action')
    assert 'reset' in prop.enum
    tags = list(glance.metadefs_tag.create_multiple(
        'OS::Compute::Watchdog', tags=['a', 'b']))
    assert [tag.name for tag in tags] == ['a', 'b']
    types = [rt.name for rt in glance.metadefs_resource_type.list()]
    assert 'OS::Nova::Flavor' in types
    glance.metadefs_namespace.update('OS::Compute::Watchdog',
                                     protected=False)
    glance.metadefs_namespace.delete('OS::Compute::Watchdog')
    assert list(glance.metadefs_namespace.list()) == []


def test_openstacksdk_metadef_calls(api_server):
    import openstack
    conn = openstack.connection.Connection(
        auth_type='none', image_endpoint_override=api_server.url + '/v2')
    image = conn.image
    namespace = image.create_metadef_namespace(
        namespace='SDK::Test', display_name='SDK', visibility='public')
    assert namespace.namespace == 'SDK::Test'
    assert [ns.namespace for ns in image.metadef_namespaces()] == [
        'SDK::Test']
    image.update_metadef_namespace(namespace, description='Updated')
    assert image.get_metadef_namespace('SDK::Test').description == \
        'Updated'

    image.create_metadef_resource_type_association(
        'SDK::Test', name='OS::Nova::Flavor', prefix='hw:')
    assert [a.name for a in image.metadef_resource_type_associations(
        'SDK::Test')] == ['OS::Nova::Flavor']
    assert 'OS::Nova::Flavor' in [
        rt.name for rt in image.metadef_resource_types()]

    image.create_metadef_property('SDK::Test', name='cpu_policy',
                                  title='CPU Policy', type='string',
                                  enum=['shared', 'dedicated'])
    prop = image.get_metadef_property('cpu_policy', 'SDK::Test')
    assert prop.enum == ['shared', 'dedicated']
    image.update_metadef_property(prop, 'SDK::Test', title='Pinning',
                                  type='string')
    assert [p.name for p in image.metadef_properties('SDK::Test')] == [
        'cpu_policy']

    image.create_metadef_object('SDK::Test', name='Limits',
                                description='CPU limits')
    assert [o.name for o in image.metadef_objects('SDK::Test')] == [
        'Limits']
    assert image.get_metadef_object('Limits', 'SDK::Test').description == \
        'CPU limits'

    image.add_tag_to_metadef_namespace('SDK::Test', 'gold')
    shown = image.get_metadef_namespace('SDK::Test')
    assert [tag['name'] for tag in shown.tags] == ['gold']
    image.remove_tag_from_metadef_namespace('SDK::Test', 'gold')

    schema = image.get_metadef_namespace_schema()
    assert schema.name == 'namespace'

    image.delete_metadef_object('Limits', 'SDK::Test')
    image.delete_all_metadef_properties('SDK::Test')
    image.delete_metadef_resource_type_association('OS::Nova::Flavor',
                                                   'SDK::Test')
    image.delete_metadef_namespace('SDK::Test')
    assert list(image.metadef_namespaces()) == []
