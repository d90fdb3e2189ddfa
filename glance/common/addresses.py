"""Which network addresses the service may fetch image data from.

A URL a user hands the service (web-download, v1 copy-from, an external
location) could name a host inside the cloud: the service host itself
(loopback), the metadata service at 169.254.169.254 (link-local), or a
private network.  Callers resolve the host here, refuse it if any of its
addresses is of a kind they do not allow, and connect to the address that
was checked, so a name that resolves differently the second time (DNS
rebinding) cannot slip past.
"""

import ipaddress
import socket

# "This network": Linux connects 0.0.0.0 to the host itself, and the rest
# of the block is no destination either.
_THIS_NETWORK = ipaddress.ip_network('0.0.0.0/8')


def _ip(address):
    """The address as an ipaddress object, an IPv4-mapped IPv6 address as
    the IPv4 address it reaches."""
    ip = ipaddress.ip_address(address.split('%')[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public(address):
    """Whether ``address`` is globally routable: not loopback, link-local,
    private, shared, multicast or reserved."""
    return _ip(address).is_global


def is_local(address):
    """Whether ``address`` reaches the service host or its link: loopback,
    link-local (169.254/16, fe80::/10) or unspecified (0.0.0.0/8, ::)."""
    ip = _ip(address)
    return (ip.is_loopback or ip.is_link_local or ip.is_unspecified
            or (ip.version == 4 and ip in _THIS_NETWORK))


def resolve(host, port, resolver=socket.getaddrinfo):
    """The addresses ``host`` has, in the order to try them; OSError (or
    UnicodeError, for a name IDNA cannot encode) if it has none."""
    return [info[4][0] for info in resolver(host, port,
                                            type=socket.SOCK_STREAM)]


def first_refused(addresses, allowed):
    """The first of ``addresses`` for which ``allowed(address)`` is false,
    None if there is none."""
    return next((address for address in addresses
                 if not allowed(address)), None)
