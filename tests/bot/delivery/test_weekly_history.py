"""A weekly channel's digests follow what it was actually sent, not its day alone.

A weekly digest holds the reports its channel's digest before it did not (bot/ranking/weekly.py),
read from the outbox: a channel that changes its day mid-week, or moves between daily and weekly,
gets every report once, and a report archived weeks after its date (a backfill) is in the next
weekly digest when it is at most four weeks old. Every test drives the real planner and deliverer
with an injected clock, and archives reports with a clock of its own."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, handle_paper_command
from bot.chat.use_cases import set_cadence
from bot.delivery.deliverer import Deliverer
from bot.delivery.planner import PlanNotes
from bot.models import ChannelRef, DigestSettings, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_calendar import RL, archive_at
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher, deliverer

UTC = dt.UTC
DAY = dt.timedelta(days=1)
SUBSCRIBED = dt.datetime(2026, 11, 1, tzinfo=UTC)


class KeepingPublisher(ScriptedPublisher):
    """Keeps every digest posted, in order: (channel, digest date, the papers' report days)."""

    def __init__(self) -> None:
        super().__init__(parts=1)
        self.sent: list[tuple[str, dt.date, list[dt.date]]] = []

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        days = sorted(_day_of(item.arxiv_id) for item in digest.items)
        self.sent.append((subscription.channel.channel, digest.date, days))
        return await super().publish(subscription, digest, key=key, start_at=start_at)


def _day_of(arxiv_id: str) -> dt.date:
    """The report day `archive_at` named the paper after (`2611.00030` is 30 November 2026)."""
    month, day = arxiv_id.split(".")
    return dt.date(2000 + int(month[:2]), int(month[2:]), int(day))


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + DAY * n for n in range((last - first).days + 1)]


async def subscribe(
    engine: AsyncEngine,
    name: str,
    *,
    cadence: str = "weekly",
    weekday: int = 0,
    tz: str = "UTC",
    at: dt.time = dt.time(9),
) -> ChannelRef:
    ref = ChannelRef("console", "local", name)
    # Room for every report's paper: what a digest holds is the point, not how it is cut.
    settings = DigestSettings(size=30, cadence=cadence, weekday=weekday)  # type: ignore[arg-type]
    store = SubscriptionStore(engine, clock=lambda: SUBSCRIBED)
    await store.save(Subscription(ref, RL, time=at, tz=tz, settings=settings))
    return ref


async def daily_reports(engine: AsyncEngine, bot: Deliverer, first: dt.date, last: dt.date) -> None:
    """Each day's report at 02:00 UTC that day, and delivery passes after it, at 09:01 (the
    channels' time in UTC) and late in the day."""
    for day in days(first, last):
        arrived = dt.datetime.combine(day, dt.time(2), tzinfo=UTC)
        await archive_at(engine, day, arrived)
        for hours in (0, 7, 21):
            await bot.run_pass(arrived + dt.timedelta(hours=hours, minutes=1))


async def change_cadence(engine: AsyncEngine, ref: ChannelRef, text: str) -> None:
    await set_cadence(SubscriptionStore(engine, clock=lambda: SUBSCRIBED), ref, text)


async def test_a_channel_moved_from_monday_to_friday_midweek_gets_each_report_once(
    engine: AsyncEngine,
) -> None:
    """Monday's digest held 24–30 November; `/paper cadence weekly fri` on Tuesday. Friday's
    digest was the seven days ending Friday (28 November to 4 December): 28–30 November twice."""
    ref = await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 11, 30))
    await change_cadence(engine, ref, "weekly fri")
    await daily_reports(engine, bot, dt.date(2026, 12, 1), dt.date(2026, 12, 5))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 30), days(dt.date(2026, 11, 24), dt.date(2026, 11, 30))),
        ("CWEEK", dt.date(2026, 12, 4), days(dt.date(2026, 12, 1), dt.date(2026, 12, 4))),
    ]


async def test_a_channel_moved_to_a_day_already_past_skips_no_report(engine: AsyncEngine) -> None:
    """Monday's digest held 17–23 November; `每周 周五` on Saturday 28 November, when that
    Friday's time was a day past. Friday 27 November was recorded as a missed digest, its week
    (21–27 November) never sent, and the next Friday's began on the 28th: 24–27 were lost."""
    ref = await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 17), dt.date(2026, 11, 27))
    await change_cadence(engine, ref, "每周 周五")
    await daily_reports(engine, bot, dt.date(2026, 11, 28), dt.date(2026, 12, 5))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 23), days(dt.date(2026, 11, 17), dt.date(2026, 11, 23))),
        ("CWEEK", dt.date(2026, 12, 4), days(dt.date(2026, 11, 24), dt.date(2026, 12, 4))),
    ]
    assert [row.report_date for row in await Outbox(engine).list()] == [
        dt.date(2026, 12, 4),
        dt.date(2026, 11, 23),
    ]


async def test_a_channel_moved_from_friday_back_to_monday_is_not_sent_the_week_again(
    engine: AsyncEngine,
) -> None:
    """Friday's digest held 28 November to 4 December; back to Monday on Saturday. Monday's
    digest was the seven days ending Monday: 1–4 December twice."""
    ref = await subscribe(engine, "CWEEK", weekday=4)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 28), dt.date(2026, 12, 4))
    await change_cadence(engine, ref, "weekly monday")
    await daily_reports(engine, bot, dt.date(2026, 12, 5), dt.date(2026, 12, 7))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 12, 4), days(dt.date(2026, 11, 28), dt.date(2026, 12, 4))),
        ("CWEEK", dt.date(2026, 12, 7), days(dt.date(2026, 12, 5), dt.date(2026, 12, 7))),
    ]


async def test_a_daily_channel_gone_weekly_gets_the_reports_since_its_last_daily_digest(
    engine: AsyncEngine,
) -> None:
    """Daily until Wednesday's digest, then weekly on Friday: Friday's digest was the seven days
    ending Friday, Saturday to Wednesday's reports a second time."""
    ref = await subscribe(engine, "CDAY", cadence="daily")
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 30), dt.date(2026, 12, 2))
    await change_cadence(engine, ref, "weekly friday")
    await daily_reports(engine, bot, dt.date(2026, 12, 3), dt.date(2026, 12, 5))
    assert publisher.sent == [
        ("CDAY", day, [day]) for day in days(dt.date(2026, 11, 30), dt.date(2026, 12, 2))
    ] + [("CDAY", dt.date(2026, 12, 4), [dt.date(2026, 12, 3), dt.date(2026, 12, 4)])]


async def test_a_weekly_channel_gone_daily_is_not_sent_a_report_its_weekly_digest_held(
    engine: AsyncEngine,
) -> None:
    """Weekly on Monday at 09:00 in Shanghai (01:00 UTC). Sunday's report came late, at 00:30 UTC
    on Monday, in time for Monday's weekly digest; the channel went daily ten minutes after it,
    and Sunday's report, the newest, was sent again as a daily digest."""
    ref = await subscribe(engine, "CSH", weekday=0, tz="Asia/Shanghai")
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 30), dt.date(2026, 12, 5))
    sunday = dt.date(2026, 12, 6)
    await archive_at(engine, sunday, dt.datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    await bot.run_pass(dt.datetime(2026, 12, 7, 1, 1, tzinfo=UTC))
    await change_cadence(engine, ref, "daily")
    await bot.run_pass(dt.datetime(2026, 12, 7, 1, 11, tzinfo=UTC))
    await daily_reports(engine, bot, dt.date(2026, 12, 8), dt.date(2026, 12, 8))
    assert publisher.sent == [
        ("CSH", dt.date(2026, 12, 7), days(dt.date(2026, 11, 30), sunday)),
        ("CSH", dt.date(2026, 12, 8), [dt.date(2026, 12, 8)]),
    ]


async def test_a_backfill_is_in_the_next_weekly_digest_back_to_four_weeks(engine: AsyncEngine) -> None:
    """`paperbot ingest` of 9–13 November (and 1 October) on Wednesday 2 December. Only a report
    of the week before the last digest's reached a weekly channel; these older ones were in no
    weekly digest at all. Now the next one holds those of the four weeks ending on its day
    (10 November on, for Monday 7 December): a backfill of years is not one digest."""
    await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 12, 1))
    backfill = dt.datetime(2026, 12, 2, 12, tzinfo=UTC)
    for day in [dt.date(2026, 10, 1), *days(dt.date(2026, 11, 9), dt.date(2026, 11, 13))]:
        await archive_at(engine, day, backfill)
    await daily_reports(engine, bot, dt.date(2026, 12, 2), dt.date(2026, 12, 8))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 30), days(dt.date(2026, 11, 24), dt.date(2026, 11, 30))),
        (
            "CWEEK",
            dt.date(2026, 12, 7),
            days(dt.date(2026, 11, 10), dt.date(2026, 11, 13))
            + days(dt.date(2026, 12, 1), dt.date(2026, 12, 7)),
        ),
    ]


async def test_replicas_after_a_day_change_send_the_week_once(engine: AsyncEngine) -> None:
    """Two deliverers (replicas) passing at once after the change plan and post Friday's digest
    once, both building the same week from the same outbox."""
    ref = await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    first, second = deliverer(engine, publisher, "w1"), deliverer(engine, publisher, "w2")
    await daily_reports(engine, first, dt.date(2026, 11, 24), dt.date(2026, 11, 30))
    await change_cadence(engine, ref, "weekly fri")
    for day in days(dt.date(2026, 12, 1), dt.date(2026, 12, 4)):
        await archive_at(engine, day, dt.datetime.combine(day, dt.time(2), tzinfo=UTC))
    friday = dt.datetime(2026, 12, 4, 9, 0, 30, tzinfo=UTC)
    for minute in range(3):
        now = friday + dt.timedelta(minutes=minute)
        await asyncio.gather(first.run_pass(now), second.run_pass(now))
    assert publisher.sent[1:] == [
        ("CWEEK", dt.date(2026, 12, 4), days(dt.date(2026, 12, 1), dt.date(2026, 12, 4)))
    ]


async def test_paper_digest_after_a_day_change_shows_what_friday_will_bring(engine: AsyncEngine) -> None:
    """`/paper digest` on Wednesday after moving from Monday to Friday: the next digest as it
    stands, the reports since Monday's, as the channel then gets it."""
    ref = await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 11, 30))
    await change_cadence(engine, ref, "weekly fri")
    await daily_reports(engine, bot, dt.date(2026, 12, 1), dt.date(2026, 12, 2))
    wednesday = dt.datetime(2026, 12, 2, 12, tzinfo=UTC)
    ctx = CommandContext(
        Archive(engine, clock=lambda: wednesday),
        SubscriptionStore(engine),
        builtin_taxonomy(),
        ref,
        user="U1",
    )
    shown = (await handle_paper_command(ctx, "digest")).digest
    assert shown is not None
    assert sorted(_day_of(item.arxiv_id) for item in shown.items) == [
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 2),
    ]
    assert "next weekly digest, Friday 2026-12-04 at 09:00 (UTC)" in shown.following_line()


async def test_a_weekly_digest_missed_while_paperbot_was_down_rolls_into_the_next(
    engine: AsyncEngine,
) -> None:
    """paperbot was down from Sunday to Tuesday: Monday's digest, more than the catch-up window
    late, was recorded as skipped and its week's reports (1–7 December) never reached the channel.
    Now nothing is recorded for it, `paperbot deliver` says when the next is due, and the next
    Monday's digest holds both weeks."""
    await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 12, 5))
    for day in days(dt.date(2026, 12, 6), dt.date(2026, 12, 8)):  # archived, nothing delivered
        await archive_at(engine, day, dt.datetime.combine(day, dt.time(2), tzinfo=UTC))
    back = dt.datetime(2026, 12, 8, 12, tzinfo=UTC)
    notes = PlanNotes()
    assert await bot.planner.plan(back, notes=notes) == 0
    assert notes.not_due == [
        (ChannelRef("console", "local", "CWEEK"), dt.datetime(2026, 12, 14, 9, tzinfo=UTC))
    ]
    await daily_reports(engine, bot, dt.date(2026, 12, 9), dt.date(2026, 12, 14))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 30), days(dt.date(2026, 11, 24), dt.date(2026, 11, 30))),
        ("CWEEK", dt.date(2026, 12, 14), days(dt.date(2026, 12, 1), dt.date(2026, 12, 14))),
    ]
    assert [row.status for row in await Outbox(engine).list()] == ["posted", "posted"]


async def test_a_weekly_digest_planned_but_never_taken_rolls_into_the_next(engine: AsyncEngine) -> None:
    """Monday's digest was planned at its time, then every deliverer stopped until Tuesday: the
    deliverer skips it as missed (not sent within the catch-up window). It held nothing, so the
    next Monday's digest holds its week too; counted as the channel's digest before, it took the
    reports of 1–7 December with it."""
    await subscribe(engine, "CWEEK", weekday=0)
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 12, 6))
    await archive_at(engine, dt.date(2026, 12, 7), dt.datetime(2026, 12, 7, 2, tzinfo=UTC))
    assert await bot.planner.plan(dt.datetime(2026, 12, 7, 9, 1, tzinfo=UTC)) == 1  # then down
    await bot.run_pass(dt.datetime(2026, 12, 8, 12, tzinfo=UTC))
    assert sorted(row.status for row in await Outbox(engine).list()) == ["posted", "skipped"]
    await daily_reports(engine, bot, dt.date(2026, 12, 8), dt.date(2026, 12, 14))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 30), days(dt.date(2026, 11, 24), dt.date(2026, 11, 30))),
        ("CWEEK", dt.date(2026, 12, 14), days(dt.date(2026, 12, 1), dt.date(2026, 12, 14))),
    ]


class DownPublisher(KeepingPublisher):
    """KeepingPublisher whose platform is down (an outage: no attempt used) while `down` is set,
    and which fails each post (an attempt used) while `failing` is."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.failing = False  # refused as a bad request would be: an attempt used

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        if self.down:
            return PublishResult("failed", (), start_at, "service unavailable", outage=True)
        if self.failing:
            return PublishResult("failed", (), start_at, "invalid_blocks")
        return await super().publish(subscription, digest, key=key, start_at=start_at)


async def test_a_weekly_digest_an_outage_kept_out_rolls_into_the_next(engine: AsyncEngine) -> None:
    """The platform was down all Monday: Monday's digest was tried, waited the outage out for the
    catch-up window and failed with none of it posted. Counted as the channel's digest before, it
    took the reports of 1–7 December with it, while a digest no deliverer took in its window
    (skipped as missed) left them to the next one: an outage lost a whole week."""
    await subscribe(engine, "CWEEK", weekday=0)
    publisher = DownPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 24), dt.date(2026, 12, 6))
    publisher.down = True
    await daily_reports(engine, bot, dt.date(2026, 12, 7), dt.date(2026, 12, 7))
    await bot.run_pass(dt.datetime(2026, 12, 8, 1, tzinfo=UTC))  # past the window, platform back
    publisher.down = False
    assert sorted(row.status for row in await Outbox(engine).list()) == ["failed", "posted"]
    await daily_reports(engine, bot, dt.date(2026, 12, 8), dt.date(2026, 12, 14))
    assert publisher.sent == [
        ("CWEEK", dt.date(2026, 11, 30), days(dt.date(2026, 11, 24), dt.date(2026, 11, 30))),
        ("CWEEK", dt.date(2026, 12, 14), days(dt.date(2026, 12, 1), dt.date(2026, 12, 14))),
    ]


async def test_a_weekly_channel_gone_daily_is_sent_the_report_its_failed_weekly_digest_never_posted(
    engine: AsyncEngine,
) -> None:
    """As above, but Monday's weekly digest failed for good with nothing posted (out of
    attempts) before the channel went daily: Sunday's report counted as held by it, and the
    channel never got it."""
    ref = await subscribe(engine, "CSH", weekday=0, tz="Asia/Shanghai")
    publisher = DownPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 30), dt.date(2026, 12, 5))
    sunday = dt.date(2026, 12, 6)
    await archive_at(engine, sunday, dt.datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    publisher.failing = True
    for minute in range(60):  # every attempt fails, within the hour
        await bot.run_pass(dt.datetime(2026, 12, 7, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=minute))
    assert [row.status for row in await Outbox(engine).list()] == ["failed"]
    publisher.failing = False
    await change_cadence(engine, ref, "daily")
    await bot.run_pass(dt.datetime(2026, 12, 7, 2, 11, tzinfo=UTC))
    assert publisher.sent[-1] == ("CSH", sunday, [sunday])


async def test_a_weekly_channel_gone_daily_is_sent_the_report_of_its_weekly_day_that_came_after_it(
    engine: AsyncEngine,
) -> None:
    """Weekly on Monday at 09:00 in Shanghai (01:00 UTC), gone daily right after Monday's weekly
    digest. Monday's report came at 02:00 UTC, after that digest: the next weekly one would have
    held it, but the channel was daily by then, and the daily digest of Monday's report shared
    the weekly one's key (channel and date), so it was never planned and the report was lost."""
    ref = await subscribe(engine, "CSH", weekday=0, tz="Asia/Shanghai")
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    monday = dt.date(2026, 12, 7)
    await bot.run_pass(dt.datetime(2026, 12, 7, 1, 1, tzinfo=UTC))
    await change_cadence(engine, ref, "daily")
    await daily_reports(engine, bot, monday, dt.date(2026, 12, 8))
    assert publisher.sent == [
        ("CSH", monday, days(dt.date(2026, 11, 30), dt.date(2026, 12, 6))),
        ("CSH", monday, [monday]),
        ("CSH", dt.date(2026, 12, 8), [dt.date(2026, 12, 8)]),
    ]
    assert [(row.report_date, row.kind) for row in await Outbox(engine).list()] == [
        (dt.date(2026, 12, 8), "day"),
        (monday, "week"),
        (monday, "day"),
    ]


async def test_a_daily_channel_gone_weekly_the_same_day_is_not_sent_that_report_again(
    engine: AsyncEngine,
) -> None:
    """Daily in Shanghai at 09:00 until Monday's digest (Sunday's report: Monday's came later),
    then weekly on Monday: that Monday's daily digest is the weekly one's digest before, though
    keyed the same day, so the next weekly digest holds Monday's report on, and every report
    comes once (14 December's, at 02:00 UTC, after that Monday's digest, is the next week's)."""
    ref = await subscribe(engine, "CSH", cadence="daily", tz="Asia/Shanghai")
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    await daily_reports(engine, bot, dt.date(2026, 12, 4), dt.date(2026, 12, 6))
    await bot.run_pass(dt.datetime(2026, 12, 7, 1, 1, tzinfo=UTC))
    await change_cadence(engine, ref, "weekly monday")
    await daily_reports(engine, bot, dt.date(2026, 12, 7), dt.date(2026, 12, 14))
    sent_days = [day for _, _, held in publisher.sent for day in held]
    assert sorted(sent_days) == days(dt.date(2026, 12, 4), dt.date(2026, 12, 13))


async def test_a_weekly_channel_gone_daily_west_of_utc_is_not_sent_its_weeks_last_report_again(
    engine: AsyncEngine,
) -> None:
    """Weekly on Monday at 23:30 in Los Angeles (07:30 UTC on Tuesday): Monday's digest held
    Monday's report. Gone daily at 08:00 UTC on Tuesday, after Tuesday's report came. A daily
    channel this far west is owed the report before the newest too (its time for it came after
    the newest arrived), and once a week and a day could share a date, only a daily digest of
    Monday counted as having held it: Monday's report would have been sent twice."""
    ref = await subscribe(engine, "CLA", weekday=0, tz="America/Los_Angeles", at=dt.time(23, 30))
    publisher = KeepingPublisher()
    bot = deliverer(engine, publisher)
    monday, tuesday = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
    await daily_reports(engine, bot, dt.date(2026, 12, 1), tuesday)
    await bot.run_pass(dt.datetime(2026, 12, 8, 7, 31, tzinfo=UTC))
    await change_cadence(engine, ref, "daily")
    await bot.run_pass(dt.datetime(2026, 12, 8, 8, tzinfo=UTC))
    await daily_reports(engine, bot, dt.date(2026, 12, 9), dt.date(2026, 12, 9))
    await bot.run_pass(dt.datetime(2026, 12, 10, 7, 31, tzinfo=UTC))
    assert publisher.sent == [
        ("CLA", monday, days(dt.date(2026, 12, 1), monday)),
        ("CLA", tuesday, [tuesday]),
        ("CLA", dt.date(2026, 12, 9), [dt.date(2026, 12, 9)]),
    ]
