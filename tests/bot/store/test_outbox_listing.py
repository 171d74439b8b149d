"""`Outbox.list`, behind `paperbot deliveries`: a limit keeps the newest rows and says how many
there were, so a busy day's failures are never cut from view without a word."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef
from bot.store.outbox import Outbox, Planned

DAY = dt.date(2026, 4, 6)
NINE = dt.datetime(2026, 4, 6, 9, 0, tzinfo=dt.UTC)


async def fill(outbox: Outbox, channels: int, day: dt.date = DAY) -> None:
    planned = [
        Planned(ChannelRef("slack", "T1", f"C{n:05d}"), day, NINE + dt.timedelta(minutes=n))
        for n in range(channels)
    ]
    await outbox.ensure(planned, NINE)


async def test_a_limit_keeps_the_newest_and_shows_them_in_due_order(engine: AsyncEngine) -> None:
    outbox = Outbox(engine)
    await fill(outbox, 5, DAY - dt.timedelta(days=1))
    await fill(outbox, 5)
    shown = await outbox.list(limit=3)
    # The newest report date, and within it the three due last, listed in the order they were due.
    assert [(d.report_date, d.channel.channel) for d in shown] == [
        (DAY, "C00002"),
        (DAY, "C00003"),
        (DAY, "C00004"),
    ]
    assert await outbox.count() == 10
    assert await outbox.count(day=DAY, status="pending") == 5
    assert await outbox.count(status="failed") == 0


async def test_no_limit_lists_every_row_beyond_the_old_cap_of_1000(engine: AsyncEngine) -> None:
    outbox = Outbox(engine)
    await fill(outbox, 1142)
    assert len(await outbox.list(day=DAY, status="pending", limit=None)) == 1142
    everything = await outbox.list(limit=None)
    assert [d.due_at for d in everything] == sorted(d.due_at for d in everything)
