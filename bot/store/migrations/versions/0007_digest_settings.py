"""Per-channel digest settings: size, a floor on upvotes, the order, the cadence.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL means "the default" (10 papers, no floor, by relevance, daily): existing rows need nothing.
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("digest_size", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("min_upvotes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest_order", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cadence", sa.String(16), nullable=True))
        batch.add_column(sa.Column("cadence_day", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("cadence_day")
        batch.drop_column("cadence")
        batch.drop_column("digest_order")
        batch.drop_column("min_upvotes")
        batch.drop_column("digest_size")
