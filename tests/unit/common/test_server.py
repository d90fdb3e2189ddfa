"""The eventlet server's pieces that run in one process: options and the
listening socket.

The process model (workers, signals) is tested with real processes in
tests/functional/test_server.py.
"""

import errno
import os
import socket
import threading
import time

import pytest

from glance.common import server

CONF = server.CONF


@pytest.fixture
def override():
    """override(name, value): a CONF override undone after the test."""
    names = []

    def set_override(name, value):
        CONF.set_override(name, value)
        names.append(name)

    yield set_override
    for name in names:
        CONF.clear_override(name)


def test_worker_count_defaults_to_cpus_up_to_8(override):
    assert server.worker_count() == min(os.cpu_count(), 8)
    override('workers', 3)
    assert server.worker_count() == 3
    override('workers', 0)
    assert server.worker_count() == 0


def test_configured_address_falls_back_to_the_program_port(override):
    api = server.Server(lambda: None, 9292)
    assert api.configured_address() == ('0.0.0.0', 9292)
    override('bind_port', 9393)
    override('bind_host', '127.0.0.1')
    assert api.configured_address() == ('127.0.0.1', 9393)


def test_listen_turns_keepalive_on(override):
    override('tcp_keepidle', 123)
    sock = server.listen(('127.0.0.1', 0))
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 123
    finally:
        sock.close()


def test_accepted_connections_send_without_nagle_delay():
    sock = server.listen(('127.0.0.1', 0))
    client = socket.create_connection(sock.getsockname()[:2])
    try:
        accepted, _ = sock.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        accepted.close()
    finally:
        client.close()
        sock.close()


def test_listen_gives_up_on_a_busy_port_with_the_address(monkeypatch):
    monkeypatch.setattr(server, 'BIND_RETRY_SECONDS', 0.3)
    first = server.listen(('127.0.0.1', 0))
    port = first.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(OSError) as caught:
            server.listen(('127.0.0.1', port))
        assert time.monotonic() - started >= 0.3
        assert caught.value.errno == errno.EADDRINUSE
        assert '127.0.0.1:%d' % port in str(caught.value)
    finally:
        first.close()


def test_listen_waits_for_the_port_to_be_released():
    first = server.listen(('127.0.0.1', 0))
    port = first.getsockname()[1]
    threading.Timer(0.3, first.close).start()
    server.listen(('127.0.0.1', port)).close()


def test_maintenance_is_due_at_start_then_every_interval(override,
                                                         monkeypatch):
    now = [100.0]
    monkeypatch.setattr(server, '_clock', lambda: now[0])
    override('maintenance_interval', 60)
    schedule = server._MaintenanceSchedule()
    assert schedule.seconds_left() == 0
    schedule.round_started()
    now[0] += 45
    assert schedule.seconds_left() == 15
    override('maintenance_interval', 30)
    assert schedule.seconds_left() == 0
    override('maintenance_interval', 0)
    assert schedule.seconds_left() is None
