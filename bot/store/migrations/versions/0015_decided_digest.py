"""A delivery keeps the digest it began (`deliveries.digest`): a retry of a digest split into
several messages posts the rest of that same digest, not the parts of one built anew after votes,
a corrected report or a changed channel (bot/delivery/decided.py).

Nullable, with no default: a row of before this revision holds no decided digest, and its next
attempt builds one and keeps it, as a new row's first attempt does.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("digest", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("digest")
