"""How a channel's cards look (issue 19): the paper's Hugging Face thumbnail on each card
(`/paper set images on|off`) and the layout (`/paper set layout cards|compact`).

Both columns are NOT NULL with a server default (images off, layout `cards`), so every existing
subscription keeps the digest it had.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("card_images", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("card_layout", sa.String(16), nullable=False, server_default="cards"))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("card_layout")
        batch.drop_column("card_images")
