"""Where setup() sends the log, and reopening after logrotate."""

import logging
import logging.handlers
import os

import pytest

from glance.common import exception
from glance.common import log

CONF = log.CONF


@pytest.fixture
def configure():
    """configure(**options): CONF overrides undone, and the handlers
    setup() installed removed, after the test."""
    names = []

    def set_overrides(**options):
        for name, value in options.items():
            CONF.set_override(name, value)
            names.append(name)

    yield set_overrides
    for name in names:
        CONF.clear_override(name)
    root = logging.getLogger()
    for handler in log._installed:
        root.removeHandler(handler)
        handler.close()
    log._installed[:] = []
    root.setLevel(logging.WARNING)


def installed():
    [handler] = log._installed
    assert handler in logging.getLogger().handlers
    return handler


def test_stderr_without_a_log_file(configure):
    log.setup('glance-test')
    handler = installed()
    assert type(handler) is logging.StreamHandler
    assert logging.getLogger().level == logging.INFO


def test_log_file_relative_to_log_dir_and_debug(configure, tmp_path):
    configure(log_dir=str(tmp_path), log_file='api.log', debug=True)
    log.setup('glance-test')
    assert installed().baseFilename == str(tmp_path / 'api.log')
    assert logging.getLogger().level == logging.DEBUG
    logging.getLogger('glance.test').debug('hello %s', 'there')
    line = (tmp_path / 'api.log').read_text()
    assert ' %d DEBUG glance.test hello there' % os.getpid() in line


def test_log_dir_alone_names_the_file_after_the_program(configure, tmp_path):
    configure(log_dir=str(tmp_path))
    assert log.log_path('glance-test') == str(tmp_path / 'glance-test.log')


def test_setup_again_replaces_its_own_handler_only(configure, tmp_path):
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    try:
        configure(log_file=str(tmp_path / 'one.log'))
        log.setup('glance-test')
        first = installed()
        configure(log_file=str(tmp_path / 'two.log'))
        log.setup('glance-test')
        assert installed() is not first
        assert first not in logging.getLogger().handlers
        assert other in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(other)


def test_reopen_logs_after_logrotate_moved_the_file(configure, tmp_path):
    path = tmp_path / 'api.log'
    configure(log_file=str(path))
    log.setup('glance-test')
    logger = logging.getLogger('glance.test')
    logger.info('before')
    os.rename(path, tmp_path / 'api.log.1')
    log.reopen_logs()
    assert path.exists()
    logger.info('after')
    assert 'after' in path.read_text()
    assert 'after' not in (tmp_path / 'api.log.1').read_text()


def test_syslog_with_the_configured_facility(configure):
    configure(use_syslog=True, syslog_log_facility='LOG_LOCAL3')
    log.setup('glance-test')
    handler = installed()
    assert isinstance(handler, logging.handlers.SysLogHandler)
    assert handler.facility == logging.handlers.SysLogHandler.LOG_LOCAL3
    assert handler.ident == 'glance-test'


def test_unknown_syslog_facility_is_a_config_error(configure):
    configure(use_syslog=True, syslog_log_facility='LOG_NOPE')
    with pytest.raises(exception.ConfigError, match='LOG_NOPE'):
        log.setup('glance-test')
