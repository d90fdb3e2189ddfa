"""web-download's URL filter: Glance's allow and deny lists, and no
address inside the cloud unless its host is allowed by name."""

import socket

import pytest

from glance.common import exception
from glance.domain import web_source
from tests.unit.store import helpers


def resolver(table):
    """getaddrinfo answering from ``table``: host -> addresses."""
    def resolve(host, port, type=None):
        if host not in table:
            raise socket.gaierror('unknown host')
        return [(socket.AF_INET, type, 6, '', (address, port))
                for address in table[host]]
    return resolve


HOSTS = {'images.example.com': ['93.184.216.34'],
         'sneaky.example.com': ['93.184.216.34', '10.0.0.7'],
         'localhost': ['127.0.0.1'], '169.254.169.254': ['169.254.169.254'],
         '127.0.0.1': ['127.0.0.1'], '192.168.1.5': ['192.168.1.5'],
         '::1': ['::1'], 'fd00::1': ['fd00::1']}


def make_filter(**opts):
    conf = helpers.fresh_conf()
    source_filter = web_source.WebSourceFilter(conf, resolver(HOSTS))
    for name, value in opts.items():
        conf.set_override(name, value, group=web_source.GROUP)
    return source_filter


def test_a_public_host_on_a_default_port_passes():
    assert make_filter().check('https://images.example.com/disk.img') == \
        '93.184.216.34'


@pytest.mark.parametrize('uri', [
    'http://localhost/disk.img', 'http://127.0.0.1/x',
    'http://169.254.169.254/latest/meta-data/', 'http://192.168.1.5/x',
    'http://[::1]/x', 'http://[fd00::1]/x',
    'http://sneaky.example.com/x'])
def test_addresses_inside_the_cloud_are_refused(uri):
    with pytest.raises(exception.ImportRefused, match='not public'):
        make_filter().check(uri)


def test_an_allowed_host_may_be_private():
    source_filter = make_filter(allowed_hosts=['192.168.1.5'])
    assert source_filter.check('http://192.168.1.5/x') == '192.168.1.5'
    with pytest.raises(exception.ImportRefused, match='host'):
        source_filter.check('http://images.example.com/x')


@pytest.mark.parametrize('uri,opts,reason', [
    ('ftp://images.example.com/x', {}, 'scheme'),
    ('file:///etc/passwd', {}, 'no host'),
    ('http://images.example.com:8080/x', {}, 'port'),
    ('http://images.example.com/x', {'disallowed_hosts':
                                     ['images.example.com']}, 'host'),
    ('http://images.example.com:8080/x', {'allowed_ports': [],
                                          'disallowed_ports': [8080]},
     'port'),
    ('https://images.example.com/x', {'allowed_schemes': [],
                                      'disallowed_schemes': ['https']},
     'scheme'),
    ('http://unknown.example.com/x', {}, 'resolved'),
    ('http://images.example.com:99999/x', {}, 'valid'),
])
def test_the_lists_refuse(uri, opts, reason):
    with pytest.raises(exception.ImportRefused, match=reason):
        make_filter(**opts).check(uri)


def test_any_port_when_the_allowed_list_is_empty():
    assert make_filter(allowed_ports=[]).check(
        'http://images.example.com:8080/x') == '93.184.216.34'
