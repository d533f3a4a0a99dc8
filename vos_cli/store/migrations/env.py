"""Alembic environment for the ledger: run programmatically by vos_cli.store.ledger with an open
connection (no alembic.ini); the schema is vos_cli.store.schema."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
