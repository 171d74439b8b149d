"""Delivery across the calendar: late reports, weekly windows, a channel's days in its own zone.

Every test drives the real planner and deliverer with an injected clock (`run_pass(now)`) and
archives reports with a clock of its own, so when each report "arrived" is part of the script."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher, deliverer
from tests.factories import paper

RL = Interests(("reinforcement-learning",))
UTC = dt.UTC


async def archive_at(engine: AsyncEngine, day: dt.date, arrived: dt.datetime) -> None:
    """The report of `day`, one RL paper named after the day, reaching the archive at `arrived`."""
    listed = paper(arxiv_id=f"{day:%y%m}.{day.day:05d}", title=f"Scaling RL on {day}", domain="强化学习")
    await Archive(engine, clock=lambda: arrived).ingest(Report(day, (listed,)))


def ids(publisher: ScriptedPublisher, channel: str) -> set[str]:
    return {item.arxiv_id for item in publisher.digests[channel].items}


async def test_a_weekly_digest_keeps_the_report_of_its_own_day_that_came_after_it(
    engine: AsyncEngine,
) -> None:
    """Shanghai, every Monday at 09:00 (01:00 UTC). Monday's report arrives at 02:00 UTC, after that
    Monday's digest went out: it used to fall between two weeks (this one was sent without it, the
    next covers Tuesday to Monday) and no weekly channel east of the report ever saw its papers."""
    weekly = DigestSettings(cadence="weekly", weekday=0)
    ref = ChannelRef("console", "local", "CWEEKLY")
    await SubscriptionStore(engine).save(
        Subscription(ref, RL, time=dt.time(9), tz="Asia/Shanghai", settings=weekly)
    )
    first_monday = dt.date(2026, 12, 28)  # ISO week 53 of 2026: the next week spans the year end
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)

    async def day_by_day(first: dt.date, last: dt.date) -> None:
        """Each day's report at 02:00 UTC that day, a delivery pass after it."""
        day = first
        while day <= last:
            arrived = dt.datetime.combine(day, dt.time(2), tzinfo=UTC)
            await archive_at(engine, day, arrived)
            await bot.run_pass(arrived + dt.timedelta(minutes=1))
            day += dt.timedelta(days=1)

    await day_by_day(first_monday - dt.timedelta(days=6), first_monday - dt.timedelta(days=1))
    await bot.run_pass(dt.datetime(2026, 12, 28, 1, 0, tzinfo=UTC))  # Monday 09:00 in Shanghai
    assert publisher.posted == ["CWEEKLY"]
    assert ids(publisher, "CWEEKLY") == {f"2612.{n:05d}" for n in range(22, 28)}
    await day_by_day(first_monday, dt.date(2027, 1, 3))
    await bot.run_pass(dt.datetime(2027, 1, 4, 1, 0, tzinfo=UTC))
    await day_by_day(dt.date(2027, 1, 4), dt.date(2027, 1, 4))
    assert publisher.posted == ["CWEEKLY", "CWEEKLY"]
    # Monday 28 December, late for its own week, is in the next one; 4 January is next week's.
    assert ids(publisher, "CWEEKLY") == {"2612.00028", "2612.00029", "2612.00030", "2612.00031"} | {
        f"2701.{n:05d}" for n in (1, 2, 3)
    }
