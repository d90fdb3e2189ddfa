"""Checks run in a process of their own: this module's ``check`` is the
one each test's child process runs."""

import time

import pytest

from glance.store import probe
from tests.unit.store import helpers


def check(settings):
    if settings['do'] == 'answer':
        return 'seen %s, waiting %s s' % (settings['what'],
                                          settings['timeout'])
    if settings['do'] == 'refuse':
        raise probe.Unusable('refused (HTTP 401)')
    if settings['do'] == 'crash':
        raise KeyError('no such thing')
    time.sleep(60)


@pytest.fixture(autouse=True)
def importable(monkeypatch):
    """The child imports this module, as glance-api's imports glance."""
    monkeypatch.setenv('PYTHONPATH', helpers.REPO_ROOT)


def test_the_answer_and_the_settings_pass():
    assert probe.run(__name__, {'do': 'answer', 'what': 'a bucket'},
                     timeout=3) == 'seen a bucket, waiting 3 s'


def test_the_reason_of_an_unusable_backend():
    with pytest.raises(probe.Unusable) as raised:
        probe.run(__name__, {'do': 'refuse'})
    assert str(raised.value) == 'refused (HTTP 401)'


def test_a_failing_check_gives_its_error():
    with pytest.raises(probe.Unusable, match="KeyError: 'no such thing'"):
        probe.run(__name__, {'do': 'crash'})


def test_a_check_that_hangs_is_killed(monkeypatch):
    monkeypatch.setattr(probe, 'STARTUP_ALLOWANCE', 2)
    started = time.monotonic()
    with pytest.raises(probe.Unusable, match='did not run.*timed out'):
        probe.run(__name__, {'do': 'hang'}, timeout=1)
    assert time.monotonic() - started < 10


def test_the_root_cause_of_a_chain():
    try:
        try:
            raise ConnectionRefusedError(111, 'Connection refused')
        except OSError as e:
            raise RuntimeError('Max retries exceeded') from e
    except RuntimeError as e:
        assert probe.root_cause(e) == 'Connection refused'
    assert probe.root_cause(ValueError()) == 'ValueError'
