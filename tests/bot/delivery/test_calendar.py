"""Delivery across the calendar: late reports, weekly windows, a channel's days in its own zone.

Every test drives the real planner and deliverer with an injected clock (`run_pass(now)`) and
archives reports with a clock of its own, so when each report "arrived" is part of the script."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
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


class InOrderPublisher(ScriptedPublisher):
    """Records when each digest's posting starts and ends, and lets other tasks run meanwhile
    (as a real post does), so two digests of one channel posted at once would interleave."""

    def __init__(self) -> None:
        super().__init__(parts=1)
        self.events: list[tuple[str, str, dt.date]] = []

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        channel = subscription.channel.channel
        self.events.append(("start", channel, digest.date))
        for _ in range(5):
            await asyncio.sleep(0)
        self.events.append(("end", channel, digest.date))
        return await super().publish(subscription, digest, key=key, start_at=start_at)


async def test_two_reports_archived_together_after_an_outage_each_come_once_in_order(
    engine: AsyncEngine,
) -> None:
    """Wednesday's report could not be fetched all Wednesday; on Thursday it and Thursday's came in
    the same poll. Only the newest was planned, and Wednesday's digest was never sent (nor recorded):
    its time had passed before the newest arrived, so it was taken to have had its turn."""
    store = SubscriptionStore(engine)
    for name, time, tz in (("CUTC", dt.time(9), "UTC"), ("CNY", dt.time(7), "America/New_York")):
        await store.save(Subscription(ChannelRef("console", "local", name), RL, time=time, tz=tz))
    tuesday, wednesday, thursday = dt.date(2026, 5, 5), dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    publisher = InOrderPublisher()
    bot = deliverer(engine, publisher)
    await archive_at(engine, tuesday, dt.datetime(2026, 5, 5, 2, tzinfo=UTC))
    await bot.run_pass(dt.datetime(2026, 5, 5, 12, tzinfo=UTC))
    back = dt.datetime(2026, 5, 7, 12, tzinfo=UTC)  # after both channels' time on Thursday
    await archive_at(engine, wednesday, back)
    await archive_at(engine, thursday, back + dt.timedelta(seconds=2))
    await bot.run_pass(back + dt.timedelta(seconds=3))
    await bot.run_pass(back + dt.timedelta(hours=1))  # nothing more
    for channel in ("CUTC", "CNY"):
        events = [(what, day) for what, name, day in publisher.events if name == channel]
        assert events == [
            ("start", tuesday),
            ("end", tuesday),
            ("start", wednesday),
            ("end", wednesday),
            ("start", thursday),
            ("end", thursday),
        ]
