"""glance-manage: create and upgrade the image metadata database, and run
maintenance once.

    glance-manage [--config-file FILE] db_sync [VERSION]
    glance-manage [--config-file FILE] db_version
    glance-manage [--config-file FILE] maintenance
    glance-manage [--config-file FILE] db load_metadefs|unload_metadefs|
                                          export_metadefs (manage_metadefs)

``db sync``, ``db upgrade`` and ``db version`` are the same commands under
Glance's other spelling.  ``maintenance`` runs one round of what glance-api
runs every ``maintenance_interval`` seconds (glance.domain.maintenance),
for deployments whose server does not run it (uWSGI, gunicorn): run it
from cron with glance-api's configuration file.
"""

import sys

from alembic import util as alembic_util
from oslo_config import cfg
import sqlalchemy as sa

from glance.common import config
from glance.cmd import manage_metadefs
from glance.common import exception
from glance.db import migration
from glance import gateway

CONF = cfg.CONF


def sync():
    migration.db_sync(CONF.command.version)
    print('Database upgraded to revision %s.' % migration.db_version())


def show_version():
    print(migration.db_version())


def add_command_parsers(subparsers):
    sync_help = ('Upgrade the database in place to VERSION, by default the '
                 'newest revision; existing data is kept.')
    version_help = 'Print the revision the database is at.'
    add_sync_parser(subparsers, 'db_sync', sync_help)
    subparsers.add_parser('db_version', help=version_help).set_defaults(
        action=show_version)
    db = subparsers.add_parser('db', help='Database commands.')
    db_commands = db.add_subparsers(dest='db_command', required=True)
    add_sync_parser(db_commands, 'sync', sync_help)
    add_sync_parser(db_commands, 'upgrade', sync_help)
    db_commands.add_parser('version', help=version_help).set_defaults(
        action=show_version)
    manage_metadefs.add_parsers(db_commands, subparsers)
    subparsers.add_parser(
        'maintenance', help='Run one round of maintenance: recover stalled '
        'uploads, remove the data of images left pending_delete.'
    ).set_defaults(action=gateway.run_maintenance)


def add_sync_parser(subparsers, name, description):
    parser = subparsers.add_parser(name, help=description)
    parser.add_argument('version', nargs='?',
                        help='Revision to upgrade to.')
    parser.set_defaults(action=sync)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=add_command_parsers,
                                help='What to do.')


def main(argv=None):
    CONF.register_cli_opt(command_opt)
    try:
        config.parse_args(argv, prog='glance-manage')
        CONF.command.action()
    except (cfg.Error, exception.GlanceException, alembic_util.CommandError,
            sa.exc.SQLAlchemyError) as error:
        sys.exit('ERROR: %s' % error)
