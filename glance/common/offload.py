"""Run a blocking call without stalling an eventlet hub.

Under eventlet with monkey patching every green thread shares one OS thread,
so a call that blocks inside C (a write to a slow disk, fsync, hashing
megabytes) stops them all.  ``eventlet.tpool`` runs such a call in a native
thread while only the calling green thread waits.  Without monkey patching
(gunicorn, uWSGI, scripts) threads are real OS threads and the call runs
directly: a thread hop would only add latency.

eventlet is never imported here: it warns on import, and a process that has
not imported it cannot have been monkey-patched.
"""

import sys


def eventlet_patched():
    """True when eventlet has replaced the thread modules with green ones."""
    patcher = sys.modules.get('eventlet.patcher')
    return patcher is not None and patcher.is_monkey_patched('thread')


def call(func, *args, **kwargs):
    """``func(*args, **kwargs)``, in a native thread when under eventlet."""
    if eventlet_patched():
        from eventlet import tpool
        return tpool.execute(func, *args, **kwargs)
    return func(*args, **kwargs)
