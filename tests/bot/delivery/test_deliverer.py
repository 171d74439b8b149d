"""Scheduled delivery against the loopback Slack double: due times, catch-up, exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import LEASE, Deliverer, utc_now
from bot.delivery.planner import due_at
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.store.archive import Archive
from bot.store.outbox import MAX_ATTEMPTS, OUTAGE_RETRY_CAP, Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.delivery import SlackDigestPublisher
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import make_client
from tests.factories import paper
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack

DAY = dt.date(2026, 3, 8)  # a DST change day in the US
ARRIVED = dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC)  # when DAY's report reached the archive
RL = Interests(("reinforcement-learning",))
SUBSCRIBED = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def report(n: int = 3) -> Report:
    return Report(
        DAY,
        tuple(
            paper(arxiv_id=f"2603.0000{i}", title=f"Scaling RL, part {i}", domain="强化学习")
            for i in range(1, n + 1)
        ),
    )


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def no_wait(_seconds: float) -> None:
    return None


def deliverer(
    engine: AsyncEngine, slack: FakeSlack, worker: str = "w1", clock: Callable[[], dt.datetime] = utc_now
) -> Deliverer:
    store = SubscriptionStore(engine)
    clients = WorkspaceClients(
        slack.base_url, client=make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    )
    return Deliverer(
        archive=Archive(engine),
        store=store,
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"slack": SlackDigestPublisher(clients, store)},
        worker=worker,
        clock=clock,
    )


async def subscribe(
    engine: AsyncEngine, channel: str, time: dt.time = dt.time(9, 0), tz: str = "UTC"
) -> Subscription:
    """A channel subscribed before any of these tests' days (so owed every digest of them)."""
    sub = Subscription(ChannelRef("slack", "T0FAKE", channel), RL, time=time, tz=tz)
    await SubscriptionStore(engine, clock=lambda: SUBSCRIBED).save(sub)
    return sub


def posts(slack: FakeSlack, channel: str) -> int:
    """Messages Slack accepted into the channel (failed attempts are not messages)."""
    return len(slack.messages_in(channel))


def test_due_times_follow_each_zone_across_dst() -> None:
    sub = Subscription(ChannelRef("slack", "T", "C"), RL, time=dt.time(2, 30), tz="America/New_York")
    # 02:30 does not exist on 2026-03-08 in New York: one due time, never two, never none.
    assert due_at(DAY, sub) == dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)
    autumn = dt.date(2026, 11, 1)  # 01:30 happens twice in New York: the first one
    assert due_at(autumn, replace(sub, time=dt.time(1, 30))) == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    shanghai = replace(sub, time=dt.time(9, 0), tz="Asia/Shanghai")
    assert due_at(DAY, shanghai) == dt.datetime(2026, 3, 8, 1, 0, tzinfo=dt.UTC)


async def test_each_channel_gets_the_digest_at_its_time_and_only_once(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())  # the clock pinned, not the hour's
    await subscribe(engine, "C0EARLY", dt.time(6, 0))
    await subscribe(engine, "C0LATE", dt.time(18, 0))
    job = deliverer(engine, slack)
    assert await job.run_pass(dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)) == {"posted": 1}
    assert (posts(slack, "C0EARLY"), posts(slack, "C0LATE")) == (1, 0)
    assert await job.run_pass(dt.datetime(2026, 3, 8, 19, 0, tzinfo=dt.UTC)) == {"posted": 1}
    for channel in ("C0EARLY", "C0LATE"):
        assert posts(slack, channel) == 1
    again = await deliverer(engine, slack, "w2").run_pass(dt.datetime(2026, 3, 8, 20, 0, tzinfo=dt.UTC))
    assert again == {}
    assert posts(slack, "C0EARLY") == 1
    posted = await Outbox(engine).list(status="posted")
    assert {d.channel.channel for d in posted} == {"C0EARLY", "C0LATE"}
    assert all(d.attempts == 1 for d in posted)


async def test_a_channel_that_follows_nothing_keeps_its_row_and_gets_no_digest(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Unsubscribed from its last topic, a channel keeps its settings (bot/chat/use_cases.py)."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0FOLLOWS")
    kept = await subscribe(engine, "C0NOTHING")
    await SubscriptionStore(engine).save(replace(kept, interests=Interests(excluded_keywords=("medical",))))
    assert await deliverer(engine, slack).run_pass(dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.UTC)) == {
        "posted": 1
    }
    assert (posts(slack, "C0FOLLOWS"), posts(slack, "C0NOTHING")) == (1, 0)


async def test_not_due_yet_then_due_then_missed_beyond_the_catch_up_window(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    archive = Archive(engine, clock=lambda: ARRIVED)
    await archive.ingest(report())
    arrived = await archive.report_ingested_at(DAY)
    assert arrived == ARRIVED
    sub = await subscribe(engine, "C0X", time=(arrived + dt.timedelta(hours=2)).time())
    job = deliverer(engine, slack)
    due = max(due_at(DAY, sub), arrived)
    assert await job.planner.plan(due - dt.timedelta(minutes=1)) == 0  # not yet
    late = deliverer(engine, slack, "w-late")
    assert await late.planner.plan(due + job.catch_up + dt.timedelta(minutes=1)) == 1
    (row,) = await Outbox(engine).list()
    assert row.status == "skipped"
    assert row.last_error is not None
    assert row.last_error.startswith("missed")
    assert await late.deliver_due() == {}
    assert posts(slack, "C0X") == 0


def _identity(moment: dt.datetime) -> dt.datetime:
    return moment


def report_of(day: dt.date) -> Report:
    return Report(
        day, tuple(paper(arxiv_id=f"2611.{day.day:03d}{i:02d}", title=f"Scaling RL {i}") for i in (1, 2))
    )


async def test_a_late_evening_channel_west_of_utc_gets_each_days_digest_though_the_next_report_came_first(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """23:30 in Los Angeles is 07:30 UTC the next day, after the next day's report arrived (02:00
    UTC). Only the newest report was planned, so Thursday's digest was never sent and such a
    channel got only the digests of reports before a weekend."""
    thursday, friday, monday = dt.date(2026, 11, 19), dt.date(2026, 11, 20), dt.date(2026, 11, 23)
    sub = await subscribe(engine, "C0LA", dt.time(23, 30), "America/Los_Angeles")
    job = deliverer(engine, slack)
    for day, passes in (
        (thursday, ()),
        # Thursday 23:30 in Los Angeles: Thursday's digest, once; Friday's at Friday 23:30.
        (friday, ((20, 7, 31), (20, 20, 0), (21, 7, 31), (21, 7, 32))),
        (monday, ((24, 7, 31), (24, 7, 32))),
    ):
        arrival = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
        await Archive(engine, clock=partial(_identity, arrival)).ingest(report_of(day))
        for date, hour, minute in passes:
            await job.run_pass(dt.datetime(2026, 11, date, hour, minute, tzinfo=dt.UTC))
    rows = await Outbox(engine).list()
    assert sorted((row.report_date, row.status, row.due_at) for row in rows) == [
        (thursday, "posted", due_at(thursday, sub)),
        (friday, "posted", due_at(friday, sub)),
        (monday, "posted", due_at(monday, sub)),
    ]


async def test_a_late_evening_channel_gets_a_day_whose_list_grew_after_the_next_day_arrived(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Thursday's list grows on Friday morning UTC, after Friday's first papers were archived
    (the poller asks for yesterday's list again). Its growth is not a new arrival: Los Angeles
    at Thursday 23:30 still gets Thursday's digest, with every paper it lists by then."""
    thursday, friday = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
    sub = await subscribe(engine, "C0LA", dt.time(23, 30), "America/Los_Angeles")
    for day, hour, papers in ((thursday, (19, 2), 2), (friday, (20, 2), 2), (thursday, (20, 3), 3)):
        arrival = dt.datetime(2026, 11, hour[0], hour[1], 0, tzinfo=dt.UTC)
        grown = Report(
            day,
            tuple(
                paper(arxiv_id=f"2611.{day.day:03d}{i:02d}", title=f"Scaling RL {i}")
                for i in range(1, papers + 1)
            ),
        )
        await Archive(engine, clock=partial(_identity, arrival)).ingest(grown)
    job = deliverer(engine, slack)
    await job.run_pass(dt.datetime(2026, 11, 20, 7, 31, tzinfo=dt.UTC))
    rows = await Outbox(engine).list()
    assert [(row.report_date, row.status, row.due_at) for row in rows] == [
        (thursday, "posted", due_at(thursday, sub))
    ]
    assert rows[0].papers == 3


async def test_a_digest_superseded_long_ago_is_not_recorded_as_missed(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """A channel subscribing before its time, after the newest report arrived, waits for that
    report's digest: yesterday's, long past its time, is neither sent nor recorded as missed."""
    for day in (dt.date(2026, 11, 19), dt.date(2026, 11, 20)):
        arrival = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
        await Archive(engine, clock=partial(_identity, arrival)).ingest(report_of(day))
    await subscribe(engine, "C0SH", dt.time(8, 30), "Asia/Shanghai")  # 00:30 UTC
    job = deliverer(engine, slack)
    assert await job.planner.plan(dt.datetime(2026, 11, 20, 0, 15, tzinfo=dt.UTC)) == 0
    assert await job.planner.plan(dt.datetime(2026, 11, 20, 0, 31, tzinfo=dt.UTC)) == 1
    assert [row.report_date for row in await Outbox(engine).list()] == [dt.date(2026, 11, 20)]


async def test_a_day_filled_in_after_the_next_one_is_not_delivered(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Thursday's report ingested by hand after Friday's: it never was the newest, so the late
    evening channel gets Friday's digest only, as a channel anywhere else would."""
    for day, hour in ((dt.date(2026, 11, 20), 2), (dt.date(2026, 11, 19), 3)):
        arrival = dt.datetime(2026, 11, 20, hour, 0, tzinfo=dt.UTC)
        await Archive(engine, clock=partial(_identity, arrival)).ingest(report_of(day))
    await subscribe(engine, "C0LA", dt.time(23, 30), "America/Los_Angeles")
    job = deliverer(engine, slack)
    assert await job.planner.plan(dt.datetime(2026, 11, 20, 7, 31, tzinfo=dt.UTC)) == 0
    assert await job.planner.plan(dt.datetime(2026, 11, 21, 7, 31, tzinfo=dt.UTC)) == 1
    assert [row.report_date for row in await Outbox(engine).list()] == [dt.date(2026, 11, 20)]


async def test_a_crash_after_posting_does_not_post_again(engine: AsyncEngine, slack: FakeSlack) -> None:
    await Archive(engine).ingest(report(14))  # 14 papers: several messages
    await subscribe(engine, "C0CRASH")
    first = deliverer(engine, slack, "dies")
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    await first.planner.plan(now, force=True)
    (claimed,) = await first.outbox.claim("dies", now, limit=10, lease=LEASE)
    sub = await SubscriptionStore(engine).get(ChannelRef("slack", "T0FAKE", "C0CRASH"))
    assert sub is not None
    digest = await first.digests.digest(DAY, sub, now, "day")
    assert digest is not None
    publisher = first.publishers["slack"]
    result = await publisher.publish(sub, digest, key=claimed.key, start_at=0)
    assert result.status == "posted"
    parts = posts(slack, "C0CRASH")
    assert parts >= 1
    # …and the process dies here, before recording anything. After the lease, another worker:
    survivor = deliverer(engine, slack, "survivor")
    outcomes = await survivor.deliver_due(now + LEASE + dt.timedelta(seconds=1))
    assert outcomes == {"posted": 1}
    assert posts(slack, "C0CRASH") == parts  # nothing posted twice
    assert slack.calls_to("conversations.history")  # it asked Slack before posting


async def test_concurrent_deliverers_post_each_digest_once(engine: AsyncEngine, slack: FakeSlack) -> None:
    await Archive(engine).ingest(report())
    channels = [f"C0PAR{i:02d}" for i in range(12)]
    for channel in channels:
        await subscribe(engine, channel)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    workers = [deliverer(engine, slack, f"w{i}") for i in range(3)]
    await asyncio.gather(*(w.run_pass(now, force=True) for w in workers))
    for channel in channels:
        assert posts(slack, channel) == 1, channel
    counts = await Outbox(engine).counts()
    assert counts == {"posted": len(channels)}


async def test_rate_limits_and_server_errors_are_retried_until_delivered(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine).ingest(report())
    for channel in ("C0A", "C0B", "C0C"):
        await subscribe(engine, channel)
    slack.rate_limit("chat.postMessage", retry_after=1, times=2)
    slack.server_error("chat.postMessage", times=1)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    job = deliverer(engine, slack)
    await job.run_pass(now, force=True)
    # Whatever outlasted the client's own retries is retried by the outbox, later.
    for hours in range(1, 4):
        await job.deliver_due(now + dt.timedelta(hours=hours))
    for channel in ("C0A", "C0B", "C0C"):
        assert posts(slack, channel) == 1
    assert (await Outbox(engine).counts()) == {"posted": 3}
    assert len(slack.calls_to("chat.postMessage")) >= 3 + 3  # three failures were answered


async def test_a_failed_delivery_is_retried_later_with_backoff_then_visible_as_failed(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """A failure of the channel's own, neither permanent nor an outage of Slack (a scope the app
    lacks, until someone fixes it): six attempts, then failed for good."""
    await Archive(engine).ingest(report())
    await subscribe(engine, "C0DOWN")
    slack.slack_error("chat.postMessage", "missing_scope", times=None, channel="C0DOWN")
    job = deliverer(engine, slack)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert await job.run_pass(now, force=True) == {"pending": 1}
    (row,) = await Outbox(engine).list()
    assert row.status == "pending"
    assert row.attempts == 1
    for hours in range(1, 12):
        await job.deliver_due(now + dt.timedelta(hours=hours))
    (row,) = await Outbox(engine).list()
    assert row.status == "failed"
    assert row.last_error is not None
    assert posts(slack, "C0DOWN") == 0


async def test_claims_a_crash_abandoned_do_not_use_up_the_retry_budget(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    from bot.store.outbox import MAX_ATTEMPTS

    await Archive(engine).ingest(report())
    await subscribe(engine, "C0ABANDON")
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    job = deliverer(engine, slack, "crashy")
    await job.planner.plan(now, force=True)
    for round_ in range(MAX_ATTEMPTS + 2):  # claimed, then the worker dies, again and again
        moment = now + (LEASE + dt.timedelta(seconds=1)) * round_
        assert len(await job.outbox.claim("crashy", moment, limit=5, lease=LEASE)) == 1
    slack.slack_error("chat.postMessage", "missing_scope", channel="C0ABANDON")  # one failed attempt
    later = now + (LEASE + dt.timedelta(seconds=1)) * (MAX_ATTEMPTS + 3)  # the last lease ran out
    assert await deliverer(engine, slack, "calm").deliver_due(later) == {"pending": 1}
    (row,) = await Outbox(engine).list()
    assert row.status == "pending"  # retried later, not failed for good
    assert row.attempts == 1


async def test_a_post_that_hangs_ends_the_pass_and_is_retried_after_asking_slack(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """The shared session's timeout reaches deliveries (aiohttp's own default is 300 s): a hung
    chat.postMessage fails the attempt, the pass ends, and the retry asks Slack first, since
    the hung post may have landed after all."""
    import aiohttp

    from handlers.slack.publisher import make_session

    await Archive(engine).ingest(report())
    await subscribe(engine, "C0HANG")
    slack.delay("chat.postMessage", 1.0)  # stored, then answered: after the client gave up
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    async with make_session(aiohttp.ClientTimeout(total=0.2)) as session:
        store = SubscriptionStore(engine)
        client = make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait, session=session)
        job = Deliverer(
            archive=Archive(engine),
            store=store,
            outbox=Outbox(engine),
            taxonomy=builtin_taxonomy(),
            publishers={
                "slack": SlackDigestPublisher(WorkspaceClients(slack.base_url, client=client), store)
            },
        )
        async with asyncio.timeout(10):  # a guard against the old unbounded wait, not a timing
            assert await job.run_pass(now, force=True) == {"pending": 1}
        (row,) = await Outbox(engine).list()
        assert (row.status, row.attempts) == ("pending", 0)  # Slack's silence: no attempt used
        assert row.last_error is not None
        assert row.last_error.startswith("timeout (platform unavailable")
        async with asyncio.timeout(10):
            while not slack.messages_in("C0HANG"):  # the hung post lands late  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        slack.delay("chat.postMessage", 0)
        assert await job.deliver_due(now + dt.timedelta(hours=1)) == {"posted": 1}
    assert posts(slack, "C0HANG") == 1  # asked, found, not posted again
    assert slack.calls_to("conversations.history")


# -- Slack down mid-pass: waited out, no attempt used, each part once --------------------------

MORNING = dt.datetime(2026, 3, 8, 9, 0, tzinfo=dt.UTC)  # 09:00 UTC: the channels' time, after ARRIVED


def pinned(moment: dt.datetime = MORNING) -> Callable[[], dt.datetime]:
    """A deliverer clock that stands still: each pass is given its own time."""
    return partial(_identity, moment)


def from_part(first: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: bool(params["metadata"]["event_payload"]["part"] >= first)


def parts_in(slack: FakeSlack, channel: str) -> list[int]:
    return [m["metadata"]["event_payload"]["part"] for m in slack.messages_in(channel)]


async def test_a_slack_outage_mid_digest_uses_no_attempt_and_posts_each_part_once(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Slack answers 503 from the second part of a digest on, then is down altogether (history
    reads too) for three hours: far more tries than a digest has attempts, none of them used up;
    once Slack is back the rest of the digest goes out, and no part twice."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report(14))  # 14 papers: several messages
    await subscribe(engine, "C0OUTAGE")
    job = deliverer(engine, slack, clock=pinned())
    slack.server_error("chat.postMessage", times=None, when=from_part(1))
    assert await job.run_pass(MORNING) == {"pending": 1}
    assert parts_in(slack, "C0OUTAGE") == [0]
    slack.clear_failures()
    slack.down = 503
    for minutes in range(10, 3 * 60, 10):
        assert await job.deliver_due(MORNING + dt.timedelta(minutes=minutes)) == {"pending": 1}
    assert len(slack.calls_to("conversations.history")) > MAX_ATTEMPTS  # asked every try
    (row,) = await Outbox(engine).list()
    assert (row.status, row.attempts, row.next_part, len(row.posted)) == ("pending", 0, 1, 1)
    assert row.parts is not None
    assert row.parts >= 2  # part way through: the first part up, the rest not
    slack.down = None
    assert await job.deliver_due(MORNING + dt.timedelta(hours=3)) == {"posted": 1}
    assert parts_in(slack, "C0OUTAGE") == list(range(row.parts))
    (row,) = await Outbox(engine).list()
    assert (row.status, row.attempts, len(row.posted)) == ("posted", 1, row.parts)


async def test_a_slack_outage_ends_a_digest_as_failed_only_once_it_is_not_worth_sending(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0LONG")
    job = deliverer(engine, slack, clock=pinned())
    slack.down = 503
    assert await job.run_pass(MORNING) == {"pending": 1}
    for hours in range(1, 12):
        assert await job.deliver_due(MORNING + dt.timedelta(hours=hours)) == {"pending": 1}
    assert await job.deliver_due(MORNING + job.catch_up + dt.timedelta(minutes=1)) == {"failed": 1}
    (row,) = await Outbox(engine).list()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None
    assert "platform unavailable until 2026-03-08 21:00 UTC" in row.last_error
    assert await job.deliver_due(MORNING + dt.timedelta(days=1)) == {}
    assert posts(slack, "C0LONG") == 0


async def test_a_retry_left_pending_past_the_catch_up_window_fails_and_is_not_posted_late(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Slack down at 09:00: the digest waits for its next try; paperbot is stopped before it and
    started the next morning, Slack long back. The retry went out then, a day late, beside the
    next day's, though a digest is not sent more than PAPERBOT_CATCH_UP_HOURS after its time. It
    fails as the outage would have failed it, without a try."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0STOPPED")
    slack.down = 503
    assert await deliverer(engine, slack, clock=pinned()).run_pass(MORNING) == {"pending": 1}
    slack.down = None
    job = deliverer(engine, slack, clock=pinned())
    assert await job.deliver_due(MORNING + dt.timedelta(days=1)) == {"failed": 1}
    assert posts(slack, "C0STOPPED") == 0
    (row,) = await Outbox(engine).list()
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        1,
        "http_503 (platform unavailable until 2026-03-08 21:00 UTC; a digest is not sent later than that)",
    )


async def test_the_try_an_outage_scheduled_just_past_the_window_is_still_made(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """The last try inside the window fails, and the next comes minutes after it (outages are
    tried at most 5 minutes apart): Slack is back by then, and the digest goes out."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0EDGE")
    job = deliverer(engine, slack, clock=pinned())
    slack.down = 503
    assert await job.run_pass(MORNING) == {"pending": 1}
    last_inside = MORNING + job.catch_up - dt.timedelta(seconds=1)
    assert await job.deliver_due(last_inside) == {"pending": 1}
    (row,) = await Outbox(engine).list()
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > MORNING + job.catch_up
    slack.down = None
    # Taken a little before OUTAGE_RETRY_CAP after it was due (a pass that came late): past the
    # window by more than the cap, which gave the digest up untried when the try fell late in it.
    late = row.next_attempt_at + OUTAGE_RETRY_CAP - dt.timedelta(seconds=1)
    assert await job.deliver_due(late) == {"posted": 1}
    assert posts(slack, "C0EDGE") == 1


async def test_a_digest_never_tried_in_its_catch_up_window_is_skipped_as_missed(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Planned at its time and left pending (its platform unreachable, every deliverer stopped):
    a day later it is skipped, as the planner skips one missed during downtime, not posted."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0UNCLAIMED")
    job = deliverer(engine, slack, clock=pinned())
    await job.planner.plan(MORNING)
    assert await job.deliver_due(MORNING + dt.timedelta(days=1)) == {"skipped": 1}
    assert posts(slack, "C0UNCLAIMED") == 0
    (row,) = await Outbox(engine).list()
    assert (row.status, row.last_error) == (
        "skipped",
        "missed: due 2026-03-08 09:00 UTC, not sent within 12:00:00 of it",
    )


async def test_a_digest_begun_before_its_catch_up_window_closed_is_finished_after(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    """Its first part is up: the rest still goes out, late, rather than half a digest."""
    await Archive(engine, clock=lambda: ARRIVED).ingest(report(14))  # several messages
    await subscribe(engine, "C0BEGUN")
    slack.server_error("chat.postMessage", times=None, when=from_part(1))
    assert await deliverer(engine, slack, clock=pinned()).run_pass(MORNING) == {"pending": 1}
    slack.clear_failures()
    job = deliverer(engine, slack, clock=pinned())
    assert await job.deliver_due(MORNING + dt.timedelta(days=1)) == {"posted": 1}
    (row,) = await Outbox(engine).list()
    assert parts_in(slack, "C0BEGUN") == list(range(row.parts or 0))


async def test_a_long_retry_after_is_waited_out_by_the_outbox_without_using_an_attempt(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0LIMITED")
    job = deliverer(engine, slack, clock=pinned())
    slack.rate_limit("chat.postMessage", retry_after=600)  # beyond what the client sits out
    assert await job.run_pass(MORNING) == {"pending": 1}
    assert await job.deliver_due(MORNING + dt.timedelta(minutes=9)) == {}  # Slack said 10 minutes
    assert await job.deliver_due(MORNING + dt.timedelta(minutes=10)) == {"posted": 1}
    (row,) = await Outbox(engine).list()
    assert (row.status, row.attempts) == ("posted", 1)
    assert posts(slack, "C0LIMITED") == 1


async def test_a_channel_slack_no_longer_lets_paperbot_post_in_is_still_paused_at_once(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    await Archive(engine, clock=lambda: ARRIVED).ingest(report())
    await subscribe(engine, "C0GONE")
    slack.slack_error("chat.postMessage", "not_in_channel", times=None, channel="C0GONE")
    job = deliverer(engine, slack, clock=pinned())
    assert await job.run_pass(MORNING) == {"skipped": 1}
    sub = await SubscriptionStore(engine).get(ChannelRef("slack", "T0FAKE", "C0GONE"))
    assert sub is not None
    assert sub.paused
