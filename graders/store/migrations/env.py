"""Alembic's entry: run the migrations on the connection graders/store/database.py hands in
(never a URL from a config file: the store is opened by URL from the command line or the
platform's settings)."""

from alembic import context

from graders.store.database import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
