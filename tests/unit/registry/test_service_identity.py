"""glance-api calling glance-registry as the service itself, for no caller
(maintenance): the identity it sends, and a round through a trusted-auth
registry.  (Against a keystone registry: tests/functional/
test_keystone.py.)"""

import logging
import os
import sqlite3

from glance import gateway
from glance.registry import service_identity
from tests.functional.server import free_port
from tests.unit.api.helpers import as_project
from tests.unit.store import helpers


def conf_with(**options):
    conf = helpers.fresh_conf()
    conf.register_opts(service_identity.OPTS)
    for name, value in options.items():
        conf.set_override(name, value)
    return conf


def test_without_keystone_the_service_is_an_admin_with_no_token():
    ctx = service_identity.service_context(conf_with())
    assert (ctx.user_id, ctx.roles, ctx.is_admin, ctx.auth_token) == (
        'glance', ['admin'], True, None)
    assert service_identity.service_context(
        conf_with(admin_user='svc')).user_id == 'svc'


def test_keystone_out_of_reach_gives_no_token_and_says_so(caplog):
    conf = conf_with(auth_strategy='keystone', admin_user='glance',
                     admin_password='pw', admin_tenant_name='service',
                     auth_url='http://127.0.0.1:%d/v3' % free_port())
    with caplog.at_level(logging.WARNING):
        assert service_identity.service_context(conf).auth_token is None
    assert 'No token for glance' in caplog.text


def test_maintenance_through_a_trusted_auth_registry(make_api, tmp_path,
                                                    caplog):
    """The round sends the service's identity headers: the registry lets
    it see every project's images, and a stalled upload is requeued."""
    api = make_api(flavor='trusted-auth', data_api='registry')
    image_id = as_project(api, 'alpha').post('/v2/images', json={
        'name': 'stalled'}).json()['id']
    with sqlite3.connect(os.path.join(tmp_path, 'glance.sqlite')) as db:
        db.execute("UPDATE images SET status = 'saving', updated_at = "
                   "datetime('now', '-1 day') WHERE id = ?", (image_id,))
    with caplog.at_level(logging.WARNING):
        gateway.run_maintenance()
    assert 'not done' not in caplog.text
    assert as_project(api, 'alpha').get('/v2/images/' + image_id).json()[
        'status'] == 'queued'
