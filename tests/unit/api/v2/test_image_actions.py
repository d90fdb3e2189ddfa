"""``/v2/images/{id}/actions/deactivate`` and ``.../reactivate``."""

from tests.unit.api.helpers import as_project
from tests.unit.api.helpers import create
from tests.unit.api.helpers import OCTET
from tests.unit.api.helpers import show
from tests.unit.api.helpers import upload


def test_deactivate_and_reactivate(api):
    image = create(api, disk_format='raw', container_format='bare')
    actions = '/v2/images/%s/actions/' % image['id']
    assert api.post(actions + 'deactivate').status_code == 403
    upload(api, image['id'], b'data')
    assert api.post(actions + 'deactivate').status_code == 204
    assert show(api, image['id']).json()['status'] == 'deactivated'
    assert api.post(actions + 'deactivate').status_code == 204
    assert api.post(actions + 'reactivate').status_code == 204
    assert show(api, image['id']).json()['status'] == 'active'


def test_the_owning_project_deactivates_and_only_admins_then_download(
        make_api, data_api):
    """Glance's secure-RBAC defaults: a member of the owning project
    deactivates and reactivates; its readers and other projects cannot."""
    api = make_api(flavor='trusted-auth', data_api=data_api)
    alpha, ops = as_project(api, 'alpha'), as_project(api, 'ops', 'admin')
    alpha_reader = as_project(api, 'alpha', 'reader')
    beta = as_project(api, 'beta')
    image = alpha.post('/v2/images', json={
        'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'shared'}).json()
    path = '/v2/images/' + image['id']
    assert alpha.put(path + '/file', data=b'abc',
                     headers=OCTET).status_code == 204
    assert alpha_reader.post(path + '/actions/deactivate').status_code == 403
    assert beta.post(path + '/actions/deactivate').status_code == 404
    assert alpha.post(path + '/actions/deactivate').status_code == 204
    assert alpha.get(path + '/file').status_code == 403
    assert alpha.post(path + '/actions/reactivate').status_code == 204
    assert ops.post(path + '/actions/deactivate').status_code == 204
    admin_read = ops.get(path + '/file')
    assert admin_read.status_code == 200 and admin_read.content == b'abc'
