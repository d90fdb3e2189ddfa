"""The Image API as a WSGI ``application``, for uWSGI, gunicorn or mod_wsgi.

    uwsgi --ini etc/glance-api-uwsgi.ini
    gunicorn --workers 4 --bind 0.0.0.0:9292 glance.wsgi.api:application

Configuration comes from glance-api.conf in $OS_GLANCE_CONFIG_DIR
(default /etc/glance), never from the host server's command line; the paste
file is found as for glance-api.  Nothing is monkey-patched: the host
server picks its own concurrency model, and the app is plain WSGI.
The [DEFAULT] server options (bind_host, workers, ...) do not apply: the
host server has its own.
"""

import os

from glance.common import config
from glance.common import log
from glance.common import malloc_arenas

CONFIG_DIR_ENV = 'OS_GLANCE_CONFIG_DIR'
DEFAULT_CONFIG_DIR = '/etc/glance'
CONFIG_FILE = 'glance-api.conf'
APP_NAME = 'glance-api'


def config_files(environ=os.environ):
    """glance-api.conf of the configuration directory, if it exists."""
    directory = environ.get(CONFIG_DIR_ENV, DEFAULT_CONFIG_DIR).strip()
    path = os.path.join(directory, CONFIG_FILE)
    return [path] if os.path.exists(path) else []


def init_app():
    malloc_arenas.limit()
    config.parse_args([], prog=APP_NAME,
                      default_config_files=config_files())
    log.setup(APP_NAME)
    return config.load_paste_app(APP_NAME)


application = init_app()
