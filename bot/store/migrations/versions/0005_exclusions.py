"""Subscriptions can exclude topics and keywords.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a NOT NULL column with a default to a table otherwise
    # portably; existing subscriptions exclude nothing.
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("excluded_topics", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("excluded_keywords", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("excluded_keywords")
        batch.drop_column("excluded_topics")
