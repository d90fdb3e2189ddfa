"""Which URLs web-download may fetch: ``[import_filtering_opts]``, as
Glance has them, and no address inside the cloud unless allowed.

For schemes, hosts and ports alike, a non-empty allowed list admits only
what it names (its disallowed list is then ignored); an empty one admits
all but what the disallowed list names.  Beyond Glance, a host must also
resolve to public addresses only: loopback, link-local (the metadata
service at 169.254.169.254), private, shared, multicast and reserved
addresses are refused unless the host is named in ``allowed_hosts``.  The
check runs on the URL given and again on every redirect, and the address
checked is the one connected to.
"""

import socket
import urllib.parse

from oslo_config import cfg
from oslo_config import types

from glance.common import addresses
from glance.common import exception
from glance import store

GROUP = 'import_filtering_opts'

OPTS = [
    cfg.ListOpt('allowed_schemes', default=['http', 'https'],
                help='URI schemes web-download may use; empty: any scheme '
                     'not in disallowed_schemes.  Only http and https can '
                     'be read.'),
    cfg.ListOpt('disallowed_schemes', default=[],
                help='URI schemes web-download may not use, when '
                     'allowed_schemes is empty.'),
    cfg.ListOpt('allowed_hosts', default=[],
                help='Host names or IP addresses web-download may reach; '
                     'empty: any host not in disallowed_hosts.  A host '
                     'listed here may be a loopback, link-local or private '
                     'address, which are otherwise refused.'),
    cfg.ListOpt('disallowed_hosts', default=[],
                help='Host names or IP addresses web-download may not '
                     'reach, when allowed_hosts is empty.'),
    cfg.ListOpt('allowed_ports', default=[80, 443],
                item_type=types.Integer(min=1, max=65535),
                help='Ports web-download may connect to; empty: any port '
                     'not in disallowed_ports.'),
    cfg.ListOpt('disallowed_ports', default=[],
                item_type=types.Integer(min=1, max=65535),
                help='Ports web-download may not connect to, when '
                     'allowed_ports is empty.'),
]

DEFAULT_PORTS = {'http': 80, 'https': 443}


def _admitted(value, allowed, disallowed):
    return value in allowed if allowed else value not in disallowed


def _refused(uri, reason):
    return exception.ImportRefused(uri=store.display_uri(uri),
                                   reason=reason)


class WebSourceFilter:

    def __init__(self, conf, resolve=socket.getaddrinfo):
        conf.register_opts(OPTS, group=GROUP)
        self.conf = conf
        self._resolve = resolve

    def check(self, uri):
        """The address to connect to for ``uri``; ImportRefused if the
        filters refuse it."""
        opts = self.conf[GROUP]
        try:
            parts = urllib.parse.urlsplit(uri)
            port = parts.port
        except ValueError:
            raise _refused(uri, 'it is not a valid URL') from None
        scheme = parts.scheme.lower()
        host = (parts.hostname or '').lower()
        if not host:
            raise _refused(uri, 'it names no host')
        if not _admitted(scheme, opts.allowed_schemes,
                         opts.disallowed_schemes) or \
                scheme not in DEFAULT_PORTS:
            raise _refused(uri, 'the scheme %s is not allowed' % scheme)
        if not _admitted(host, opts.allowed_hosts, opts.disallowed_hosts):
            raise _refused(uri, 'the host %s is not allowed' % host)
        port = port or DEFAULT_PORTS[scheme]
        if not _admitted(port, opts.allowed_ports, opts.disallowed_ports):
            raise _refused(uri, 'the port %d is not allowed' % port)
        try:
            found = addresses.resolve(host, port, self._resolve)
        except (OSError, UnicodeError) as error:
            raise _refused(uri, 'the host %s cannot be resolved (%s)'
                           % (host, error)) from None
        if host not in opts.allowed_hosts:
            address = addresses.first_refused(found, addresses.is_public)
            if address is not None:
                raise _refused(
                    uri, 'the host %s has the address %s, which is not '
                         'public (loopback, link-local, private or '
                         'reserved); name it in allowed_hosts to allow it'
                    % (host, address))
        return found[0]
