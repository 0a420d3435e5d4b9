"""search items and offer provenance: each (run, store, query, page) search is recorded as it
changes; offers keep their fetch time, the store's own modification time and their search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 07:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), sa.ForeignKey("workflow_runs.id"), nullable=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("query", sa.String(300), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_class", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("run_id", "store_id", "query", "page"),
    )
    op.create_index("ix_search_items_run_id", "search_items", ["run_id"])
    op.create_index("ix_search_items_search", "search_items", ["store_id", "query", "finished_at"])
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("source_modified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("search_query", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("search_query")
        batch_op.drop_column("source_modified_at")
        batch_op.drop_column("fetched_at")
    op.drop_index("ix_search_items_search", table_name="search_items")
    op.drop_index("ix_search_items_run_id", table_name="search_items")
    op.drop_table("search_items")
