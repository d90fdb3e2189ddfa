"""``/v2/images/{id}/actions/deactivate`` and ``.../reactivate``."""

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload


def test_deactivate_and_reactivate(api):
    image = create(api)
    actions = '/v2/images/%s/actions/' % image['id']
    assert api.post(actions + 'deactivate').status_code == 403
    upload(api, image['id'], b'data')
    assert api.post(actions + 'deactivate').status_code == 204
    assert show(api, image['id']).json()['status'] == 'deactivated'
    assert api.post(actions + 'deactivate').status_code == 204
    assert api.post(actions + 'reactivate').status_code == 204
    assert show(api, image['id']).json()['status'] == 'active'


def test_deactivation_is_admin_only_and_blocks_downloads(make_api, data_api):
    api = make_api(flavor='trusted-auth', data_api=data_api)
    alpha, ops = as_project(api, 'alpha'), as_project(api, 'ops', 'admin')
    image = alpha.post('/v2/images', json={}).json()
    path = '/v2/images/' + image['id']
    assert alpha.put(path + '/file', data=b'abc',
                     headers=OCTET).status_code == 204
    assert alpha.post(path + '/actions/deactivate').status_code == 403
    assert ops.post(path + '/actions/deactivate').status_code == 204
    assert alpha.get(path + '/file').status_code == 403
    admin_read = ops.get(path + '/file')
    assert admin_read.status_code == 200 and admin_read.content == b'abc'
