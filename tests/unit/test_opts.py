"""etc/glance-api.conf is what the generator makes of the declared options."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_sample_config_is_current(tmp_path):
    generated = tmp_path / 'glance-api.conf'
    generator = os.path.join(os.path.dirname(sys.executable),
                             'oslo-config-generator')
    subprocess.run(
        [generator, '--config-file',
         os.path.join(REPO, 'etc', 'oslo-config-generator',
                      'glance-api.conf'),
         '--output-file', str(generated)],
        check=True, capture_output=True, cwd=REPO)
    with open(os.path.join(REPO, 'etc', 'glance-api.conf')) as committed:
        assert committed.read() == generated.read_text(), (
            'etc/glance-api.conf is stale: run make sample-config')


def test_every_option_has_help():
    from glance import opts
    for group, options in opts.list_api_opts():
        for option in options:
            assert option.help, '%s in %s has no help' % (option.name, group)
