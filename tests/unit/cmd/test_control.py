"""glance-control's command line and where it keeps pid files."""

import os

import pytest

from glance.cmd import control


def test_server_names_and_config_path(tmp_path):
    conf = tmp_path / 'api.conf'
    conf.write_text('')
    args = control.parse_args(['api', 'start', str(conf)])
    assert args.servers == ('glance-api',)
    assert args.confpath == str(conf)
    assert control.parse_args(['glance-registry', 'stop']).servers == (
        'glance-registry',)
    assert control.parse_args(['all', 'status']).servers == control.SERVERS


@pytest.mark.parametrize('argv', [
    ['api', 'explode'],
    ['scrubber', 'start'],
    ['--pid-file', 'x.pid', 'all', 'start'],
    ['--respawn', '--await-child', '3', 'api', 'start'],
    ['api', 'start', '/nonexistent/api.conf'],
])
def test_bad_command_lines_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        control.parse_args(argv)
    assert caught.value.code == 2


def test_pid_file_falls_back_to_a_per_user_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(control, 'PID_DIR', '/dev/null/glance')
    monkeypatch.setattr(control, 'FALLBACK_PID_DIR', str(tmp_path / 'user'))
    assert control.pid_file_path('glance-api', None) == str(
        tmp_path / 'user' / 'glance-api.pid')
    assert control.pid_file_path('glance-api', 'here.pid') == \
        os.path.abspath('here.pid')


def test_no_writable_directory_is_refused(monkeypatch):
    monkeypatch.setattr(control, 'PID_DIR', '/dev/null/glance')
    monkeypatch.setattr(control, 'FALLBACK_PID_DIR', '/dev/null/user')
    with pytest.raises(control.Refused, match='--pid-file'):
        control.pid_file_path('glance-api', None)
