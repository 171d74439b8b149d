"""Delivery across the calendar: late reports, weekly windows, a channel's days in its own zone.

Every test drives the real planner and deliverer with an injected clock (`run_pass(now)`) and
archives reports with a clock of its own, so when each report "arrived" is part of the script."""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.delivery.deliverer
from bot.chat.use_cases import set_schedule, subscribe, unsubscribe
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, DigestSettings, Interests, LastDigest, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
from bot.store.archive import Archive
from bot.store.outbox import Delivery, Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher, deliverer
from tests.factories import paper
from tests.waiting import until

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
    tuesday, wednesday, thursday = dt.date(2026, 5, 5), dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    for name, time, tz in (("CUTC", dt.time(9), "UTC"), ("CNY", dt.time(7), "America/New_York")):
        await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), name, time, tz)  # Monday
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


async def subscribe_at(
    engine: AsyncEngine, moment: dt.datetime, name: str, time: dt.time, tz: str
) -> ChannelRef:
    """A channel subscribing at `moment` (its subscription's created_at)."""
    ref = ChannelRef("console", "local", name)
    await SubscriptionStore(engine, clock=lambda: moment).save(Subscription(ref, RL, time=time, tz=tz))
    return ref


# Channels whose time falls before, at and after the reports' arrival, east and west of UTC.
ZONES = (
    ("CUTC", dt.time(9), "UTC"),
    ("CNY", dt.time(7), "America/New_York"),
    ("CSH", dt.time(8, 30), "Asia/Shanghai"),
    ("CLA", dt.time(23, 30), "America/Los_Angeles"),
)


async def test_a_new_installations_first_poll_brings_a_new_channel_the_newest_digest_only(
    engine: AsyncEngine,
) -> None:
    """Hugging Face's lists are taken once their day is over, and a poll asks for the newest two:
    a new installation's first poll archives Wednesday's and Thursday's in the same second (Friday
    00:10 UTC). Channels subscribing after it each got both digests on their first morning,
    Wednesday's (a day before they subscribed) first: the planner took the two for reports archived
    together after an outage."""
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    polled = dt.datetime(2026, 5, 8, 0, 10, tzinfo=UTC)
    await archive_at(engine, wednesday, polled)
    await archive_at(engine, thursday, polled)
    for name, time, tz in ZONES:
        await subscribe_at(engine, polled + dt.timedelta(minutes=10), name, time, tz)
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)
    await hourly_passes(bot, polled + dt.timedelta(minutes=11), polled + dt.timedelta(days=2))
    assert sorted(publisher.posted) == sorted(name for name, _, _ in ZONES)
    assert {row.report_date for row in await Outbox(engine).list()} == {thursday}


async def test_a_backfill_then_a_new_channel_brings_the_newest_digest_only(engine: AsyncEngine) -> None:
    """`paperbot ingest reports/` of two weeks, oldest first, on a Friday morning, then channels
    subscribe: each gets Friday's digest, and none Thursday's, which the backfill archived seconds
    before Friday's."""
    friday = dt.date(2026, 5, 8)
    started = dt.datetime(2026, 5, 8, 10, tzinfo=UTC)
    for n in range(14):
        await archive_at(engine, friday - dt.timedelta(days=13 - n), started + dt.timedelta(seconds=n))
    for name, time, tz in ZONES:
        await subscribe_at(engine, started + dt.timedelta(minutes=5), name, time, tz)
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)
    await hourly_passes(bot, started + dt.timedelta(minutes=6), started + dt.timedelta(days=1))
    assert sorted(publisher.posted) == sorted(name for name, _, _ in ZONES)
    assert {row.report_date for row in await Outbox(engine).list()} == {friday}


async def test_a_channel_that_came_back_after_following_nothing_is_a_new_subscriber(
    engine: AsyncEngine,
) -> None:
    """Two channels subscribed in April; one removed its last topic in April (its settings kept)
    and subscribed again on Friday, after the first poll archived Wednesday's and Thursday's
    reports together. It kept its April date and got Wednesday's digest, a day it followed
    nothing; now it gets Thursday's only, while the channel that stayed gets both."""
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    stayed, back = ChannelRef("console", "local", "CSTAYED"), ChannelRef("console", "local", "CBACK")
    now = [dt.datetime(2026, 4, 1, 12, tzinfo=UTC)]
    store = SubscriptionStore(engine, clock=lambda: now[0])
    taxonomy = builtin_taxonomy()
    for ref in (stayed, back):
        await subscribe(store, taxonomy, ref, "RL")
    now[0] = dt.datetime(2026, 4, 2, 12, tzinfo=UTC)
    await unsubscribe(store, taxonomy, back, "RL")
    polled = dt.datetime(2026, 5, 8, 0, 10, tzinfo=UTC)
    await archive_at(engine, wednesday, polled)
    await archive_at(engine, thursday, polled)
    now[0] = polled + dt.timedelta(minutes=5)
    await subscribe(store, taxonomy, back, "RL")
    posted = await days_posted(engine, polled, dt.timedelta(minutes=10))
    assert posted["CSTAYED"] == [wednesday, thursday]
    assert posted["CBACK"] == [thursday]


async def test_a_channel_imported_with_its_last_digest_still_catches_up(engine: AsyncEngine) -> None:
    """An installation moved to a new database: `subscriptions import` (Friday 00:05 UTC) carries
    one channel's last digest (Tuesday's) and none for a channel new to paperbot; the first poll
    archives Wednesday's and Thursday's together. The moved channel was owed Wednesday's where it
    came from and gets both, in order; the new one Thursday's only."""
    tuesday, wednesday, thursday = dt.date(2026, 5, 5), dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    moved, new = ChannelRef("console", "local", "CMOVED"), ChannelRef("console", "local", "CNEW")
    store = SubscriptionStore(engine, clock=lambda: dt.datetime(2026, 5, 8, 0, 5, tzinfo=UTC))
    await store.import_all(
        [Subscription(ref, RL, time=dt.time(9)) for ref in (moved, new)],
        {},
        {moved: LastDigest(tuesday, "posted")},
    )
    polled = dt.datetime(2026, 5, 8, 0, 10, tzinfo=UTC)
    await archive_at(engine, wednesday, polled)
    await archive_at(engine, thursday, polled)
    posted = await days_posted(engine, polled, dt.timedelta(minutes=1))
    assert posted["CMOVED"] == [wednesday, thursday]
    assert posted["CNEW"] == [thursday]


async def days_posted(
    engine: AsyncEngine, polled: dt.datetime, first: dt.timedelta
) -> dict[str, list[dt.date]]:
    """Delivery passes `first`, an hour and twelve hours after the poll; the days each channel's
    digests finished, in order."""
    publisher = InOrderPublisher()
    bot = deliverer(engine, publisher)
    for later in (first, dt.timedelta(hours=1), dt.timedelta(hours=12)):
        await bot.run_pass(polled + later)
    posted: dict[str, list[dt.date]] = {}
    for what, name, day in publisher.events:
        if what == "end":
            posted.setdefault(name, []).append(day)
    return posted


class FailingOncePublisher(InOrderPublisher):
    """Fails the first attempt at the digest of `day` (a 503 outlasting the client's retries)."""

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day
        self.failed = False

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        if digest.date == self.day and not self.failed:
            self.failed = True
            self.events.append(("failed", subscription.channel.channel, digest.date))
            return PublishResult("failed", (), start_at, "503", parts=1)
        return await super().publish(subscription, digest, key=key, start_at=start_at)


async def test_a_channels_newer_digest_waits_for_the_retry_of_the_older_in_the_same_pass(
    engine: AsyncEngine,
) -> None:
    """Wednesday's and Thursday's reports come together, and the post of Wednesday's digest fails
    once. The worker holding both used to post Thursday's right after the failure and Wednesday's
    at its retry: the newer first. It hands Thursday's back until Wednesday's is done."""
    await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), "CUTC", dt.time(9), "UTC")
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    publisher = FailingOncePublisher(wednesday)
    bot = deliverer(engine, publisher)
    back = dt.datetime(2026, 5, 7, 12, tzinfo=UTC)
    await archive_at(engine, wednesday, back)
    await archive_at(engine, thursday, back + dt.timedelta(seconds=2))
    await bot.run_pass(back + dt.timedelta(seconds=3))
    assert [(what, day) for what, _, day in publisher.events] == [("failed", wednesday)]
    rows = {row.report_date: row for row in await Outbox(engine).list()}
    assert (rows[thursday].status, rows[thursday].attempts) == ("pending", 0)
    await bot.run_pass(back + dt.timedelta(hours=1), plan=False)  # after Wednesday's retry time
    assert [(what, day) for what, _, day in publisher.events] == [
        ("failed", wednesday),
        ("start", wednesday),
        ("end", wednesday),
        ("start", thursday),
        ("end", thursday),
    ]


async def test_a_retry_that_comes_due_in_the_same_pass_is_posted_and_the_pass_ends(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass outlasting the older digest's retry time (an outage's posts each take the client's
    20 s timeout; its first retry is 10-20 s away) claimed that retry again, and the channel's turn,
    left unfinished by the failed try, handed it back as if it were a later digest: due at once,
    claimed again, handed back again, and the pass never ended (nor any other pass of the
    process, which waits for it). The retry is the digest the turn waits for: it is posted, then
    the newer one."""
    await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), "CUTC", dt.time(9), "UTC")
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    back = dt.datetime(2026, 5, 7, 12, tzinfo=UTC)
    await archive_at(engine, wednesday, back)
    await archive_at(engine, thursday, back + dt.timedelta(seconds=2))
    ticks = iter(range(10_000))
    # Every reading of the clock is a minute later: the retry is due by the pass's next claim.
    publisher = FailingOncePublisher(wednesday)
    start = back + dt.timedelta(seconds=3)
    bot_ = deliverer(engine, publisher, clock=lambda: start + dt.timedelta(minutes=next(ticks)))
    claims_at_most(monkeypatch, bot_, 10)
    await bot_.run_pass()
    assert [(what, day) for what, _, day in publisher.events] == [
        ("failed", wednesday),
        ("start", wednesday),
        ("end", wednesday),
        ("start", thursday),
        ("end", thursday),
    ]


def claims_at_most(monkeypatch: pytest.MonkeyPatch, bot_: Deliverer, most: int) -> None:
    """Fail the test when the deliverer's pass claims more than `most` times: a pass that claims
    without end would otherwise hang the test."""
    claims = 0
    claim = bot_.outbox.claim

    async def counted_claim(*args: Any, **kwargs: Any) -> list[Delivery]:
        nonlocal claims
        claims += 1
        assert claims <= most, "the pass claims without end"
        return await claim(*args, **kwargs)

    monkeypatch.setattr(bot_.outbox, "claim", counted_claim)


class TimingOutPublisher(InOrderPublisher):
    """Slack not answering: each post gives up after the client's timeout (the clock moves on by
    `timeout` meanwhile) and says it was an outage."""

    def __init__(self, start: dt.datetime, timeout: dt.timedelta) -> None:
        super().__init__()
        self.now = start
        self.timeout = timeout

    def clock(self) -> dt.datetime:
        return self.now

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        self.now += self.timeout
        self.events.append(("timeout", subscription.channel.channel, digest.date))
        return PublishResult("failed", (), start_at, "timeout", parts=1, outage=True)


async def test_a_try_that_timed_out_is_tried_again_after_its_wait_not_at_once(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post that times out (20 s) during an outage is tried again 10-20 s later at first. The
    wait was counted from the moment the digest was claimed, so it had passed when the try ended:
    the pass claimed the digest again at once, and again (five tries here, back to back; in a
    pass whose digests queue for a workspace's four slots, every try for the outage's first
    quarter of an hour). The wait is now counted from when the try ended."""
    await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), "CUTC", dt.time(9), "UTC")
    thursday = dt.date(2026, 5, 7)
    await archive_at(engine, thursday, dt.datetime(2026, 5, 7, 2, tzinfo=UTC))
    publisher = TimingOutPublisher(dt.datetime(2026, 5, 7, 9, tzinfo=UTC), dt.timedelta(seconds=30))
    bot_ = deliverer(engine, publisher, clock=publisher.clock)
    claims_at_most(monkeypatch, bot_, 10)
    assert await bot_.run_pass() == {"pending": 1}
    assert [what for what, _, _ in publisher.events] == ["timeout"]
    (row,) = await Outbox(engine).list()
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > publisher.now  # after the try, not before it ended


async def test_a_digest_whose_outcome_cannot_be_recorded_does_not_end_the_pass(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two channels get Wednesday's and Thursday's digests; the first post of Wednesday's fails,
    and handing that channel's Thursday's back meets a database that does not answer: the error
    ended the pass, cancelling every other digest in flight (the other channel's, mid-post).
    Thursday's claim is now left to run out (and be taken over); the others go on."""
    for name in ("CUTC", "CLATE"):
        await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), name, dt.time(9), "UTC")
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    back = dt.datetime(2026, 5, 7, 12, tzinfo=UTC)
    await archive_at(engine, wednesday, back)
    await archive_at(engine, thursday, back + dt.timedelta(seconds=2))
    publisher = FailingOncePublisher(wednesday)
    bot_ = deliverer(engine, publisher)

    async def unanswered(*_args: Any) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(bot_.outbox, "hand_back", unanswered)
    outcomes = await bot_.run_pass(back + dt.timedelta(seconds=3))
    assert outcomes == {"pending": 1, "posted": 2, "released": 1}
    ((_, failing, _),) = [event for event in publisher.events if event[0] == "failed"]
    other = ({"CUTC", "CLATE"} - {failing}).pop()
    assert [(what, day) for what, name, day in publisher.events if name == other] == [
        ("start", wednesday),
        ("end", wednesday),
        ("start", thursday),
        ("end", thursday),
    ]
    rows = {(row.channel.channel, row.report_date): row for row in await Outbox(engine).list()}
    assert (rows[failing, thursday].status, rows[failing, thursday].attempts) == ("claimed", 0)


class GatedPublisher(InOrderPublisher):
    """Holds the post of the digest of `day` until `gate` is set."""

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day
        self.gate = asyncio.Event()
        self.holding = False  # the post of `day` has begun and waits for the gate

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        if digest.date == self.day:
            self.holding = True
            await self.gate.wait()
        return await super().publish(subscription, digest, key=key, start_at=start_at)


class CountedLock(asyncio.Lock):
    """An asyncio.Lock that counts who asked for it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    async def acquire(self) -> Literal[True]:
        self.asked += 1
        return await super().acquire()


async def test_a_second_pass_of_one_deliverer_waits_for_the_first(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A poll that archives a report starts a pass of its own (`Scheduler.poll`) while the tick's
    may still run. Both claim as one worker, which the claim trusts to post a channel's digests
    in turn: the second pass took Thursday's digest while the first was posting Wednesday's."""
    monkeypatch.setattr(bot.delivery.deliverer, "BATCH", 1)  # one claim, one digest at a time
    await subscribe_at(engine, dt.datetime(2026, 5, 4, 12, tzinfo=UTC), "CUTC", dt.time(9), "UTC")
    wednesday, thursday = dt.date(2026, 5, 6), dt.date(2026, 5, 7)
    publisher = GatedPublisher(wednesday)
    bot_ = deliverer(engine, publisher)
    bot_.pass_lock = lock = CountedLock()
    back = dt.datetime(2026, 5, 7, 12, tzinfo=UTC)
    await archive_at(engine, wednesday, back)
    await archive_at(engine, thursday, back + dt.timedelta(seconds=2))
    now = back + dt.timedelta(seconds=3)
    await bot_.planner.plan(now)
    first = asyncio.create_task(bot_.deliver_due(now))
    await until(lambda: publisher.holding)  # the first pass is posting Wednesday's digest
    second = asyncio.create_task(bot_.deliver_due(now))
    await until(lambda: lock.asked == 2 or second.done())
    publisher.gate.set()
    await asyncio.gather(first, second)
    assert [(what, day) for what, _, day in publisher.events] == [
        ("start", wednesday),
        ("end", wednesday),
        ("start", thursday),
        ("end", thursday),
    ]


async def hourly_passes(bot: Deliverer, start: dt.datetime, end: dt.datetime) -> None:
    """A delivery pass every hour from `start` until `end`."""
    now = start
    while now < end:
        await bot.run_pass(now)
        now += dt.timedelta(hours=1)


async def run_days(
    engine: AsyncEngine, bot: Deliverer, first: dt.date, last: dt.date, *, arrive: dt.time = dt.time(2)
) -> None:
    """Each day's report at `arrive` UTC, and a delivery pass every hour from `first` to `last` (a
    delivery's due time is its own: the pass after it posts it)."""
    now = dt.datetime.combine(first, dt.time(0), tzinfo=UTC)
    while now.date() <= last:
        if now.time() == arrive:
            await archive_at(engine, now.date(), now)
        await bot.run_pass(now)
        now += dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("tz", "time", "first", "wall_times"),
    [
        # Spring forward: 02:30 does not exist that Sunday; it comes at 03:30 EDT, once.
        ("America/New_York", dt.time(2, 30), dt.date(2026, 3, 7), ["02:30 EST", "03:30 EDT", "02:30 EDT"]),
        # Fall back: 01:30 happens twice that Sunday; the digest comes at the first, once.
        ("America/New_York", dt.time(1, 30), dt.date(2026, 10, 31), ["01:30 EDT", "01:30 EDT", "01:30 EST"]),
        ("Europe/Berlin", dt.time(2, 30), dt.date(2026, 3, 28), ["02:30 CET", "03:30 CEST", "02:30 CEST"]),
        # East of the reports: each comes as it arrives (00:00 UTC), 30 minutes later by the clock
        # once Lord Howe's summer time starts (02:00 → 02:30 on 4 October 2026).
        (
            "Australia/Lord_Howe",
            dt.time(2, 15),
            dt.date(2026, 10, 3),
            ["10:30 +1030", "11:00 +11", "11:00 +11"],
        ),
        ("Asia/Kathmandu", dt.time(9), dt.date(2026, 12, 31), ["09:00 +0545", "09:00 +0545", "09:00 +0545"]),
        (
            "Pacific/Pago_Pago",
            dt.time(23, 30),
            dt.date(2026, 12, 30),
            ["23:30 SST", "23:30 SST", "23:30 SST"],
        ),
    ],
)
async def test_one_digest_a_day_on_the_days_clocks_change(
    engine: AsyncEngine, tz: str, time: dt.time, first: dt.date, wall_times: list[str]
) -> None:
    """Three days around a change, each report arriving at 00:00 UTC: exactly one digest each, at the
    channel's time where it exists (or as soon as the report is in, when that is later)."""
    await subscribe_at(
        engine, dt.datetime.combine(first, dt.time(0), tzinfo=UTC) - dt.timedelta(days=1), "C", time, tz
    )
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)
    await run_days(engine, bot, first, first + dt.timedelta(days=3), arrive=dt.time(0))
    rows = sorted(await Outbox(engine).list(), key=lambda row: row.report_date)[:3]
    assert [row.report_date for row in rows] == [first + dt.timedelta(days=n) for n in range(3)]
    assert {row.status for row in rows} == {"posted"}
    zone = ZoneInfo(tz)
    assert [f"{row.due_at.astimezone(zone):%H:%M %Z}" for row in rows] == wall_times


async def test_changes_during_the_day_never_bring_a_second_digest_and_an_earlier_time_brings_it_now(
    engine: AsyncEngine,
) -> None:
    """What channel admins do on one day (Thursday's report arrives at 02:00 UTC): move the time
    after the digest came (not again), move it to a time already past before it came (now, not
    tomorrow), move the zone so the local date changes, unsubscribe from everything and subscribe
    again. Each channel gets Thursday's digest once."""
    taxonomy = builtin_taxonomy()
    store = SubscriptionStore(engine)
    refs = {name: ChannelRef("console", "local", name) for name in ("LATER", "EARLIER", "ZONE", "AGAIN")}
    for name, time, tz in (
        ("LATER", dt.time(9), "UTC"),
        ("EARLIER", dt.time(10), "UTC"),
        ("ZONE", dt.time(9), "Asia/Tokyo"),  # 00:00 UTC: Thursday's comes as it arrives
        ("AGAIN", dt.time(9), "UTC"),
    ):
        await store.save(Subscription(refs[name], RL, time=time, tz=tz))
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)
    thursday = dt.date(2026, 5, 7)
    at = partial(dt.datetime.combine, thursday, tzinfo=UTC)
    await archive_at(engine, thursday, at(dt.time(2)))
    await bot.run_pass(at(dt.time(2, 1)))
    assert publisher.posted == ["ZONE"]
    await set_schedule(store, refs["ZONE"], "09:00 America/Los_Angeles")  # Wednesday evening there
    await bot.run_pass(at(dt.time(9, 1)))
    assert sorted(publisher.posted) == ["AGAIN", "LATER", "ZONE"]
    await set_schedule(store, refs["LATER"], "10:00")
    await set_schedule(store, refs["EARLIER"], "08:00")  # at 09:01, before its 10:00 digest
    await unsubscribe(store, taxonomy, refs["AGAIN"], "all")
    await subscribe(store, taxonomy, refs["AGAIN"], "RL")
    await bot.run_pass(at(dt.time(9, 2)))
    assert sorted(publisher.posted) == ["AGAIN", "EARLIER", "LATER", "ZONE"]
    for hour in (10, 17, 23):  # LATER's new time, ZONE's (09:00 in Los Angeles), the day's end
        await bot.run_pass(at(dt.time(hour, 1)))
    assert sorted(publisher.posted) == ["AGAIN", "EARLIER", "LATER", "ZONE"]
    assert {row.report_date for row in await Outbox(engine).list()} == {thursday}


async def test_a_channel_resumed_after_days_gets_todays_digest_not_the_backlog(engine: AsyncEngine) -> None:
    ref = ChannelRef("console", "local", "PAUSED")
    store = SubscriptionStore(engine)
    await store.save(Subscription(ref, RL, time=dt.time(9), tz="UTC", paused=True, paused_reason="archived"))
    publisher = ScriptedPublisher(parts=1)
    bot = deliverer(engine, publisher)
    await run_days(engine, bot, dt.date(2026, 5, 4), dt.date(2026, 5, 6))  # Monday to Wednesday
    thursday = dt.date(2026, 5, 7)
    await archive_at(engine, thursday, dt.datetime(2026, 5, 7, 2, tzinfo=UTC))
    await store.save(Subscription(ref, RL, time=dt.time(9), tz="UTC"))  # unarchived at 11:00
    for hour in (11, 12, 23):
        await bot.run_pass(dt.datetime(2026, 5, 7, hour, tzinfo=UTC))
    assert publisher.posted == ["PAUSED"]
    assert [row.report_date for row in await Outbox(engine).list()] == [thursday]
