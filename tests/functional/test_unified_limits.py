"""Keystone unified limits against a real Keystone
(tests/keystone_server.py): glance-api reads the limits registered for the
image service with its service user through oslo.limit, refuses with 413
naming the limit, honours a project's override, and reports the figures at
/v2/info/usage.  In the sql data_api mode: the registry mode counts through
the same SQL (tests/unit/registry/test_repository_contract.py) and is
tested in process with the same checks (tests/unit/api/v2/test_usage.py)."""

import pytest

from tests.functional.server import ApiServer
from tests.functional.test_keystone import Caller

MiB = 1024 ** 2
OCTET = {'Content-Type': 'application/octet-stream'}
LIMITS = {'image_size_total': 1, 'image_stage_total': 1,
          'image_count_total': 2, 'image_count_uploading': 1}


@pytest.fixture(scope='module')
def glance(keystone, tmp_path_factory):
    """glance-api reading the limits of its endpoint by id, as Glance's
    install guide has it (finding it by service type takes more calls)."""
    keystone.set_limits(LIMITS, {'beta': {'image_count_total': 3}})
    server = ApiServer(tmp_path_factory.mktemp('glance-limits'),
                       flavor='keystone', conf={
                           'keystone_authtoken': keystone.authtoken_options(),
                           'DEFAULT': {'use_keystone_limits': True}})
    endpoint_id = keystone.register_image_endpoint(server.url)
    server.update_conf({'oslo_limit': keystone.oslo_limit_options(
        endpoint_id)})
    server.start()
    yield server
    server.stop()


def create(caller):
    return caller('POST', '/v2/images', json={
        'disk_format': 'raw', 'container_format': 'bare'})


def refused(response, limit):
    assert response.status_code == 413, response.text
    assert 'Resource %s is over limit' % limit in response.text
    return True


def usage(caller):
    response = caller('GET', '/v2/info/usage')
    assert response.status_code == 200, response.text
    return response.json()['usage']


def test_limits_refuse_with_413_and_usage_reports_them(glance, keystone):
    alpha = Caller(glance, keystone.token('alpha-member'))
    beta = Caller(glance, keystone.token('beta-member'))
    assert usage(alpha) == {name: {'limit': limit, 'usage': 0}
                            for name, limit in LIMITS.items()}

    # image_count_total: 2 for alpha; beta's override lets it have 3.
    first, second = (create(alpha).json()['id'] for _ in range(2))
    assert refused(create(alpha), 'image_count_total')
    mine = [create(beta).json()['id'] for _ in range(3)]
    assert refused(create(beta), 'image_count_total')

    # image_size_total: an upload starts only below the limit.
    assert alpha('PUT', '/v2/images/%s/file' % first, data=b'x' * 2 * MiB,
                 headers=OCTET).status_code == 204
    assert refused(alpha('PUT', '/v2/images/%s/file' % second, data=b'x',
                         headers=OCTET), 'image_size_total')
    assert alpha('GET', '/v2/images/' + second).json()['status'] == 'queued'

    # image_stage_total, and image_count_uploading counting the stage.
    assert beta('PUT', '/v2/images/%s/stage' % mine[0], data=b's' * 2 * MiB,
                headers=OCTET).status_code == 204
    assert beta('GET', '/v2/images/' + mine[0]).json()['size'] == 2 * MiB
    assert refused(beta('PUT', '/v2/images/%s/stage' % mine[1], data=b's',
                        headers=OCTET), 'image_stage_total')
    assert refused(beta('PUT', '/v2/images/%s/file' % mine[1], data=b'u',
                        headers=OCTET), 'image_count_uploading')
    assert beta('GET', '/v2/images/' + mine[1]).json()['status'] == 'queued'

    assert usage(alpha) == {
        'image_size_total': {'limit': 1, 'usage': 2},
        'image_stage_total': {'limit': 1, 'usage': 0},
        'image_count_total': {'limit': 2, 'usage': 2},
        'image_count_uploading': {'limit': 1, 'usage': 0}}
    assert usage(beta) == {
        'image_size_total': {'limit': 1, 'usage': 0},
        'image_stage_total': {'limit': 1, 'usage': 2},
        'image_count_total': {'limit': 3, 'usage': 3},
        'image_count_uploading': {'limit': 1, 'usage': 1}}

    # Deleting an image frees its count.
    assert alpha('DELETE', '/v2/images/' + second).status_code == 204
    assert create(alpha).status_code == 201
