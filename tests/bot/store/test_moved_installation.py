"""An installation moved to another database (`subscriptions export`, then `import` there) keeps
each channel's last digest, so the day it was given there is not delivered again here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, Interests, LastDigest, Subscription
from bot.store.outbox import Outbox, Planned
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import deliveries

DAY = dt.date(2026, 12, 6)
NOW = dt.datetime(2026, 12, 6, 15, 0, tzinfo=dt.UTC)
POSTED = ChannelRef("slack", "T1", "C0POSTED")
FAILED = ChannelRef("slack", "T1", "C0FAILED")
WAITING = ChannelRef("discord", "123456789012345678", "456789012345678901")


async def _deliver(engine: AsyncEngine, ref: ChannelRef, day: dt.date, status: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(deliveries).values(
                platform=ref.platform,
                workspace=ref.workspace,
                channel=ref.channel,
                report_date=day,
                status=status,
                due_at=NOW,
                next_attempt_at=NOW,
                attempts=1,
                uncertain=False,
                next_part=0,
                posted=[],
                created_at=NOW,
                updated_at=NOW,
            )
        )


async def test_each_channel_s_newest_finished_digest_is_read(engine: AsyncEngine) -> None:
    await _deliver(engine, POSTED, DAY - dt.timedelta(days=1), "posted")
    await _deliver(engine, POSTED, DAY, "posted")
    await _deliver(engine, FAILED, DAY - dt.timedelta(days=1), "posted")
    await _deliver(engine, FAILED, DAY, "failed")
    await _deliver(engine, WAITING, DAY - dt.timedelta(days=1), "skipped")
    await _deliver(engine, WAITING, DAY, "pending")  # not over: the new database delivers it
    assert await Outbox(engine).last_digests() == {
        POSTED: LastDigest(DAY, "posted"),
        FAILED: LastDigest(DAY, "failed"),
        WAITING: LastDigest(DAY - dt.timedelta(days=1), "skipped"),
    }


async def test_an_imported_last_digest_is_not_planned_again(engine: AsyncEngine) -> None:
    """Before, the new database had no outbox row for the day, so every channel given its morning
    digest on the old one got it a second time once the day's report was ingested here."""
    store, outbox = SubscriptionStore(engine), Outbox(engine)
    subscriptions = [Subscription(ref, Interests(("agents",))) for ref in (POSTED, WAITING)]
    last = {POSTED: LastDigest(DAY, "posted")}
    for _ in range(2):  # imported twice: the same one row
        await store.import_all(subscriptions, {}, last)
    planned = [Planned(ref, DAY, NOW) for ref in (POSTED, WAITING)]
    assert await outbox.ensure(planned, NOW) == 1  # WAITING's only
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(deliveries.c.channel, deliveries.c.status, deliveries.c.last_error).order_by(
                    deliveries.c.channel
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("456789012345678901", "pending", None),
        ("C0POSTED", "skipped", "posted in the database this subscription was imported from"),
    ]
    # Exported again, the imported day is this channel's last digest: a second move keeps it too.
    assert (await outbox.last_digests())[POSTED] == LastDigest(DAY, "skipped")


async def test_a_row_already_here_is_kept(engine: AsyncEngine) -> None:
    """A backup imported into the database it came from changes no delivery."""
    await _deliver(engine, POSTED, DAY, "pending")
    await SubscriptionStore(engine).import_all(
        [Subscription(POSTED, Interests(("agents",)))], {}, {POSTED: LastDigest(DAY, "posted")}
    )
    async with engine.connect() as conn:
        assert (await conn.execute(select(deliveries.c.status))).scalars().all() == ["pending"]
