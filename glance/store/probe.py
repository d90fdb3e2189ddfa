"""Start-up checks of a store's backend, each in a process of its own.

glance-api configures its stores in its parent process and then forks its
workers.  A check made with the client library in that parent would leave
things the workers inherit half-copied: librados's threads (a worker then
hangs on its first call into librados), pooled connections, eventlet's
hub.  A short-lived child process leaves nothing behind, and killing it
bounds the check however the backend fails to answer.

The child runs a function of a driver module, ``check(settings)``, with
the settings the parent sends it as JSON on its stdin (never on the
command line, which other users of the machine can read): the function
returns what the parent should know (printed on stdout) or raises
``Unusable`` with the reason.
"""

import importlib
import json
import subprocess
import sys

# Seconds a check waits for the backend (connecting, then each answer).
TIMEOUT = 10
# Seconds the child process gets beyond that: starting Python and
# importing the client library, on a loaded machine.
STARTUP_ALLOWANCE = 30


class Unusable(Exception):
    """Raised by a check function: why the backend cannot be used."""


def run(module, settings, timeout=TIMEOUT):
    """Run ``module.check(settings)`` in a child process, ``settings``
    holding ``timeout`` too: the seconds the check may wait for the backend.

    Returns what it returned (a string); raises Unusable with its reason,
    or with why the check did not run.
    """
    argv = [sys.executable, '-c',
            'from glance.store import probe; probe.main(%r)' % module]
    try:
        result = subprocess.run(
            argv, input=json.dumps(dict(settings, timeout=timeout)), capture_output=True,
            text=True, timeout=timeout + STARTUP_ALLOWANCE)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unusable('the check did not run: %s' % e) from None
    if result.returncode == 0:
        return result.stdout.strip()
    raise Unusable((result.stderr.strip().splitlines() or
                    ['the check exited with status %d'
                     % result.returncode])[-1])


def root_cause(error):
    """The innermost error of a chain, for a short reason: the system's
    "Connection refused" rather than the layers of HTTP library around
    it."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def main(module):
    """In the child: read the settings, run the check, report."""
    settings = json.load(sys.stdin)
    try:
        print(importlib.import_module(module).check(settings) or '')
    except Unusable as e:
        sys.exit(str(e))
