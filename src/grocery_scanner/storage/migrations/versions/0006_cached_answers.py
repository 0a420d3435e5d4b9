"""the cache's disk tier: stores' answers by request, as JSON

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cached_answers",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_cached_answers_store_id", "cached_answers", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_cached_answers_store_id", table_name="cached_answers")
    op.drop_table("cached_answers")
