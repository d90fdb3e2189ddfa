"""Pid files, shared by the servers (which write their own) and glance-control.

A pid file holds one decimal pid and a newline.  It is written through a
temporary file and a rename, so a reader never sees half a pid.  No eventlet
here: glance-control imports this module too.
"""

import os


def read(path):
    """The pid in ``path``, or None if the file is missing or not a pid."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None


def is_running(pid):
    """Whether process ``pid`` exists and has not exited (zombies have)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid) as f:
            # "pid (command) state ...": the command may contain spaces.
            return f.read().rpartition(')')[2].split()[0] != 'Z'
    except FileNotFoundError:
        return not os.path.isdir('/proc/self')


def running_pid(path):
    """The pid ``path`` names if that process is running, else None."""
    pid = read(path)
    return pid if pid is not None and is_running(pid) else None


def write(path, pid):
    temporary = '%s.%d.tmp' % (path, os.getpid())
    with open(temporary, 'w') as f:
        f.write('%d\n' % pid)
    os.replace(temporary, path)


def remove(path, pid=None):
    """Remove ``path``; with ``pid``, only if the file still names it."""
    if pid is not None and read(path) != pid:
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
