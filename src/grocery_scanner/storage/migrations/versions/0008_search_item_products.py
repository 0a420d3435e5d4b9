"""search items list the products each page found (cache invalidation on a price change)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_items") as batch:
        batch.add_column(sa.Column("skus", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_items") as batch:
        batch.drop_column("skus")
