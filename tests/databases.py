"""Databases for tests: SQLite always, PostgreSQL and MariaDB/MySQL too.

The ``database_url`` fixture runs a test once per backend, each time on a
database of its own: a new SQLite file, or a database with a unique name
created on the server and dropped after the test (``new_database`` makes
more than one).  When a server cannot be
reached the test is skipped, naming the server and the error.

The servers are found at these admin URLs (a user that may create and drop
databases), which the environment may change; an empty value skips that
backend:

    GLANCE_TEST_POSTGRESQL_URL  postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    GLANCE_TEST_MYSQL_URL       mysql+pymysql://root@127.0.0.1:3306/
"""

import os
import uuid

import pytest
import sqlalchemy as sa

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

    def create_database(self):
        """A new empty database: its name and its URL."""
        name = 'glance_test_%s' % uuid.uuid4().hex[:12]
        statement = 'CREATE DATABASE %s' % name
        if self.backend == 'mysql':
            statement += ' CHARACTER SET utf8mb4'
        self._execute(statement)
        url = self.admin_url.set(database=name)
        if self.backend == 'mysql':
            url = url.update_query_dict({'charset': 'utf8mb4'})
        return name, url.render_as_string(hide_password=False)

    def drop_database(self, name):
        if self.backend == 'postgresql':
            self._execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
            return
        # A connection left open would hold DROP on a metadata lock.
        with self._admin.connect() as connection:
            for (session_id,) in connection.execute(sa.text(
                    'SELECT id FROM information_schema.processlist '
                    'WHERE db = :name'), {'name': name}):
                connection.exec_driver_sql('KILL %d' % session_id)
            connection.exec_driver_sql('DROP DATABASE IF EXISTS %s' % name)

    def _execute(self, statement):
        with self._admin.connect() as connection:
            connection.exec_driver_sql(statement)


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
        server._execute('SELECT 1')
    except (sa.exc.DBAPIError, ImportError) as error:
        detail = str(getattr(error, 'orig', None) or error).strip()
        _unreachable[backend] = '%s not reachable: %s' % (
            server.describe(), detail.splitlines()[0] if detail else
            type(error).__name__)
        pytest.skip(_unreachable[backend])
    return server


@pytest.fixture(params=BACKENDS)
def new_database(request, tmp_path):
    """``new_database()``: the URL of a new, empty database, on each backend
    in turn; every database made is dropped after the test."""
    made = []

    def make():
        if request.param == 'sqlite':
            path = tmp_path / ('glance-%d.sqlite' % len(made))
            made.append(path)
            return 'sqlite:///%s' % path
        server = database_server(request.param)
        name, url = server.create_database()
        made.append(name)
        return url

    yield make
    if request.param != 'sqlite':
        server = database_server(request.param)
        for name in made:
            server.drop_database(name)


@pytest.fixture
def database_url(new_database):
    """The URL of a new, empty database, on each backend in turn."""
    return new_database()


def backend_of(url):
    """'sqlite', 'postgresql' or 'mysql' for a database URL."""
    return sa.engine.make_url(url).get_backend_name()
