"""Platform runs: which chat platforms a `paperbot run` has served from this database
(bot/store/deployment.py), so that the console demo can tell a platform deployment's database
and refuse to write its sample report and demo channel into it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_runs",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("first_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("platform_runs")
