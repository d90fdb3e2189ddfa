"""What the benchmark needs beyond this checkout, installed on first use.

* nginx, wrk and curl, Debian packages, installed with apt-get when missing
  (needs root; otherwise the command to run is printed).
* OpenStack Glance 33.0.0 and uWSGI, from PyPI, in a virtualenv of their
  own under ``$XDG_CACHE_HOME/glance-bench`` (default ``~/.cache``),
  reused by later runs.  uWSGI builds from source: gcc and the Python
  headers come from apt as well.
"""

import os
import shutil
import subprocess
import sys

APT_PACKAGES = {'nginx': 'nginx-light', 'wrk': 'wrk', 'curl': 'curl',
                'gcc': 'gcc'}
GLANCE_REQUIREMENTS = ['glance==33.0.0', 'uWSGI==2.0.31']


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(base, 'glance-bench')


def _python_headers_missing():
    include = subprocess.run(
        ['python3', '-c', 'import sysconfig; '
         'print(sysconfig.get_paths()["include"])'],
        capture_output=True, text=True, check=True).stdout.strip()
    return not os.path.exists(os.path.join(include, 'Python.h'))


def ensure_system_packages(log):
    missing = [package for command, package in APT_PACKAGES.items()
               if shutil.which(command) is None
               and not os.path.exists('/usr/sbin/' + command)]
    if _python_headers_missing():
        missing.append('python3-dev')
    if not missing:
        return
    command = ['apt-get', 'install', '-y', '-q'] + missing
    if os.geteuid() != 0:
        sys.exit('The benchmark needs: %s\nRun: sudo apt-get update && '
                 'sudo %s' % (', '.join(missing), ' '.join(command)))
    log('installing %s with apt-get' % ', '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.run(['apt-get', 'update', '-q'], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def ensure_glance_venv(log):
    """The path of the Glance 33 virtualenv, created if needed."""
    venv = os.path.join(cache_dir(), 'glance-33.0.0')
    marker = os.path.join(venv, '.installed')
    if os.path.exists(marker):
        return venv
    log('installing %s into %s (a few minutes, once)'
        % (' '.join(GLANCE_REQUIREMENTS), venv))
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(cache_dir(), exist_ok=True)
    subprocess.run(['python3', '-m', 'venv', venv], check=True)
    subprocess.run([os.path.join(venv, 'bin', 'pip'), 'install', '-q']
                   + GLANCE_REQUIREMENTS, check=True)
    open(marker, 'w').close()
    return venv
