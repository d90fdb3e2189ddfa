"""Databases for tests: SQLite always, PostgreSQL and MariaDB/MySQL too.

The ``databases`` fixture (every test may use it: tests/conftest.py) runs
a test once per backend (sqlite, postgresql, mysql), each time handing it a
``Databases`` for that backend:

- ``new()``: the URL of a new, empty database: a new SQLite file, or a
  database with a unique name created on the server and dropped after the
  test.  The ``database_url`` fixture is ``databases.new()``.
- ``migrated()``: the URL of a database at the newest schema with empty
  tables.  On a server it is one database per test session, emptied for
  each test: migrating a new database costs seconds on MariaDB.

``sqlite_engine`` is an engine on a new migrated SQLite database alone.

When a server cannot be reached the test is skipped, naming the server and
the error.  The servers are found at these admin URLs (a user that may
create and drop databases), which the environment may change; an empty
value skips that backend:

    GLANCE_TEST_POSTGRESQL_URL  postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    GLANCE_TEST_MYSQL_URL       mysql+pymysql://root@127.0.0.1:3306/
"""

import os
import uuid

import pytest
import sqlalchemy as sa

from glance.db import migration
from glance.db import models
from glance.db import session

BACKENDS = ('sqlite', 'postgresql', 'mysql')

ADMIN_URLS = {
    'postgresql': ('GLANCE_TEST_POSTGRESQL_URL',
                   'postgresql+psycopg://postgres@127.0.0.1:5432/postgres'),
    'mysql': ('GLANCE_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1:3306/'),
}

SERVER_NAMES = {'postgresql': 'PostgreSQL', 'mysql': 'MariaDB/MySQL'}

# Why each unreachable server was skipped, so later tests skip at once.
_unreachable = {}


class DatabaseServer:
    """A PostgreSQL or MySQL server on which tests create databases."""

    def __init__(self, backend, admin_url):
        self.backend = backend
        self.admin_url = sa.engine.make_url(admin_url)
        self._admin = sa.create_engine(self.admin_url,
                                       isolation_level='AUTOCOMMIT',
                                       poolclass=sa.pool.NullPool)

    def describe(self):
        return '%s at %s' % (SERVER_NAMES[self.backend],
                             self.admin_url.render_as_string())

    def create_database(self, name=None):
        """A new empty database (by default with a new unique name): its
        name and its URL."""
        name = name or unique_name()
        statement = 'CREATE DATABASE %s' % name
        if self.backend == 'mysql':
            statement += ' CHARACTER SET utf8mb4'
        self.execute(statement)
        return name, self.url_of(name)

    def url_of(self, name):
        url = self.admin_url.set(database=name)
        if self.backend == 'mysql':
            url = url.update_query_dict({'charset': 'utf8mb4'})
        return url.render_as_string(hide_password=False)

    def drop_database(self, name):
        if self.backend == 'postgresql':
            self.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
            return
        # A connection left open would hold DROP on a metadata lock.
        with self._admin.connect() as connection:
            for (session_id,) in connection.execute(sa.text(
                    'SELECT id FROM information_schema.processlist '
                    'WHERE db = :name'), {'name': name}):
                connection.exec_driver_sql('KILL %d' % session_id)
            connection.exec_driver_sql('DROP DATABASE IF EXISTS %s' % name)

    def execute(self, statement):
        with self._admin.connect() as connection:
            connection.exec_driver_sql(statement)


def unique_name():
    return 'glance_test_%s' % uuid.uuid4().hex[:12]


def database_server(backend):
    """The DatabaseServer for ``backend``, or skip saying why there is none."""
    if backend in _unreachable:
        pytest.skip(_unreachable[backend])
    variable, default = ADMIN_URLS[backend]
    admin_url = os.environ.get(variable, default)
    if not admin_url:
        _unreachable[backend] = '%s tests disabled: %s is empty' % (
            SERVER_NAMES[backend], variable)
        pytest.skip(_unreachable[backend])
    server = DatabaseServer(backend, admin_url)
    try:
        server.execute('SELECT 1')
    except (sa.exc.DBAPIError, ImportError) as error:
        detail = str(getattr(error, 'orig', None) or error).strip()
        _unreachable[backend] = '%s not reachable: %s' % (
            server.describe(), detail.splitlines()[0] if detail else
            type(error).__name__)
        pytest.skip(_unreachable[backend])
    return server


class Databases:
    """Databases of one backend for one test (see the module docstring)."""

    def __init__(self, backend, directory, shared):
        self.backend = backend
        self._directory = directory
        self._shared = shared
        self._made = []

    def new(self):
        if self.backend == 'sqlite':
            path = self._directory / ('glance-%d.sqlite' % len(self._made))
            self._made.append(path)
            return 'sqlite:///%s' % path
        name, url = database_server(self.backend).create_database()
        self._made.append(name)
        return url

    def migrated(self):
        if self.backend == 'sqlite':
            return migrate(self.new())
        if self.backend not in self._shared:
            _, url = database_server(self.backend).create_database()
            self._shared[self.backend] = migrate(url)
        url = self._shared[self.backend]
        empty_tables(url)
        return url

    def drop(self):
        if self.backend != 'sqlite' and self._made:
            server = database_server(self.backend)
            for name in self._made:
                server.drop_database(name)


def migrate(url):
    """``url``, after db_sync."""
    engine = session.create_engine(url)
    try:
        migration.db_sync(engine=engine)
    finally:
        engine.dispose()
    return url


def empty_tables(url):
    engine = session.create_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(models.Base.metadata.sorted_tables):
                connection.execute(table.delete())
    finally:
        engine.dispose()


@pytest.fixture(scope='session')
def shared_databases():
    """The migrated database of each server, by backend, for the session."""
    shared = {}
    yield shared
    for backend, url in shared.items():
        database_server(backend).drop_database(
            sa.engine.make_url(url).database)


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path, shared_databases):
    """A Databases for each backend in turn."""
    made = Databases(request.param, tmp_path, shared_databases)
    yield made
    made.drop()


@pytest.fixture
def sqlite_engine(tmp_path):
    """An engine on a new migrated SQLite database, for what only SQLite
    has."""
    engine = session.create_engine(
        migrate('sqlite:///%s' % (tmp_path / 'glance.sqlite')))
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(databases):
    """The URL of a new, empty database, on each backend in turn."""
    return databases.new()
