"""search items keep the store's own answer time, apart from the wait for a turn

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latency_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_items", schema=None) as batch_op:
        batch_op.drop_column("latency_ms")
