"""A real OpenStack Keystone for tests: SQLite, a loopback port, gunicorn.

Keystone (``REQUIREMENTS``) is installed from PyPI into a virtualenv of its
own under ``$XDG_CACHE_HOME/glance-tests`` (default ``~/.cache``), once;
later runs reuse it (CI prepares it with ``python -m tests.keystone_server
--install``).  ``KeystoneServer(directory).start()`` writes keystone.conf,
bootstraps the database and keys, serves the identity API, and creates the
identities the tests use:

=============== ============ ================================================
user            project      roles (Keystone adds the implied ones)
=============== ============ ================================================
admin           admin        admin (also on the system)
alpha-member    alpha        member
alpha-reader    alpha        reader
beta-member     beta         member
beta-reader     beta         reader
alpha-service   alpha        service (a service acting in project alpha)
glance          service      admin, service (the service user of authtoken
                             and of oslo.limit); reader on the system
=============== ============ ================================================

Every password is ``PASSWORD``.  ``register_image_endpoint(url)`` puts
glance in the catalog (public, RegionOne).  ``authtoken_options()`` are the
``[keystone_authtoken]`` options glance-api and glance-registry need.
``set_limits(registered, projects)`` registers unified limits for the image
service in RegionOne and overrides them per project;
``oslo_limit_options(endpoint_id)`` are the ``[oslo_limit]`` options that
read them.
When Keystone cannot be installed or started, ``unavailable`` says why and
the fixtures skip.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import time
import urllib.request

from tests.functional.server import free_port

REQUIREMENTS = ['keystone==30.0.0', 'gunicorn==27.0.1']
PASSWORD = 'secret-pw'
REGION = 'RegionOne'
START_TIMEOUT = 60
PERSONAS = {
    # user: (project, role)
    'alpha-member': ('alpha', 'member'),
    'alpha-reader': ('alpha', 'reader'),
    'beta-member': ('beta', 'member'),
    'beta-reader': ('beta', 'reader'),
    'alpha-service': ('alpha', 'service'),
}

# keystone-manage's four steps in one process (about 2 s instead of 12):
# the CLI's options are reset between steps.
_BOOTSTRAP = r'''
import sys
from keystone.cmd import cli
import keystone.conf
conf_file, port = sys.argv[1], sys.argv[2]
url = 'http://127.0.0.1:%s/v3' % port
me = ['--keystone-user', str(__import__('os').getuid()),
      '--keystone-group', str(__import__('os').getgid())]
for step in (['db_sync'], ['fernet_setup'] + me, ['credential_setup'] + me,
             ['bootstrap', '--bootstrap-password', sys.argv[3],
              '--bootstrap-region-id', 'RegionOne',
              '--bootstrap-public-url', url]):
    try:
        cli.main(argv=['keystone-manage', '--config-file', conf_file] + step)
    except SystemExit as e:
        if e.code:
            raise
    keystone.conf.CONF.reset()
    keystone.conf.CONF.unregister_opt(cli.command_opt)
'''

_WSGI_SHIM = '''import sys
sys.argv = sys.argv[:1]
from keystone.wsgi.api import application  # noqa: E402,F401
'''

_CONF = '''[DEFAULT]
log_file = {dir}/keystone.log
[database]
connection = sqlite:///{dir}/keystone.db
[fernet_tokens]
key_repository = {dir}/fernet-keys
[fernet_receipts]
key_repository = {dir}/fernet-keys
[credential]
key_repository = {dir}/credential-keys
[identity]
password_hash_rounds = 4
max_password_length = 72
[resource]
admin_project_name = admin
admin_project_domain_name = Default
'''


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(base, 'glance-tests')


def venv_path():
    return os.path.join(cache_dir(), REQUIREMENTS[0].replace('==', '-'))


def ensure_venv():
    """The path of Keystone's virtualenv, installed if needed (about 30 s,
    once).  Raises RuntimeError, saying why, when it cannot be."""
    venv = venv_path()
    marker = os.path.join(venv, '.installed')
    if os.path.exists(marker):
        return venv
    os.makedirs(cache_dir(), exist_ok=True)
    with open(venv + '.lock', 'w') as lock:
        # Test processes running side by side install it once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            _install(venv)
    return venv


def _install(venv):
    shutil.rmtree(venv, ignore_errors=True)
    for step in ([sys.executable, '-m', 'venv', venv],
                 [os.path.join(venv, 'bin', 'pip'), 'install', '-q']
                 + REQUIREMENTS):
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode:
            shutil.rmtree(venv, ignore_errors=True)
            raise RuntimeError('cannot install %s: %s'
                               % (' '.join(REQUIREMENTS),
                                  (result.stderr or result.stdout)[-2000:]))
    open(os.path.join(venv, '.installed'), 'w').close()


class KeystoneServer:
    """Keystone serving on a free loopback port, state in ``directory``."""

    def __init__(self, directory):
        self.dir = str(directory)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d/v3' % self.port
        self.process = None
        self.ids = {}   # name -> id of projects and users
        self._admin = None

    def _run(self, venv, args, what):
        env = dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf_path)
        result = subprocess.run(args, capture_output=True, text=True,
                                env=env, cwd=self.dir, timeout=300)
        if result.returncode:
            raise RuntimeError('%s failed:\n%s'
                               % (what, result.stderr[-3000:]))

    def start(self):
        venv = ensure_venv()
        os.makedirs(self.dir, exist_ok=True)
        self.conf_path = os.path.join(self.dir, 'keystone.conf')
        with open(self.conf_path, 'w') as f:
            f.write(_CONF.format(dir=self.dir))
        python = os.path.join(venv, 'bin', 'python')
        self._run(venv, [python, '-c', _BOOTSTRAP, self.conf_path,
                         str(self.port), PASSWORD], 'keystone bootstrap')
        with open(os.path.join(self.dir, 'ks_wsgi.py'), 'w') as f:
            f.write(_WSGI_SHIM)
        output = open(os.path.join(self.dir, 'gunicorn.log'), 'ab')
        self.process = subprocess.Popen(
            [os.path.join(venv, 'bin', 'gunicorn'), '-b',
             '127.0.0.1:%d' % self.port, '-w', '1', '--threads', '4',
             '--no-control-socket', '--pythonpath', self.dir,
             'ks_wsgi:application'],
            stdin=subprocess.DEVNULL, stdout=output, stderr=output,
            cwd=self.dir, start_new_session=True,
            env=dict(os.environ, OS_KEYSTONE_CONFIG_FILES=self.conf_path))
        output.close()
        self._wait_ready()
        self._populate()
        return self

    def _wait_ready(self):
        give_up_at = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('keystone exited:\n' + self.log())
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > give_up_at:
                raise RuntimeError('keystone not serving after %d s:\n%s'
                                   % (START_TIMEOUT, self.log()))
            time.sleep(0.1)

    def log(self):
        texts = []
        for name in ('gunicorn.log', 'keystone.log'):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    texts.append(f.read()[-3000:])
            except OSError:
                pass
        return '\n'.join(texts)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # -- identities -------------------------------------------------------

    def session(self, user='admin', project=None, system=False):
        """A keystoneauth1 session of ``user`` (password auth), scoped to
        its project (or ``project``), or to the system."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        scope = ({'system_scope': 'all'} if system else {
            'project_name': project or self.project_of(user),
            'project_domain_id': 'default'})
        return session.Session(auth=v3.Password(
            auth_url=self.url, username=user, password=PASSWORD,
            user_domain_id='default', **scope))

    def project_of(self, user):
        if user == 'admin':
            return 'admin'
        if user == 'glance':
            return 'service'
        return PERSONAS[user][0]

    def token(self, user='admin', **scope):
        return self.session(user, **scope).get_token()

    def client(self):
        from keystoneclient.v3 import client
        if self._admin is None:
            self._admin = client.Client(session=self.session())
        return self._admin

    def _populate(self):
        ks = self.client()
        roles = {role.name: role for role in ks.roles.list()}
        projects = {p.name: p for p in ks.projects.list()}
        for name in ('alpha', 'beta', 'service'):
            projects[name] = ks.projects.create(name, domain='default')
        for user, (project, role) in dict(
                PERSONAS, glance=('service', 'admin')).items():
            created = ks.users.create(user, domain='default',
                                      password=PASSWORD,
                                      default_project=projects[project])
            ks.roles.grant(roles[role], user=created,
                           project=projects[project])
            self.ids[user] = created.id
            if user == 'glance':
                ks.roles.grant(roles['service'], user=created,
                               project=projects[project])
                # oslo.limit reads limits and endpoints as the system's
                # reader, as Glance's install guide has it.
                ks.roles.grant(roles['reader'], user=created, system='all')
        self.ids.update({name: p.id for name, p in projects.items()})
        self.ids['admin'] = ks.users.find(name='admin').id

    def _image_service(self):
        ks = self.client()
        services = ks.services.list(type='image')
        return services[0] if services else ks.services.create(
            'glance', type='image')

    def register_image_endpoint(self, url):
        """Make ``url`` glance's public endpoint in the catalog (replacing
        any earlier one): clients authenticating after this find it.
        Returns the endpoint's id."""
        ks = self.client()
        service = self._image_service()
        for endpoint in ks.endpoints.list(service=service):
            ks.endpoints.delete(endpoint)
        return ks.endpoints.create(service, url, interface='public',
                                   region=REGION).id

    def set_limits(self, registered, projects=None):
        """Register the image service's unified limits (``{resource:
        default}``) in RegionOne, and override them for projects
        (``{project name: {resource: limit}}``); earlier values of the
        same resources are replaced.  Limits belong to the system: its
        administrator sets them."""
        from keystoneclient.v3 import client
        ks = client.Client(session=self.session(system=True))
        service = self._image_service()
        for name, default in registered.items():
            for old in ks.registered_limits.list(service=service,
                                                 resource_name=name):
                for limit in ks.limits.list(service=service,
                                            resource_name=name):
                    ks.limits.delete(limit)
                ks.registered_limits.delete(old)
            ks.registered_limits.create(service, name, default,
                                        region=REGION)
        for project, limits in (projects or {}).items():
            for name, value in limits.items():
                ks.limits.create(self.ids[project], service, name, value,
                                 region=REGION)

    def oslo_limit_options(self, endpoint_id):
        """``[oslo_limit]`` of glance-api reading the limits of its
        endpoint (an id register_image_endpoint returned) as the glance
        user."""
        return {'auth_url': self.url, 'auth_type': 'password',
                'username': 'glance', 'password': PASSWORD,
                'user_domain_id': 'default', 'system_scope': 'all',
                'endpoint_id': endpoint_id}

    def authtoken_options(self):
        """``[keystone_authtoken]`` of a service validating tokens here."""
        return {'www_authenticate_uri': self.url, 'auth_url': self.url,
                'auth_type': 'password', 'username': 'glance',
                'password': PASSWORD, 'project_name': 'service',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default', 'interface': 'public',
                'service_token_roles_required': 'true'}


if __name__ == '__main__':
    if sys.argv[1:] == ['--install']:
        print(ensure_venv())
    else:
        sys.exit('usage: python -m tests.keystone_server --install')
