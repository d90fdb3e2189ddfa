"""glance-api in the test process: the real paste pipeline, no server.

    api = InProcessApi(tmp_path)           # tests take the ``api`` fixture
    response = api.post('/v2/images', json={'name': 'cirros'})
    assert response.status_code == 201, response.text
    image = response.json()
    api.close()

``InProcessApi(directory, flavor=None, conf=None, data_api='sql')`` loads
glance-api's pipeline from etc/glance-api-paste.ini with paste.deploy, as
glance-api does, on a SQLite database and a filesystem store under
``directory``.  ``conf`` is ``{group: {option: value}}`` (``DEFAULT`` for
the options of no group), set on the global CONF with set_override and
cleared again by close().  With ``data_api='registry'`` image metadata goes
through glance-registry's own pipeline, served on loopback by a thread of
the test process.

Requests are made with webob's ``Request.blank(...).get_response(app)``;
``get/post/put/patch/delete/head(path, json=, data=, headers=, params=)``
answer a Response with ``status_code``, ``headers``, ``content``, ``text``
and ``json()``, as requests does; ``api.with_headers({...})`` is a client
sending those headers too (an identity, say).  ``data`` given as bytes or
text is sent with a Content-Length; any other iterable of bytes is sent
chunked, read by the app as it asks for it, as a server would pass it on.
"""

import atexit
import functools
import json as json_mod
import os
import shutil
import tempfile
import urllib.parse

import webob
from oslo_config import cfg

from glance.common import config
from glance.db import migration
from glance.db import session
from glance import opts as glance_opts
from glance import store
from tests import file_server
from tests import threaded_server
from tests.functional.server import DATA_APIS
from tests.functional.server import REGISTRY_FLAVORS

CONF = cfg.CONF
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASTE_INI = os.path.join(REPO, 'etc', '%s-paste.ini')


@functools.cache
def migrated_sqlite_template():
    """A SQLite file at the newest schema, migrated once per process."""
    directory = tempfile.mkdtemp(prefix='glance-template-db-')
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = os.path.join(directory, 'glance.sqlite')
    engine = session.create_engine('sqlite:///' + path)
    try:
        migration.db_sync(engine=engine)
    finally:
        engine.dispose()
    return path


class Response:
    """What requests' Response offers tests, from a webob Response."""

    def __init__(self, webob_response):
        self.status_code = webob_response.status_int
        self.headers = webob_response.headers
        self.content = webob_response.body

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        return json_mod.loads(self.content)


class ChunkedInput:
    """``wsgi.input`` of a chunked request: the bytes of an iterable, read
    as the app asks for them."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b''

    def read(self, size=-1):
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk
        if size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _verb(method):
    def call(self, path, *args, **kwargs):
        return self.request(method, path, *args, **kwargs)
    call.__name__ = method.lower()
    return call


class Verbs:
    """``get/head/post/put/patch/delete(path, ...)``: the subclass's
    ``request(method, path, ...)``, as requests names them."""
    get = _verb('GET')
    head = _verb('HEAD')
    post = _verb('POST')
    put = _verb('PUT')
    patch = _verb('PATCH')
    delete = _verb('DELETE')


class WSGIClient(Verbs):
    """A requests-like client of a WSGI app, without sockets; ``headers``
    go with every request."""

    def __init__(self, app, headers=None):
        self.app = app
        self.headers = dict(headers or {})

    def with_headers(self, headers):
        """A client of the same app adding ``headers`` to every request."""
        return WSGIClient(self.app, dict(self.headers, **headers))

    def request(self, method, path, json=None, data=None, headers=None,
                params=None):
        if params:
            path += ('&' if '?' in path else '?') + \
                urllib.parse.urlencode(params, doseq=True)
        headers = dict(self.headers, **(headers or {}))
        if json is not None:
            data = json_mod.dumps(json).encode('utf-8')
            headers.setdefault('Content-Type', 'application/json')
        req = webob.Request.blank(path, method=method,
                                  environ={'REMOTE_ADDR': '127.0.0.1'})
        if isinstance(data, str):
            data = data.encode('utf-8')
        if isinstance(data, bytes):
            req.body = data
        elif data is not None:
            req.environ['wsgi.input'] = ChunkedInput(data)
            req.environ['HTTP_TRANSFER_ENCODING'] = 'chunked'
        for name, value in headers.items():
            req.headers[name] = value
        return Response(req.get_response(self.app))


def _register_every_option():
    """Register glance-api's options now, so any of them can be
    overridden before the app is built (stores register theirs late)."""
    for group, options in glance_opts.list_api_opts():
        CONF.register_opts(options, group=group)


def _register_store_section(group):
    """Register the options of the section of a store of enabled_backends
    (set before it), which the app would register only when built."""
    store_type = (CONF.enabled_backends or {}).get(group)
    if store_type is not None:
        CONF.register_opts(store.backend_opts + store.driver_class(
            store_type).options, group=group)


class InProcessApi(WSGIClient):
    """glance-api's pipeline in this process (see the module doc)."""

    def __init__(self, directory, flavor=None, conf=None, data_api='sql'):
        self.datadir = os.path.join(str(directory), 'images')
        self._overridden = []
        self._registry_server = None
        _register_every_option()
        # oslo.policy looks its file up through a parsed CONF: parse no
        # command line and no configuration file.
        CONF([], project='glance', default_config_files=[],
             default_config_dirs=[])
        database = os.path.join(str(directory), 'glance.sqlite')
        shutil.copyfile(migrated_sqlite_template(), database)
        self._previous_engine = session._engine
        session._engine = None
        try:
            self._set({
                'DEFAULT': {'data_api': DATA_APIS[data_api]},
                'database': {'connection': 'sqlite:///' + database},
                'glance_store': {
                    'filesystem_store_datadir': self.datadir,
                    # The tests' web servers listen on loopback.
                    'http_allowed_internal_hosts': [file_server.HOST]},
            })
            self._set({'DEFAULT': {'node_staging_uri': 'file://' +
                                   os.path.join(str(directory), 'staging')}})
            if data_api == 'registry':
                self._start_registry(flavor)
            self._set({'paste_deploy': {'flavor': flavor,
                                        'config_file': PASTE_INI %
                                        'glance-api'}})
            self._set(conf or {})
            super().__init__(config.load_paste_app('glance-api'))
        except BaseException:
            self.close()
            raise

    def _set(self, conf):
        for group, values in conf.items():
            group = None if group == 'DEFAULT' else group
            _register_store_section(group)
            for name, value in values.items():
                CONF.set_override(name, value, group=group)
                self._overridden.append((name, group))

    def _start_registry(self, flavor):
        """glance-registry's pipeline with the flavor matching ``flavor``,
        served in a thread; glance-api is pointed at it."""
        base_flavor = (flavor or '').split('+')[0]
        registry_flavor = base_flavor if base_flavor in REGISTRY_FLAVORS \
            else None
        self._set({'paste_deploy': {'flavor': registry_flavor,
                                    'config_file': PASTE_INI %
                                    'glance-registry'}})
        registry_app = config.load_paste_app('glance-registry')
        self._registry_server = threaded_server.serve_in_thread(
            registry_app)
        host, port = self._registry_server.server_address
        self._set({'DEFAULT': {
            'registry_host': host, 'registry_port': port,
            'send_identity_headers': registry_flavor == 'trusted-auth'}})

    def stored_files(self):
        """Names of the files of the filesystem store."""
        if not os.path.isdir(self.datadir):
            return []
        return sorted(os.listdir(self.datadir))

    def close(self):
        """Stop the registry, drop the database engine, leave CONF as it
        was."""
        if self._registry_server is not None:
            threaded_server.stop(self._registry_server)
            self._registry_server = None
        if session._engine is not None:
            session._engine.dispose()
        session._engine = self._previous_engine
        for name, group in reversed(self._overridden):
            CONF.clear_override(name, group=group)
        self._overridden = []
        CONF.clear()
