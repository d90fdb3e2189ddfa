"""What glance.gateway leaves unloaded."""

import subprocess
import sys
import textwrap

BUILD_IN_REGISTRY_MODE = textwrap.dedent('''
    import sys
    from glance.api import root
    from glance.common import config
    config.parse_args(['--config-file', sys.argv[1]])
    root.app_factory({})
    print(sorted(name for name in sys.modules
                 if name.startswith(('glance.db', 'sqlalchemy', 'alembic'))))
''')


def test_glance_api_in_registry_mode_loads_no_sql_code(tmp_path):
    conf = tmp_path / 'glance-api.conf'
    conf.write_text('[DEFAULT]\ndata_api = glance.db.registry.api\n'
                    '[glance_store]\nfilesystem_store_datadir = %s\n'
                    % (tmp_path / 'images'))
    result = subprocess.run(
        [sys.executable, '-c', BUILD_IN_REGISTRY_MODE, str(conf)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'

