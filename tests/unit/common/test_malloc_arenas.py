"""glance.common.malloc_arenas, in fresh interpreters: the cap is set
through mallopt unless MALLOC_ARENA_MAX says otherwise."""

import os
import subprocess
import sys

PROBE = '''
import ctypes
calls = []
class Libc:
    def mallopt(self, parameter, value):
        calls.append((parameter, value))
        return 1
ctypes.CDLL = lambda name: Libc()
from glance.common import malloc_arenas
malloc_arenas.limit()
print(calls)
'''


def run_probe(**environ):
    env = {k: v for k, v in os.environ.items() if k != 'MALLOC_ARENA_MAX'}
    env.update(environ)
    return subprocess.run([sys.executable, '-c', PROBE], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_one_arena_is_asked_for():
    assert run_probe() == '[(-8, 1)]'


def test_the_environment_decides_when_it_says():
    assert run_probe(MALLOC_ARENA_MAX='4') == '[]'


def test_glibc_takes_the_setting():
    """The real C library knows the parameter: mallopt returns 1."""
    accepted = subprocess.run(
        [sys.executable, '-c', 'import ctypes; from glance.common import '
         'malloc_arenas as m; print(ctypes.CDLL(None).mallopt('
         'm.M_ARENA_MAX, m.ARENAS))'],
        check=True, capture_output=True, text=True).stdout.strip()
    assert accepted == '1'
