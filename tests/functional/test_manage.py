"""glance-manage as an operator runs it: the installed console script, on
SQLite, PostgreSQL and MySQL."""

import pathlib
import socket
import subprocess
import sys

import pytest
import sqlalchemy as sa

from glance.db import migration

GLANCE_MANAGE = pathlib.Path(sys.executable).parent / 'glance-manage'


@pytest.fixture
def config_file(tmp_path, database_url):
    path = tmp_path / 'glance-api.conf'
    path.write_text('[database]\nconnection = %s\n' % database_url)
    return path


def rows(database_url, statement):
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement))
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def manage(config_file, *args):
    return subprocess.run(
        [str(GLANCE_MANAGE), '--config-file', str(config_file), *args],
        capture_output=True, text=True, timeout=120)


def test_db_version_of_a_new_database_is_none(config_file):
    result = manage(config_file, 'db_version')

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'None'


def test_db_sync_then_db_version_prints_the_newest_revision(config_file):
    synced = manage(config_file, 'db_sync')
    version = manage(config_file, 'db_version')

    assert synced.returncode == 0, synced.stderr
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == migration.head_revision()


def test_db_sync_on_an_existing_database_keeps_its_data(config_file,
                                                        database_url):
    assert manage(config_file, 'db_sync').returncode == 0
    rows(database_url, "INSERT INTO images (id, status, created_at) "
                       "VALUES ('kept', 'active', '2024-01-01 00:00:00')")

    result = manage(config_file, 'db_sync')

    assert result.returncode == 0, result.stderr
    assert rows(database_url, 'SELECT id FROM images') == [('kept',)]


@pytest.mark.parametrize('sync', [['db', 'sync'], ['db', 'upgrade']])
def test_glance_spellings_of_the_commands(config_file, sync):
    synced = manage(config_file, *sync)
    version = manage(config_file, 'db', 'version')

    assert synced.returncode == 0, synced.stderr
    assert version.stdout.strip() == migration.head_revision()


def test_db_sync_to_a_given_revision_stops_there(config_file):
    synced = manage(config_file, 'db', 'upgrade', '0001_initial')
    version = manage(config_file, 'db_version')

    assert synced.returncode == 0, synced.stderr
    assert version.stdout.strip() == '0001_initial'


def test_without_a_database_connection_it_fails_clearly(tmp_path):
    config_file = tmp_path / 'empty.conf'
    config_file.write_text('[DEFAULT]\n')

    result = manage(config_file, 'db_sync')

    assert result.returncode != 0
    assert '[database]' in result.stderr and 'connection' in result.stderr


def test_an_unknown_revision_fails_clearly(config_file):
    result = manage(config_file, 'db_sync', 'no-such-revision')

    assert result.returncode != 0
    assert 'no-such-revision' in result.stderr


def test_an_unreachable_database_fails_clearly(tmp_path):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    config_file = tmp_path / 'glance-api.conf'
    config_file.write_text(
        '[database]\nmax_retries = 1\nretry_interval = 0\n'
        'connection = mysql+pymysql://glance@127.0.0.1:%d/glance\n' % port)

    result = manage(config_file, 'db_sync')

    assert result.returncode != 0
    assert 'Cannot connect to the database at mysql+pymysql://glance@' \
        '127.0.0.1:%d/glance (2 attempts)' % port in result.stderr
    assert 'Traceback' not in result.stderr


def test_maintenance_returns_a_dead_upload_to_queued(tmp_path, database_url):
    config_file = tmp_path / 'glance-api.conf'
    config_file.write_text(
        '[database]\nconnection = %s\n[glance_store]\n'
        'filesystem_store_datadir = %s\n' % (database_url, tmp_path / 'img'))
    assert manage(config_file, 'db_sync').returncode == 0
    rows(database_url, "INSERT INTO images (id, status, visibility, "
         "protected, os_hidden, min_disk, min_ram, created_at, updated_at, "
         "deleted) VALUES ('6f0c5a8e-5c1e-4d7e-9d55-0e2b8a1f3c11', 'saving', "
         "'shared', false, false, 0, 0, '2020-01-01 00:00:00', "
         "'2020-01-01 00:00:00', false)")

    result = manage(config_file, 'maintenance')

    assert result.returncode == 0, result.stderr
    assert rows(database_url, 'SELECT status FROM images') == [('queued',)]
