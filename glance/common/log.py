"""Logging for the Glance programs, configured from Glance's option names.

``setup()`` sends every record of the process to one place: a file when
``log_file`` or ``log_dir`` is set, syslog when ``use_syslog`` is set, stderr
otherwise.  Files are opened through WatchedFileHandler, which reopens the
file when logrotate has moved it; ``reopen_logs()`` (on SIGUSR1) reopens at
once.  Records carry the pid, since a server's workers share the file.
"""

import logging
import logging.handlers
import os

from oslo_config import cfg

from glance.common import exception

CONF = cfg.CONF

_cli_opts = [
    cfg.BoolOpt('debug', short='d', default=False,
                help='Log at DEBUG level instead of INFO.'),
    cfg.StrOpt('log_file', metavar='PATH',
               help='File to log to, relative to log_dir if that is set.  '
                    'Unset with log_dir unset: log to stderr.'),
    cfg.StrOpt('log_dir',
               help='Directory of the log file.  With log_file unset the '
                    'file is "<program>.log" in this directory.'),
]

_file_opts = [
    cfg.StrOpt('log_date_format', default='%Y-%m-%d %H:%M:%S',
               help='strftime format of the time stamp of each log line.'),
    cfg.BoolOpt('use_syslog', default=False,
                help='Log to syslog (/dev/log) instead of a file or stderr.'),
    cfg.StrOpt('syslog_log_facility', default='LOG_USER',
               help='Syslog facility to log with, such as LOG_USER or '
                    'LOG_LOCAL0.'),
]

CONF.register_cli_opts(_cli_opts)
CONF.register_opts(_file_opts)

# Every option of this module, for the sample config generator.
OPTS = _cli_opts + _file_opts

FILE_FORMAT = '%(asctime)s.%(msecs)03d %(process)d %(levelname)s ' \
              '%(name)s %(message)s'
# After the ident "<program>", so that lines read "glance-api[pid]: ...".
SYSLOG_FORMAT = '[%(process)d]: %(levelname)s %(name)s %(message)s'

# The handlers setup() installed, so that a second call (on SIGHUP) replaces
# them and leaves any other handler of the root logger alone.
_installed = []


def log_path(program_name):
    """The file setup() logs to, or None for syslog or stderr."""
    if CONF.use_syslog or not (CONF.log_file or CONF.log_dir):
        return None
    name = CONF.log_file or '%s.log' % program_name
    return os.path.join(CONF.log_dir, name) if CONF.log_dir else name


def setup(program_name):
    """Point the root logger at the configured destination.

    Called again after a configuration reload, it replaces what the
    previous call installed.
    """
    handler = _make_handler(program_name)
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed[:] = [handler]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if CONF.debug else logging.INFO)


def _make_handler(program_name):
    if CONF.use_syslog:
        facility = _syslog_facility()
        address = '/dev/log' if os.path.exists('/dev/log') \
            else ('localhost', logging.handlers.SYSLOG_UDP_PORT)
        handler = logging.handlers.SysLogHandler(address, facility)
        handler.ident = program_name
        handler.setFormatter(logging.Formatter(SYSLOG_FORMAT))
        return handler
    path = log_path(program_name)
    if path:
        handler = logging.handlers.WatchedFileHandler(path)
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FILE_FORMAT,
                                           datefmt=CONF.log_date_format))
    return handler


def _syslog_facility():
    name = CONF.syslog_log_facility
    facilities = logging.handlers.SysLogHandler.facility_names
    key = name.lower().removeprefix('log_')
    if key not in facilities:
        raise exception.ConfigError('syslog_log_facility %r is not one of %s'
                         % (name, ', '.join(
                             'LOG_%s' % f.upper() for f in sorted(facilities))))
    return facilities[key]


def reopen_logs():
    """Reopen log files that logrotate has moved or removed (SIGUSR1)."""
    for handler in _installed:
        if isinstance(handler, logging.handlers.WatchedFileHandler):
            handler.reopenIfNeeded()
