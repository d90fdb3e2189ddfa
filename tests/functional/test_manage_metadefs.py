"""glance-manage's metadefs commands as an operator runs them, on SQLite,
PostgreSQL and MySQL: the shipped definitions load, export and reload
identically."""

import json
import pathlib

import pytest

from glance.db import metadefs as db_metadefs
from glance.db import session
from glance.domain.metadefs import entities
from tests.functional.test_manage import manage

SHIPPED = pathlib.Path(__file__).parents[2] / 'etc' / 'metadefs'
WATCHDOG = 'OS::Compute::Watchdog'


@pytest.fixture
def database_url(databases):
    return databases.migrated()


@pytest.fixture
def config_file(tmp_path, database_url):
    path = tmp_path / 'glance-api.conf'
    path.write_text('[database]\nconnection = %s\n' % database_url)
    return path


@pytest.fixture
def repo(database_url):
    engine = session.create_engine(database_url)
    yield db_metadefs.SqlMetadefRepository(engine)
    engine.dispose()


def run(config_file, *args):
    result = manage(config_file, 'db', *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def files(directory):
    return {path.name: path.read_bytes()
            for path in sorted(directory.glob('*.json'))}


def shipped_by_namespace():
    return {json.loads(content)['namespace'] + '.json': content
            for content in files(SHIPPED).values()}


def test_load_export_and_reload_give_identical_definitions(config_file,
                                                           tmp_path):
    loaded = run(config_file, 'load_metadefs', '--path', str(SHIPPED))
    assert loaded.count(': created') == len(files(SHIPPED)) >= 13

    run(config_file, 'export_metadefs', '--path', str(tmp_path / 'first'))
    exported = files(tmp_path / 'first')
    assert exported == shipped_by_namespace()

    assert 'removed' in run(config_file, 'unload_metadefs')
    run(config_file, 'export_metadefs', '--path', str(tmp_path / 'empty'))
    assert files(tmp_path / 'empty') == {}

    run(config_file, 'load_metadefs', '--path', str(tmp_path / 'first'))
    run(config_file, 'export_metadefs', '--path', str(tmp_path / 'second'))
    assert files(tmp_path / 'second') == exported


def _watchdog_title(repo):
    return repo.get_item('properties', WATCHDOG,
                         'watchdog_action').schema['title']


def test_merge_prefer_new_and_overwrite(config_file, repo):
    run(config_file, 'load_metadefs', '--path', str(SHIPPED))
    action = repo.get_item('properties', WATCHDOG, 'watchdog_action')
    action.schema['title'] = 'Changed here'
    repo.save_item('properties', WATCHDOG, 'watchdog_action', action)
    repo.add_items('tags', WATCHDOG, [entities.Tag(name='local')])

    assert WATCHDOG + ': skipped' in run(config_file, 'load_metadefs',
                                         '--path', str(SHIPPED))
    assert _watchdog_title(repo) == 'Changed here'

    run(config_file, 'load_metadefs', '--path', str(SHIPPED), '--merge')
    assert _watchdog_title(repo) == 'Changed here'

    repo.delete_item('properties', WATCHDOG, 'watchdog_action')
    run(config_file, 'load_metadefs', '--path', str(SHIPPED), '--merge')
    assert _watchdog_title(repo) == 'Watchdog Action'

    action.schema['title'] = 'Changed again'
    repo.save_item('properties', WATCHDOG, 'watchdog_action', action)
    run(config_file, 'load_metadefs', '--path', str(SHIPPED), '--merge',
        '--prefer_new')
    assert _watchdog_title(repo) == 'Watchdog Action'
    assert [tag.name for tag in repo.list_items('tags', WATCHDOG)] == [
        'local']

    run(config_file, 'load_metadefs', '--path', str(SHIPPED), '--merge',
        '--prefer_new', '--overwrite')
    assert repo.list_items('tags', WATCHDOG) == []


@pytest.mark.parametrize('databases', ['sqlite'], indirect=True)
def test_bad_flags_and_files_are_refused(config_file, tmp_path):
    result = manage(config_file, 'db', 'load_metadefs', '--path',
                    str(SHIPPED), '--overwrite')
    assert result.returncode != 0
    assert '--overwrite needs --merge and --prefer_new' in result.stderr

    (tmp_path / 'broken.json').write_text('{"namespace": ')
    result = manage(config_file, 'db', 'load_metadefs', '--path',
                    str(tmp_path))
    assert result.returncode != 0 and 'broken.json' in result.stderr
    assert 'Traceback' not in result.stderr

    result = manage(config_file, 'db', 'load_metadefs', '--path',
                    str(tmp_path / 'missing'))
    assert result.returncode != 0 and 'not a directory' in result.stderr


@pytest.mark.parametrize('databases', ['sqlite'], indirect=True)
def test_glance_older_spellings(config_file, tmp_path):
    result = manage(config_file, 'db_load_metadefs', '--path', str(SHIPPED))
    assert result.returncode == 0, result.stderr
    result = manage(config_file, 'db_export_metadefs', '--path',
                    str(tmp_path / 'out'))
    assert result.returncode == 0, result.stderr
    assert files(tmp_path / 'out') == shipped_by_namespace()
    assert manage(config_file, 'db_unload_metadefs').returncode == 0
