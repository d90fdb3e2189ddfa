"""The HTTP client glance-api uses to reach glance-registry.

* Connections are kept and reused (a pool per process: a forked worker
  never shares its parent's sockets).
* ``registry_client_timeout`` bounds the connection and each wait for data.
* A request that could not be sent (connection refused, connect timeout,
  a kept connection the registry closed) is retried for every call; one
  that was sent but got no answer (timeout, dropped connection) is retried
  only when it is idempotent, since the registry may have carried it out.
  Retries wait 0 s, then ``RETRY_BACKOFF`` s, doubling.
* The caller's identity (``glance.context.current()``) goes along:
  ``X-Auth-Token`` always, and with ``send_identity_headers`` the headers
  the trusted-auth pipeline reads (X-Identity-Status, X-User-Id,
  X-Project-Id/X-Tenant-Id, X-Roles).
* An error answer raises the exception the registry raised (its error body
  names it); a registry that cannot be reached raises RegistryUnavailable.
"""

import json
import logging
import os
import urllib.parse

import urllib3
from oslo_config import cfg

from glance.common import exception
from glance import context

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

OPTS = [
    cfg.HostAddressOpt('registry_host', default='127.0.0.1',
                       help='Address of glance-registry, with data_api = '
                            'glance.db.registry.api.'),
    cfg.PortOpt('registry_port', default=9191,
                help='Port of glance-registry.'),
    cfg.StrOpt('registry_client_protocol', default='http',
               choices=[('http', 'plain HTTP'),
                        ('https', 'HTTP over TLS, which needs a TLS '
                                  'terminator in front of the registry')],
               help='Protocol to reach glance-registry with.'),
    cfg.StrOpt('registry_client_key_file',
               help='Private key of the client certificate presented to the '
                    'registry over https.'),
    cfg.StrOpt('registry_client_cert_file',
               help='Client certificate presented to the registry over '
                    'https.'),
    cfg.StrOpt('registry_client_ca_file',
               help='CA certificates the registry\'s certificate is checked '
                    'against over https.  Unset: the system\'s.'),
    cfg.BoolOpt('registry_client_insecure', default=False,
                help='Over https, do not check the registry\'s certificate.'),
    cfg.IntOpt('registry_client_timeout', default=600, min=0,
               help='Seconds glance-api waits to connect to the registry, '
                    'and for each answer; 0 waits forever.'),
    cfg.IntOpt('registry_client_retries', default=3, min=0,
               help='How often a registry request that failed for want of a '
                    'connection or an answer is tried again; requests that '
                    'change data are retried only if they were not sent.'),
    cfg.BoolOpt('send_identity_headers', default=False,
                help='Send the caller\'s user, project and roles to the '
                     'registry in the headers of the trusted-auth pipeline, '
                     'so that the registry needs no Keystone round trip.  '
                     'Only for a registry reached over a trusted network.'),
]

CONF.register_opts(OPTS)

JSON = 'application/json'
# Connections kept per glance-api process; more may be open at once, the
# excess is closed after use.
POOL_SIZE = 16
RETRY_BACKOFF = 0.5

# An error answer whose body names no exception raises by its status.
STATUS_ERRORS = {400: exception.BadRequest, 401: exception.NotAuthenticated,
                 403: exception.Forbidden, 404: exception.NotFound,
                 409: exception.Conflict, 413: exception.LimitExceeded,
                 503: exception.RegistryUnavailable}


def identity_headers(ctx, send_identity):
    """The headers passing the caller's identity on to the registry."""
    if ctx is None:
        return {}
    headers = {}
    if ctx.auth_token:
        headers['X-Auth-Token'] = ctx.auth_token
    if send_identity and (ctx.user_id or ctx.project_id):
        headers.update({'X-Identity-Status': 'Confirmed',
                        'X-Roles': ','.join(ctx.roles)})
        if ctx.user_id:
            headers['X-User-Id'] = ctx.user_id
        if ctx.project_id:
            headers['X-Project-Id'] = ctx.project_id
            headers['X-Tenant-Id'] = ctx.project_id
    return headers


def error_from_response(status, data):
    """The exception an error answer of the registry stands for."""
    try:
        error = json.loads(data)['error']
        type_name, message = error.get('type'), str(error['message'])
    except (ValueError, KeyError, TypeError):
        type_name = None
        message = data.decode('utf-8', 'replace').strip()[:500] or \
            'HTTP %d' % status
    error_class = getattr(exception, type_name or '', None)
    if isinstance(error_class, type) and \
            issubclass(error_class, exception.GlanceException):
        return error_class(message)
    return STATUS_ERRORS.get(status, exception.GlanceException)(message)


class RegistryClient:

    def __init__(self, host, port, protocol='http', timeout=600, retries=3,
                 send_identity_headers=False, key_file=None, cert_file=None,
                 ca_file=None, insecure=False):
        self.host, self.port, self.protocol = host, port, protocol
        self.timeout = urllib3.Timeout(connect=timeout or None,
                                       read=timeout or None)
        self.retries = retries
        self.send_identity_headers = send_identity_headers
        self._tls = {'key_file': key_file, 'cert_file': cert_file,
                     'ca_certs': ca_file,
                     'cert_reqs': 'CERT_NONE' if insecure
                     else 'CERT_REQUIRED'}
        self._pool = None
        self._pool_pid = None

    @classmethod
    def from_conf(cls, conf=CONF):
        return cls(conf.registry_host, conf.registry_port,
                   protocol=conf.registry_client_protocol,
                   timeout=conf.registry_client_timeout,
                   retries=conf.registry_client_retries,
                   send_identity_headers=conf.send_identity_headers,
                   key_file=conf.registry_client_key_file,
                   cert_file=conf.registry_client_cert_file,
                   ca_file=conf.registry_client_ca_file,
                   insecure=conf.registry_client_insecure)

    @property
    def url(self):
        return '%s://%s:%d' % (self.protocol, self.host, self.port)

    def _connections(self):
        if self._pool_pid != os.getpid():
            kwargs = dict(maxsize=POOL_SIZE, block=False,
                          timeout=self.timeout, retries=False)
            if self.protocol == 'https':
                self._pool = urllib3.HTTPSConnectionPool(
                    self.host, self.port, **kwargs, **self._tls)
            else:
                self._pool = urllib3.HTTPConnectionPool(
                    self.host, self.port, **kwargs)
            self._pool_pid = os.getpid()
        return self._pool

    def _retry(self, idempotent):
        return urllib3.Retry(
            total=None, connect=self.retries,
            read=self.retries if idempotent else 0, redirect=0, status=0,
            other=0, allowed_methods=None, backoff_factor=RETRY_BACKOFF,
            raise_on_status=False, raise_on_redirect=False)

    def request(self, method, path, params=(), body=None, headers=None,
                idempotent=True):
        """The JSON answer (None when empty) of ``method`` on ``path``."""
        url = path
        if params:
            url += '?' + urllib.parse.urlencode(params)
        all_headers = {'Accept': JSON}
        all_headers.update(identity_headers(context.current(),
                                            self.send_identity_headers))
        all_headers.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode('utf-8')
            all_headers['Content-Type'] = JSON
        try:
            response = self._connections().urlopen(
                method, url, body=data, headers=all_headers,
                retries=self._retry(idempotent), preload_content=True)
        except urllib3.exceptions.HTTPError as e:
            # The details (the registry's address) stay in the log.
            LOG.warning('Registry request %s %s%s failed: %s', method,
                        self.url, path, e)
            raise exception.RegistryUnavailable(
                reason='it could not be reached or did not answer') from e
        if response.status >= 400:
            raise error_from_response(response.status, response.data)
        return json.loads(response.data) if response.data else None
