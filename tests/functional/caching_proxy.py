"""A real HTTP cache in front of glance-api for the functional tests:
nginx from Debian (package ``nginx-light``) with ``proxy_cache``.

``CachingProxy(directory, upstream_port).start()`` runs nginx in the
foreground on a free loopback port, caching on disk whatever the upstream's
``Cache-Control`` allows and revalidating stale entries with conditional
requests (``proxy_cache_revalidate``); each response says what the cache
did in ``X-Cache-Status`` (MISS, HIT, EXPIRED, REVALIDATED, BYPASS...).
``binary()`` is None when nginx is not installed.
"""

import os
import shutil
import subprocess
import time

import requests

from tests.functional.server import free_port

CONF = '''
worker_processes 1;
pid %(dir)s/nginx.pid;
%(user)s
events { worker_connections 64; }
http {
    access_log %(dir)s/access.log;
    client_body_temp_path %(dir)s/client_body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    proxy_cache_path %(dir)s/cache keys_zone=images:1m max_size=256m;
    server {
        listen 127.0.0.1:%(port)d;
        client_max_body_size 0;
        location / {
            proxy_pass http://127.0.0.1:%(upstream)d;
            proxy_http_version 1.1;
            proxy_cache images;
            proxy_cache_revalidate on;
            add_header X-Cache-Status $upstream_cache_status always;
        }
    }
}
'''


def binary():
    """The nginx executable, or None."""
    return shutil.which('nginx') or (
        '/usr/sbin/nginx' if os.access('/usr/sbin/nginx', os.X_OK) else None)


class CachingProxy:

    def __init__(self, directory, upstream_port):
        self.directory = str(directory)
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.process = None

    def start(self, timeout=30):
        os.makedirs(self.directory, exist_ok=True)
        conf = os.path.join(self.directory, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write(CONF % {
                'dir': self.directory, 'port': self.port,
                'upstream': self.upstream_port,
                # Workers would drop to an account that cannot write a
                # private temporary directory.
                'user': 'user root;' if os.geteuid() == 0 else ''})
        error_log = os.path.join(self.directory, 'error.log')
        self.process = subprocess.Popen(
            [binary(), '-p', self.directory, '-c', conf, '-e', error_log,
             '-g', 'daemon off;'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        give_up_at = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError('nginx exited:\n' + self._error_log())
            try:
                requests.get(self.url + '/', timeout=5)
                return self
            except requests.ConnectionError:
                if time.monotonic() > give_up_at:
                    raise RuntimeError('nginx did not listen:\n'
                                       + self._error_log())
                time.sleep(0.05)

    def _error_log(self):
        try:
            with open(os.path.join(self.directory, 'error.log')) as f:
                return f.read()[-4000:]
        except FileNotFoundError:
            return ''

    def stop(self):
        """Stop nginx (SIGTERM: it closes its connections at once)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
