"""The sample config files are what the generator makes of the declared
options."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.mark.parametrize('sample', ['glance-api.conf',
                                    'glance-registry.conf'])
def test_sample_config_is_current(tmp_path, sample):
    generated = tmp_path / sample
    generator = os.path.join(os.path.dirname(sys.executable),
                             'oslo-config-generator')
    subprocess.run(
        [generator, '--config-file',
         os.path.join(REPO, 'etc', 'oslo-config-generator', sample),
         '--output-file', str(generated)],
        check=True, capture_output=True, cwd=REPO)
    with open(os.path.join(REPO, 'etc', sample)) as committed:
        assert committed.read() == generated.read_text(), (
            'etc/%s is stale: run make sample-config' % sample)


@pytest.mark.parametrize('lister', ['list_api_opts', 'list_registry_opts'])
def test_every_option_has_help(lister):
    from glance import opts
    for group, options in getattr(opts, lister)():
        for option in options:
            assert option.help, '%s in %s has no help' % (option.name, group)


def test_the_registry_sample_shows_its_own_defaults():
    with open(os.path.join(REPO, 'etc', 'glance-registry.conf')) as f:
        sample = f.read()
    assert '#bind_host = 127.0.0.1\n' in sample
    assert 'registry_host' not in sample and 'image_size_cap' not in sample
