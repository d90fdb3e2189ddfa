"""Keystone unified limits in the domain, with oslo.limit's own Enforcer
over a fake Keystone connection: the units, the deltas, what a refusal
leaves, and the errors; the real Keystone is in
tests/functional/test_unified_limits.py."""

import io
import logging
import types

import pytest
from keystoneauth1 import exceptions as keystone_errors
from oslo_config import cfg
from oslo_limit import exception as limit_errors
from oslo_limit import limit as oslo_limit
from oslo_limit import opts as limit_opts

from glance.common import exception
from glance.domain import limits
from tests.file_server import serving
from tests.unit.db.test_repository import race
from tests.unit.domain.conftest import ALICE, OWNER, queued

MiB = 1024 ** 2
REGISTERED = {'image_size_total': 1, 'image_stage_total': 1,
              'image_count_total': 2, 'image_count_uploading': 1}


class FakeKeystone:
    """What oslo.limit asks of Keystone, answered from dicts."""

    def __init__(self, registered, projects):
        self.registered, self.projects = registered, projects

    def get(self, path):
        assert path == '/limits/model'
        return types.SimpleNamespace(
            json=lambda: {'model': {'name': 'flat'}})

    def get_endpoint(self, endpoint_id):
        return types.SimpleNamespace(service_id='image', region_id='r1')

    def registered_limits(self, **query):
        return [types.SimpleNamespace(resource_name=name, default_limit=value)
                for name, value in self.registered.items()]

    def limits(self, project_id, **query):
        return [types.SimpleNamespace(resource_name=name, resource_limit=value)
                for name, value in self.projects.get(project_id, {}).items()]


@pytest.fixture
def keystone(monkeypatch, services):
    fake = FakeKeystone(dict(REGISTERED), {'alice': {'image_count_total': 3}})
    monkeypatch.setattr(oslo_limit, '_SDK_CONNECTION', fake)
    limit_opts.register_opts(cfg.CONF)
    cfg.CONF.set_override('endpoint_id', 'glance', group='oslo_limit')
    services.images.conf.set_override('use_keystone_limits', True)
    yield fake
    cfg.CONF.clear_override('endpoint_id', group='oslo_limit')


def test_off_by_default_nothing_asks_keystone(services, repo):
    def no_keystone(callback):
        raise AssertionError('Keystone was asked')
    unified = limits.UnifiedLimits(repo, services.images.conf, no_keystone)
    unified.check(OWNER, {limits.IMAGE_COUNT_TOTAL: 10 ** 6})
    assert unified.report(OWNER) == {}


def test_creating_asks_for_one_image_more_per_project(services, keystone):
    queued(services)
    queued(services)
    with pytest.raises(exception.LimitExceeded) as refused:
        queued(services)
    assert str(refused.value) == (
        'Project owner is over a limit for [Resource image_count_total is '
        'over limit of 2 due to current usage 2 and delta 1]')
    # alice's own limit is 3.
    for _ in range(3):
        queued(services, ALICE)
    with pytest.raises(exception.LimitExceeded, match='limit of 3'):
        queued(services, ALICE)


def test_an_upload_starts_only_below_image_size_total_in_mib(
        services, keystone):
    first, second = queued(services), queued(services)
    services.data.upload(OWNER, first.id, io.BytesIO(b'x' * (2 * MiB - 1)))
    # 2 MiB less a byte is 1 MiB for the limits, as Glance rounds down.
    assert services.data.limits.usage('owner')['image_size_total'] == 1
    services.data.upload(OWNER, second.id, io.BytesIO(b'x'))
    assert services.data.limits.report(OWNER)['image_size_total'] == {
        'limit': 1, 'usage': 2}
    keystone.registered['image_count_total'] = 10
    third = queued(services)
    with pytest.raises(exception.LimitExceeded,
                       match='image_size_total is over limit of 1 due to '
                             'current usage 2 and delta 0'):
        services.data.upload(OWNER, third.id, io.BytesIO(b'x'))
    assert services.images.get(OWNER, third.id).status == 'queued'


def test_an_upload_over_image_count_uploading_goes_back_to_queued(
        services, keystone, datadir):
    staged, uploaded = queued(services), queued(services)
    services.imports.stage(OWNER, staged.id, io.BytesIO(b'staged'))
    assert services.images.get(OWNER, staged.id).size == 6
    with pytest.raises(exception.LimitExceeded) as refused:
        services.data.upload(OWNER, uploaded.id, io.BytesIO(b'data'))
    assert 'image_count_uploading is over limit of 1 due to current ' \
           'usage 2 and delta 0' in str(refused.value)
    assert services.images.get(OWNER, uploaded.id).status == 'queued'
    assert len(list(datadir.glob('*'))) == 0


def test_a_stage_starts_only_below_image_stage_total(services, keystone):
    first, second = queued(services), queued(services)
    services.imports.stage(OWNER, first.id, io.BytesIO(b's' * 2 * MiB))
    with pytest.raises(exception.LimitExceeded, match='image_stage_total'):
        services.imports.stage(OWNER, second.id, io.BytesIO(b's'))
    assert services.images.get(OWNER, second.id).status == 'queued'


def test_a_location_is_added_over_image_size_total_then_counts(
        services, keystone, tmp_path):
    """As Glance: adding a location checks no unified limit (doc/quotas.md
    says why); its size counts once added, so the next upload is
    refused."""
    services.images.conf.set_override('do_secure_hash', False)
    keystone.registered['image_count_total'] = 10
    over = queued(services)
    services.data.upload(OWNER, over.id, io.BytesIO(b'x' * 2 * MiB))
    image, last = queued(services), queued(services)
    (tmp_path / 'web').mkdir()
    with serving(tmp_path / 'web', **{'disk.img': b'y' * 3 * MiB}) as web:
        services.locations.add(OWNER, image.id, web.url('disk.img'))
    assert services.images.get(OWNER, image.id).status == 'active'
    assert services.data.limits.usage('owner')['image_size_total'] == 5
    with pytest.raises(exception.LimitExceeded, match='image_size_total'):
        services.data.upload(OWNER, last.id, io.BytesIO(b'x'))


def test_a_keystone_that_cannot_be_reached_is_a_logged_503(
        services, repo, caplog):
    def unconfigured(callback):
        raise limit_errors.SessionInitError('no auth_url')
    services.images.conf.set_override('use_keystone_limits', True)
    unified = limits.UnifiedLimits(repo, services.images.conf, unconfigured)
    with caplog.at_level(logging.ERROR), \
            pytest.raises(exception.LimitsUnavailable):
        unified.check(OWNER, {limits.IMAGE_COUNT_TOTAL: 0})
    assert '[oslo_limit]' in caplog.text


def test_a_keystone_failing_mid_check_is_a_503(services, repo):
    class Down:
        def enforce(self, project_id, deltas):
            raise keystone_errors.ConnectFailure('connection refused')

        def calculate_usage(self, project_id, names):
            raise keystone_errors.ConnectFailure('connection refused')
    services.images.conf.set_override('use_keystone_limits', True)
    unified = limits.UnifiedLimits(repo, services.images.conf,
                                   lambda callback: Down())
    with pytest.raises(exception.LimitsUnavailable):
        unified.check(OWNER, {limits.IMAGE_COUNT_TOTAL: 1})
    with pytest.raises(exception.LimitsUnavailable):
        unified.report(OWNER)


def test_concurrent_creates_never_keep_more_images_than_the_limit(
        services, keystone):
    keystone.registered['image_count_total'] = 3
    errors = race(8, lambda number: queued(services))
    kept = services.data.limits.usage('owner')['image_count_total']
    assert 1 <= kept <= 3
    assert len(errors) == 8 - kept
    assert all(isinstance(error, exception.LimitExceeded)
               for error in errors), errors


def test_a_claim_whose_recount_fails_is_undone(services, repo):
    class FailsSecondTime:
        calls = 0

        def enforce(self, project_id, deltas):
            FailsSecondTime.calls += 1
            if FailsSecondTime.calls == 2:
                raise keystone_errors.ConnectFailure('connection refused')
    services.images.conf.set_override('use_keystone_limits', True)
    unified = limits.UnifiedLimits(repo, services.images.conf,
                                   lambda callback: FailsSecondTime())
    undone = []
    with pytest.raises(exception.LimitsUnavailable):
        unified.claim(OWNER, {limits.IMAGE_COUNT_TOTAL: 1},
                      lambda: 'made', undone.append)
    assert undone == ['made']
