"""``/v2/metadefs``: every route, by persona (trusted-auth flavor), with
metadata in the database and through glance-registry."""

import pytest
from oslo_config import cfg
from oslo_policy import opts as policy_opts

from tests.unit.api.helpers import as_project

BASE = '/v2/metadefs/namespaces'
WATCHDOG = {
    'namespace': 'OS::Compute::Watchdog',
    'display_name': 'Watchdog Behavior',
    'description': 'What a guest watchdog does when the guest hangs.',
    'visibility': 'public',
    'protected': True,
    'resource_type_associations': [
        {'name': 'OS::Glance::Image', 'prefix': 'hw_'},
        {'name': 'OS::Nova::Flavor', 'prefix': 'hw:'}],
    'properties': {'watchdog_action': {
        'title': 'Watchdog Action', 'type': 'string',
        'enum': ['disabled', 'reset', 'poweroff', 'pause', 'none']}},
}


def personas(api):
    return {'admin': as_project(api, 'operators', roles='admin,member'),
            'alpha': as_project(api, 'alpha'),
            'beta': as_project(api, 'beta')}


@pytest.fixture
def users(make_api, data_api):
    return personas(make_api(flavor='trusted-auth', data_api=data_api))


@pytest.fixture
def owners_write(make_api, data_api, tmp_path):
    """Personas under a policy letting any caller write metadefs: the
    owner rules alone decide."""
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"metadef_admin": ""\n')
    policy_opts.set_defaults(cfg.CONF)
    return personas(make_api(
        flavor='trusted-auth', data_api=data_api,
        conf={'oslo_policy': {'policy_file': str(policy_file)}}))


def create(client, body, status=201):
    response = client.post(BASE, json=body)
    assert response.status_code == status, response.text
    return response.json() if status == 201 else None


def listed(client, **params):
    response = client.get(BASE, params=params)
    assert response.status_code == 200, response.text
    return [namespace['namespace']
            for namespace in response.json()['namespaces']]


def test_namespace_lifecycle(users):
    admin = users['admin']
    created = admin.post(BASE, json=WATCHDOG)
    assert created.status_code == 201, created.text
    assert created.headers['Location'].endswith(
        BASE + '/OS::Compute::Watchdog')
    body = created.json()
    assert body['owner'] == 'operators'
    assert body['self'] == BASE + '/OS::Compute::Watchdog'
    assert body['schema'] == '/v2/schemas/metadefs/namespace'
    assert body['properties'] == WATCHDOG['properties']
    assert [a['name'] for a in body['resource_type_associations']] == [
        'OS::Glance::Image', 'OS::Nova::Flavor']
    assert created.json()['created_at'].endswith('Z')

    path = BASE + '/OS::Compute::Watchdog'
    shown = admin.get(path).json()
    assert 'objects' not in shown and 'tags' not in shown
    flavor = admin.get(path, params={'resource_type': 'OS::Nova::Flavor'})
    assert list(flavor.json()['properties']) == ['hw:watchdog_action']

    assert admin.post(BASE, json=WATCHDOG).status_code == 409

    updated = admin.put(path, json=dict(shown, display_name='Watchdog',
                                        protected=False))
    assert updated.status_code == 200, updated.text
    assert updated.json()['display_name'] == 'Watchdog'
    assert updated.json()['protected'] is False
    renamed = admin.put(path, json={'namespace': 'OS::Compute::Dog'})
    assert renamed.status_code == 200, renamed.text
    assert admin.get(path).status_code == 404
    assert admin.delete(BASE + '/OS::Compute::Dog').status_code == 204
    assert admin.get(BASE + '/OS::Compute::Dog').status_code == 404
    assert admin.delete(BASE + '/OS::Compute::Dog').status_code == 404


def test_protected_namespaces_and_their_contents_are_not_deleted(users):
    admin = users['admin']
    create(admin, dict(WATCHDOG, tags=[{'name': 'kept'}],
                       objects=[{'name': 'kept'}]))
    path = BASE + '/OS::Compute::Watchdog'
    for suffix in ('', '/properties', '/objects', '/tags',
                   '/properties/watchdog_action', '/objects/kept',
                   '/tags/kept', '/resource_types/OS::Nova::Flavor'):
        response = admin.delete(path + suffix)
        assert response.status_code == 403, (suffix, response.text)
    assert admin.put(path, json={'namespace': 'OS::Compute::Watchdog',
                                 'protected': False}).status_code == 200
    assert admin.delete(path + '/tags').status_code == 204
    assert admin.get(path + '/tags').json() == {'tags': []}
    assert admin.delete(path).status_code == 204


@pytest.mark.parametrize('body', [
    {},
    {'namespace': ''},
    {'namespace': 'x' * 81},
    {'namespace': 'ns', 'visibility': 'shared'},
    {'namespace': 'ns', 'protected': 'yes'},
    {'namespace': 'ns', 'colour': 'blue'},
    {'namespace': 'ns', 'properties': {'p': {'type': 'string'}}},
    {'namespace': 'ns', 'properties': {'p': {'title': 'P', 'type': 'text'}}},
    {'namespace': 'ns', 'objects': [{'name': 'o'}, {'name': 'o'}]},
    {'namespace': 'ns', 'resource_type_associations': [{'prefix': 'x'}]},
    ['ns'],
])
def test_invalid_namespaces_are_refused(users, body):
    response = users['admin'].post(BASE, json=body)
    assert response.status_code in (400, 409), response.text
    assert users['admin'].get(BASE + '/ns').status_code == 404


def test_malformed_requests_are_400(users):
    admin = users['admin']
    assert admin.post(BASE, data='{not json',
                      headers={'Content-Type': 'application/json'}
                      ).status_code == 400
    for params in ({'limit': '-1'}, {'limit': 'ten'},
                   {'sort_key': 'colour'}, {'sort_dir': 'up'},
                   {'visibility': 'shared'}):
        assert admin.get(BASE, params=params).status_code == 400, params
    assert admin.get(BASE, params={'marker': 'none'}).status_code == 404


def test_visibility_by_persona(users):
    admin, alpha, beta = users['admin'], users['alpha'], users['beta']
    create(admin, {'namespace': 'public-ns', 'visibility': 'public'})
    create(admin, {'namespace': 'alpha-ns', 'owner': 'alpha'})
    create(admin, {'namespace': 'admin-ns'})
    assert sorted(listed(admin)) == ['admin-ns', 'alpha-ns', 'public-ns']
    assert sorted(listed(alpha)) == ['alpha-ns', 'public-ns']
    assert listed(beta) == ['public-ns']
    assert listed(alpha, visibility='private') == ['alpha-ns']
    assert alpha.get(BASE + '/alpha-ns').status_code == 200
    for path in ('', '/properties', '/objects', '/tags', '/resource_types',
                 '/tags/x', '/properties/x', '/objects/x'):
        response = beta.get(BASE + '/alpha-ns' + path)
        assert response.status_code == 404, (path, response.text)
    # Beta cannot learn of alpha's namespace by writing to it either.
    assert beta.delete(BASE + '/alpha-ns').status_code == 404


def test_only_admins_write_under_the_default_policy(users):
    admin, alpha = users['admin'], users['alpha']
    create(admin, {'namespace': 'alpha-ns', 'owner': 'alpha'})
    path = BASE + '/alpha-ns'
    assert alpha.post(BASE, json={'namespace': 'mine'}).status_code == 403
    refused = [
        alpha.put(path, json={'namespace': 'alpha-ns', 'display_name': 'x'}),
        alpha.delete(path),
        alpha.post(path + '/properties',
                   json={'name': 'p', 'title': 'P', 'type': 'string'}),
        alpha.post(path + '/objects', json={'name': 'o'}),
        alpha.post(path + '/tags/t'),
        alpha.post(path + '/tags', json={'tags': [{'name': 't'}]}),
        alpha.post(path + '/resource_types',
                   json={'name': 'OS::Glance::Image'}),
        alpha.delete(path + '/tags'),
    ]
    assert [response.status_code for response in refused] == [403] * 8
    assert 'Policy does not allow' in refused[0].text


def test_owner_rules_when_policy_lets_anyone_write(owners_write):
    alpha, beta = owners_write['alpha'], owners_write['beta']
    created = create(alpha, {'namespace': 'alpha-ns', 'visibility': 'public'})
    assert created['owner'] == 'alpha'
    create(alpha, {'namespace': 'for-beta', 'owner': 'beta'}, status=403)
    path = BASE + '/alpha-ns'
    assert alpha.post(path + '/tags/mine').status_code == 201
    # Beta sees alpha's public namespace but changes nothing in it.
    assert beta.get(path).status_code == 200
    for response in (beta.post(path + '/tags/theirs'),
                     beta.delete(path + '/tags/mine'),
                     beta.put(path, json={'namespace': 'alpha-ns'}),
                     beta.delete(path)):
        assert response.status_code == 403, response.text
    assert alpha.put(path, json={'namespace': 'alpha-ns',
                                 'owner': 'beta'}).status_code == 403
    assert alpha.delete(path).status_code == 204


def test_anonymous_callers_read_public_namespaces_only(make_api, data_api):
    api = make_api(data_api=data_api,
                   conf={'DEFAULT': {'allow_anonymous_access': True}},
                   flavor='trusted-auth')
    admin = personas(api)['admin']
    create(admin, {'namespace': 'open', 'visibility': 'public'})
    create(admin, {'namespace': 'closed', 'owner': 'alpha'})
    assert listed(api) == ['open']
    assert api.get(BASE + '/closed').status_code == 404


def test_paging_and_sorting(users):
    admin = users['admin']
    names = ['ns-%d' % i for i in range(5)]
    for name in names:
        create(admin, {'namespace': name, 'display_name': name[::-1]})
    assert listed(admin, sort_key='namespace', sort_dir='asc') == names
    first = admin.get(BASE, params={'limit': 2, 'sort_key': 'namespace',
                                    'sort_dir': 'desc'}).json()
    assert [n['namespace'] for n in first['namespaces']] == ['ns-4', 'ns-3']
    assert first['first'].startswith(BASE)
    following = admin.get(first['next']).json()
    assert [n['namespace'] for n in following['namespaces']] == [
        'ns-2', 'ns-1']
    assert listed(admin, sort_key='display_name', limit=1) == ['ns-4']
    assert listed(admin, sort_key='created_at', marker='ns-0') == []


def test_resource_type_filter_and_associations(users):
    admin = users['admin']
    create(admin, WATCHDOG)
    create(admin, {'namespace': 'volumes', 'resource_type_associations': [
        {'name': 'OS::Cinder::Volume', 'properties_target': 'image'}]})
    assert listed(admin, resource_types='OS::Nova::Flavor') == [
        'OS::Compute::Watchdog']
    assert sorted(listed(
        admin, resource_types='OS::Cinder::Volume,OS::Glance::Image')) == [
        'OS::Compute::Watchdog', 'volumes']
    types = admin.get('/v2/metadefs/resource_types').json()
    assert [t['name'] for t in types['resource_types']] == [
        'OS::Cinder::Volume', 'OS::Glance::Image', 'OS::Nova::Flavor']

    path = BASE + '/volumes/resource_types'
    added = admin.post(path, json={'name': 'OS::Nova::Aggregate',
                                   'prefix': 'aggr_'})
    assert added.status_code == 201, added.text
    assert added.json()['prefix'] == 'aggr_'
    assert admin.post(path, json={'name': 'OS::Nova::Aggregate'}
                      ).status_code == 409
    assert admin.post(path, json={'prefix': 'x'}).status_code == 400
    associations = admin.get(path).json()['resource_type_associations']
    assert [(a['name'], a.get('properties_target')) for a in associations
            ] == [('OS::Cinder::Volume', 'image'),
                  ('OS::Nova::Aggregate', None)]
    assert admin.delete(path + '/OS::Nova::Aggregate').status_code == 204
    assert admin.delete(path + '/OS::Nova::Aggregate').status_code == 404


def test_properties(users):
    admin = users['admin']
    create(admin, {'namespace': 'ns', 'resource_type_associations': [
        {'name': 'OS::Glance::Image', 'prefix': 'hw_'}]})
    path = BASE + '/ns/properties'
    cpu = {'name': 'cpu_policy', 'title': 'CPU Policy', 'type': 'string',
           'enum': ['shared', 'dedicated'], 'default': 'shared'}
    created = admin.post(path, json=cpu)
    assert created.status_code == 201, created.text
    assert created.json() == cpu
    assert admin.post(path, json=cpu).status_code == 409
    assert admin.post(path, json={'name': 'x', 'type': 'string'}
                      ).status_code == 400
    assert admin.post(path, json=dict(cpu, name='y', minLength=-1)
                      ).status_code == 400
    assert admin.get(path).json()['properties'] == {
        'cpu_policy': {k: v for k, v in cpu.items() if k != 'name'}}
    assert admin.get(path + '/cpu_policy').json() == cpu
    prefixed = admin.get(path + '/hw_cpu_policy',
                         params={'resource_type': 'OS::Glance::Image'})
    assert prefixed.status_code == 200 and prefixed.json() == cpu
    assert admin.get(path + '/cpu_policy', params={
        'resource_type': 'OS::Glance::Image'}).status_code == 404

    renamed = admin.put(path + '/cpu_policy',
                        json=dict(cpu, name='cpu_pinning', title='Pinning'))
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()['title'] == 'Pinning'
    assert admin.get(path + '/cpu_policy').status_code == 404
    admin.post(path, json=dict(cpu, name='other'))
    assert admin.put(path + '/other', json=dict(cpu, name='cpu_pinning')
                     ).status_code == 409
    assert admin.delete(path + '/other').status_code == 204
    assert admin.delete(path + '/other').status_code == 404
    assert admin.delete(path).status_code == 204
    assert admin.get(path).json()['properties'] == {}


def test_objects(users):
    admin = users['admin']
    create(admin, {'namespace': 'ns'})
    path = BASE + '/ns/objects'
    body = {'name': 'CPU Limits', 'description': 'Quota of CPU time.',
            'required': ['quota:cpu_period'],
            'properties': {'quota:cpu_period': {
                'title': 'Period', 'type': 'integer', 'minimum': 1000}}}
    created = admin.post(path, json=body)
    assert created.status_code == 201, created.text
    view = created.json()
    assert {k: view[k] for k in body} == body
    assert view['self'] == path + '/CPU%20Limits'
    assert view['schema'] == '/v2/schemas/metadefs/object'
    assert admin.post(path, json=body).status_code == 409
    assert admin.post(path, json={'description': 'no name'}
                      ).status_code == 400
    listing = admin.get(path).json()
    assert [o['name'] for o in listing['objects']] == ['CPU Limits']
    assert admin.get(path + '/CPU Limits').json()['required'] == [
        'quota:cpu_period']
    updated = admin.put(path + '/CPU Limits',
                        json=dict(view, description='changed'))
    assert updated.status_code == 200, updated.text
    assert updated.json()['description'] == 'changed'
    shown = admin.get(BASE + '/ns').json()
    assert [o['name'] for o in shown['objects']] == ['CPU Limits']
    assert admin.delete(path + '/CPU Limits').status_code == 204
    assert admin.get(path + '/CPU Limits').status_code == 404
    admin.post(path, json=body)
    assert admin.delete(path).status_code == 204
    assert admin.get(path).json()['objects'] == []


def test_tags(users):
    admin = users['admin']
    create(admin, {'namespace': 'ns'})
    path = BASE + '/ns/tags'
    created = admin.post(path + '/gold')
    assert created.status_code == 201, created.text
    assert created.json()['name'] == 'gold'
    assert admin.post(path + '/gold').status_code == 409
    several = admin.post(path, json={'tags': [{'name': 'a'}, {'name': 'b'}]})
    assert several.status_code == 201, several.text
    assert [t['name'] for t in several.json()['tags']] == ['a', 'b']
    # Without X-Openstack-Append they replace the namespace's tags.
    assert [t['name'] for t in admin.get(path).json()['tags']] == ['a', 'b']
    appended = admin.post(path, json={'tags': [{'name': 'c'}]},
                          headers={'X-Openstack-Append': 'True'})
    assert appended.status_code == 201, appended.text
    assert [t['name'] for t in admin.get(path).json()['tags']] == [
        'a', 'b', 'c']
    assert admin.post(path, json={'tags': [{'name': 'c'}]},
                      headers={'X-Openstack-Append': 'true'}
                      ).status_code == 409
    assert admin.post(path, json={'tags': [{'name': 'd'}, {'name': 'd'}]}
                      ).status_code == 409
    assert admin.post(path, json={'tags': 'd'}).status_code == 400
    assert admin.post(path, json={'tags': [{'label': 'd'}]}
                      ).status_code == 400
    renamed = admin.put(path + '/a', json={'name': 'z'})
    assert renamed.status_code == 200 and renamed.json()['name'] == 'z'
    assert admin.put(path + '/b', json={'name': 'z'}).status_code == 409
    assert admin.get(path + '/z').status_code == 200
    assert admin.get(path + '/a').status_code == 404
    assert admin.delete(path + '/z').status_code == 204
    assert admin.delete(path).status_code == 204
    assert admin.get(path).json()['tags'] == []


def test_routes_of_an_unknown_namespace_are_404(users):
    admin = users['admin']
    path = BASE + '/missing'
    for method, suffix, body in (
            ('get', '', None), ('put', '', {'namespace': 'missing'}),
            ('delete', '', None), ('get', '/properties', None),
            ('post', '/properties', {'name': 'p', 'title': 'P',
                                     'type': 'string'}),
            ('get', '/objects/o', None), ('post', '/tags/t', None),
            ('post', '/tags', {'tags': []}), ('delete', '/tags', None),
            ('get', '/resource_types', None),
            ('post', '/resource_types', {'name': 'OS::Glance::Image'})):
        response = getattr(admin, method)(path + suffix, json=body)
        assert response.status_code == 404, (method, suffix, response.text)


def test_other_methods_are_405(users):
    response = users['admin'].patch(BASE + '/ns', json={})
    assert response.status_code == 405
    assert response.headers['Allow'] == 'DELETE, GET, PUT'


@pytest.mark.parametrize('name', [
    'namespace', 'namespaces', 'property', 'properties', 'object',
    'objects', 'tag', 'tags', 'resource_type', 'resource_types'])
def test_schemas_are_published(users, name):
    response = users['beta'].get('/v2/schemas/metadefs/' + name)
    assert response.status_code == 200
    assert response.json()['name'] in (name, 'resource_type_association',
                                       'resource_type_associations')


def test_an_unknown_schema_is_404(users):
    assert users['admin'].get('/v2/schemas/metadefs/colour'
                              ).status_code == 404


def test_tags_and_objects_are_paged(users):
    admin = users['admin']
    create(admin, {'namespace': 'ns', 'tags': [
        {'name': name} for name in ('c', 'a', 'd', 'b')],
        'objects': [{'name': 'o1'}, {'name': 'o2'}]})
    path = BASE + '/ns/tags'

    def page(**params):
        response = admin.get(path, params=params)
        assert response.status_code == 200, response.text
        return [tag['name'] for tag in response.json()['tags']]

    assert page() == ['a', 'b', 'c', 'd']
    assert page(sort_key='name', sort_dir='asc', limit=2) == ['a', 'b']
    assert page(sort_key='name', sort_dir='asc', marker='b') == ['c', 'd']
    assert page(sort_key='name', sort_dir='desc', limit=1,
                marker='c') == ['b']
    # Glance's default order once paging is asked for: newest first.
    assert len(page(limit=3)) == 3
    for params in ({'sort_key': 'colour'}, {'sort_dir': 'up'},
                   {'limit': '-1'}):
        assert admin.get(path, params=params).status_code == 400
    assert admin.get(path, params={'marker': 'zz'}).status_code == 404
    objects = admin.get(BASE + '/ns/objects', params={
        'sort_key': 'name', 'sort_dir': 'desc', 'limit': 1}).json()
    assert [o['name'] for o in objects['objects']] == ['o2']
