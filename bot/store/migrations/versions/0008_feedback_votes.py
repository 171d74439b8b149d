"""Feedback votes: each reader's 👍 / 👎 on a paper in a channel (bot/store/votes.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("arxiv_id", sa.String(40), nullable=False),
        sa.Column("voter", sa.String(64), nullable=False),
        sa.Column("direction", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        # One standing vote per reader and paper in a channel; its leading columns also serve
        # "this channel's votes", the only other way the table is read.
        sa.UniqueConstraint(
            "platform", "workspace", "channel", "arxiv_id", "voter", name="uq_feedback_votes_vote"
        ),
    )


def downgrade() -> None:
    op.drop_table("feedback_votes")
