"""Runs the migrations on the connection ``glance.db.migration`` passes in."""

from alembic import context

from glance.db import models

context.configure(connection=context.config.attributes['connection'],
                  target_metadata=models.Base.metadata)
with context.begin_transaction():
    context.run_migrations()
