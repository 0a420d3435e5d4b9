"""Alembic environment: migrations run on the connection the application hands over."""

from __future__ import annotations

from alembic import context

from grocery_scanner.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through grocery_scanner.storage.database.Database.open()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
