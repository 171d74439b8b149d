"""Digest extras: a paper's title in its own language when a digest translated it
(`原文标题`), and the labelled parts of other digests' papers that are none of the five sections
(核心关键词, Comments, Authors), which lookup and matching read at a lower weight (issue 15).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("original_title", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("extra", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("extra")
        batch.drop_column("original_title")
