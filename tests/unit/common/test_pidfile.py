import os
import subprocess
import sys
import time

from glance.common import pidfile


def test_write_read_remove(tmp_path):
    path = str(tmp_path / 'x.pid')
    assert pidfile.read(path) is None
    pidfile.write(path, 1234)
    assert pidfile.read(path) == 1234
    assert os.listdir(tmp_path) == ['x.pid']
    pidfile.remove(path, 999)
    assert pidfile.read(path) == 1234
    pidfile.remove(path, 1234)
    assert not os.path.exists(path)
    pidfile.remove(path)


def test_garbage_is_no_pid(tmp_path):
    path = tmp_path / 'x.pid'
    path.write_text('not a pid\n')
    assert pidfile.read(str(path)) is None


def test_running_pid_ignores_dead_and_zombie_processes(tmp_path):
    path = str(tmp_path / 'x.pid')
    pidfile.write(path, os.getpid())
    assert pidfile.running_pid(path) == os.getpid()
    child = subprocess.Popen([sys.executable, '-c', ''])
    while open('/proc/%d/stat' % child.pid).read().split(') ')[1][0] != 'Z':
        time.sleep(0.01)
    pidfile.write(path, child.pid)
    assert not pidfile.is_running(child.pid)
    assert pidfile.running_pid(path) is None
    child.wait()
    assert pidfile.running_pid(path) is None
