"""Schema upgrades, run in code: no alembic.ini is needed at runtime.

Migrations only ever move forward; ``db_sync`` upgrades a database in place
and keeps its data.
"""

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from glance.db import session

SCRIPT_LOCATION = 'glance.db:migrations'


def db_sync(version=None, engine=None):
    """Upgrade the database to ``version`` (default: the newest)."""
    engine = session.writer(engine or session.get_engine())
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), version or 'heads')


def db_version(engine=None):
    """The revision the database is at; None before the first db_sync."""
    engine = engine or session.get_engine()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def head_revision():
    """The newest revision this code knows: where db_sync goes."""
    script = alembic_script.ScriptDirectory.from_config(_alembic_config())
    return script.get_current_head()


def _alembic_config(connection=None):
    config = alembic_config.Config()
    config.set_main_option('script_location', SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    return config
