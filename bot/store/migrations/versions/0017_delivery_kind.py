"""A delivery says what it holds (`deliveries.kind`): one day's report (`day`) or a week (`week`),
and a channel may have one of each keyed the same date.

A weekly digest is keyed by the channel's day, the date of the report a daily digest holds. In a
zone ahead of UTC a weekly channel's Monday digest falls due before Monday's report arrives (09:00
in Shanghai is 01:00 UTC), so the next weekly one holds that report; a channel gone daily that
Monday then owed a daily digest of it under the same key (channel, date), which the outbox held
already, and the report was never sent. And what a delivery held was read from the channel's
cadence at the time, so `/paper digest latest` right after a move to weekly named the last daily
digest as the week delivered.

Rows from before this revision are given their kind as far as the database can tell: a digest that
fell due before its date's report arrived can only be a weekly one (a daily one waits for its
report), and a channel that is weekly now has its newest digest taken as a weekly one, so the
planner does not plan that week again. Other rows are days, as they were read until now.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_WEEKLY = """
UPDATE deliveries SET kind = 'week'
WHERE due_at < (SELECT reports.ingested_at FROM reports WHERE reports.date = deliveries.report_date)
   OR (
        EXISTS (
            SELECT 1 FROM subscriptions s
            WHERE s.platform = deliveries.platform AND s.workspace = deliveries.workspace
              AND s.channel = deliveries.channel AND s.cadence = 'weekly'
        )
        AND deliveries.report_date = (
            SELECT max(d.report_date) FROM deliveries d
            WHERE d.platform = deliveries.platform AND d.workspace = deliveries.workspace
              AND d.channel = deliveries.channel
        )
   )
"""


UNFINISHED = "status IN ('pending', 'claimed')"


def _drop_indexes() -> None:
    # SQLite's batch mode copies the table and makes its indexes again in an order that varies
    # from one process to the next; made here, in this order, the schema is the same every time
    # (bot/store/migrations/sqlite_schema.sql is a copy of it).
    op.drop_index("ix_deliveries_unfinished", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")


def _create_indexes() -> None:
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index(
        "ix_deliveries_unfinished",
        "deliveries",
        ["platform", "workspace", "channel", "report_date"],
        postgresql_where=sa.text(UNFINISHED),
        sqlite_where=sa.text(UNFINISHED),
    )


def upgrade() -> None:
    _drop_indexes()
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="day"))
        batch.drop_constraint("uq_deliveries_channel_day", type_="unique")
        batch.create_unique_constraint(
            "uq_deliveries_channel_day_kind", ["platform", "workspace", "channel", "report_date", "kind"]
        )
    _create_indexes()
    op.execute(_WEEKLY)


def downgrade() -> None:
    # A channel's week and day keyed the same date cannot both stay under the old key: the day stays.
    op.execute(
        "DELETE FROM deliveries WHERE kind = 'week' AND EXISTS (SELECT 1 FROM deliveries d"
        " WHERE d.platform = deliveries.platform AND d.workspace = deliveries.workspace"
        " AND d.channel = deliveries.channel AND d.report_date = deliveries.report_date"
        " AND d.kind = 'day')"
    )
    _drop_indexes()
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_channel_day_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_deliveries_channel_day", ["platform", "workspace", "channel", "report_date"]
        )
        batch.drop_column("kind")
    _create_indexes()
