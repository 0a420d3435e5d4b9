"""the quality gate: offers' own unit price and quality, and the gate's findings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("shelf_unit_price_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quality", sa.String(16), nullable=False, server_default="ok"))
    op.create_table(
        "quality_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(36), sa.ForeignKey("workflow_runs.id"), nullable=True),
        sa.Column("offer_id", sa.Integer(), sa.ForeignKey("offers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("product", sa.String(500), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_quality_events_run_id", "quality_events", ["run_id"])
    op.create_index("ix_quality_events_store_id", "quality_events", ["store_id"])
    op.create_index("ix_quality_events_action_status", "quality_events", ["action", "status"])


def downgrade() -> None:
    op.drop_table("quality_events")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("quality")
        batch.drop_column("shelf_unit_price_cents")
