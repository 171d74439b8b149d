"""`paperbot deliver` says what it did and why the rest was not done; `--wait` settles claims
that other deliverers hold. Clocks are injected; nothing waits on real seconds."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import LEASE
from bot.delivery.planner import PlanNotes
from bot.delivery.report import Unsettled, describe, settle, unsettled
from bot.models import ChannelRef, DigestSettings, Report, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest
from bot.runtime.cli import main
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import migrate
from bot.store.outbox import Delivery, Outbox, Planned
from bot.store.subscriptions import SubscriptionStore
from tests.bot.delivery.test_delivery_flow import DAY, NOW, RL, ScriptedPublisher, setup
from tests.bot.delivery.test_delivery_leases import FakeClock, deliverer
from tests.factories import paper

SECOND = dt.timedelta(seconds=1)


async def test_deliver_says_why_each_channel_got_nothing(engine: AsyncEngine) -> None:
    noon = dt.datetime(2026, 4, 6, 12, 0, tzinfo=dt.UTC)  # the report's day; it arrived at 06:00
    await Archive(engine, clock=lambda: noon - dt.timedelta(hours=6)).ingest(
        Report(DAY, (paper(arxiv_id="2604.00001", title="Scaling RL", domain="强化学习"),))
    )
    store = SubscriptionStore(engine)
    console = Subscription(ChannelRef("console", "local", "early"), RL, time=dt.time(9), tz="UTC")
    await store.save(console)
    await store.save(replace(console, channel=ChannelRef("console", "local", "held")))
    await store.save(replace(console, channel=ChannelRef("console", "local", "flaky")))
    await store.save(replace(console, channel=ChannelRef("console", "local", "late"), time=dt.time(23, 30)))
    await store.save(
        replace(
            console, channel=ChannelRef("console", "local", "quiet"), paused=True, paused_reason="archived"
        )
    )
    await store.save(Subscription(ChannelRef("slack", "T0FAKE", "C0SLACK"), RL))
    # At noon 09:00 is due, 23:30 is not.
    clock = FakeClock(noon)
    publisher = ScriptedPublisher()
    job = deliverer(engine, publisher, "me", clock)
    outbox = Outbox(engine)
    assert await job.planner.plan(noon) == 3
    await outbox.claim("other:42", noon, limit=1, lease=LEASE)  # a live deliverer holds one
    (flaky,) = await outbox.claim("me", noon, limit=1, lease=LEASE)
    await outbox.finish(flaky, "me", PublishResult("failed", (), 0, "timeout"), noon, posted=())
    notes = PlanNotes()
    outcomes = await job.run_pass(notes=notes)
    lines = describe(outcomes, notes, await unsettled(job, clock()), clock())
    text = "\n".join(lines)
    assert lines[0].startswith("delivery pass: ")
    assert outcomes == {"posted": 1}
    assert f"held by another deliverer (other:42) until {(noon + LEASE):%H:%M:%S} UTC" in text
    assert f"retry of console:local/{flaky.channel.channel} not due until" in text
    assert "attempt 1 of 6 failed: timeout" in text
    assert "console:local/quiet is paused: archived" in text
    assert "1 Slack subscription not delivered: no Slack credentials" in text
    assert "SLACK_BOT_TOKEN" in text
    assert "1 channel not due until their time, the next console:local/late at 23:30:00 UTC" in text


async def test_a_weekly_channel_says_when_it_is_due_next(engine: AsyncEngine) -> None:
    await setup(engine, 0, arrived=dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    weekly = DigestSettings(cadence="weekly", weekday=NOW.weekday())
    sub = Subscription(
        ChannelRef("console", "local", "weekly"), RL, time=dt.time(9), tz="UTC", settings=weekly
    )
    await SubscriptionStore(engine).save(sub)
    clock = FakeClock(NOW)
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    assert await job.run_pass() == {"posted": 1}
    notes = PlanNotes()
    outcomes = await job.run_pass(notes=notes)
    text = "\n".join(describe(outcomes, notes, await unsettled(job, clock()), clock()))
    assert "delivery pass: nothing due" in text
    assert f"console:local/weekly at {(NOW + dt.timedelta(days=7)):%Y-%m-%d} 09:00 UTC" in text


async def test_deliver_names_the_digests_missed_while_paperbot_was_down(engine: AsyncEngine) -> None:
    # The planner skipped them as missed, and the summary never said so: not even "N skipped".
    await setup(engine, 2, arrived=dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    clock = FakeClock(dt.datetime.combine(DAY, dt.time(22), tzinfo=dt.UTC))  # 13 h after 09:00
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    notes = PlanNotes()
    outcomes = await job.run_pass(notes=notes)
    text = "\n".join(describe(outcomes, notes, await unsettled(job, clock()), clock()))
    assert outcomes == {}
    assert (
        "  2 digests missed, skipped and not sent late: due 09:00:00 UTC, more than 12:00:00 before "
        "paperbot ran (it was down) (console:local/C000, console:local/C001)"
    ) in text.splitlines()
    again = PlanNotes()
    await job.run_pass(notes=again)
    assert not again.missed  # said once, by the pass that skipped them: they are not missed again


async def test_deliver_names_the_digests_no_deliverer_took_in_time(engine: AsyncEngine) -> None:
    # Planned in time, then left pending past the catch-up window: "2 skipped", naming nobody.
    await setup(engine, 2, arrived=dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    clock = FakeClock(dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC))
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    assert await job.planner.plan(clock()) == 2
    clock.advance(dt.timedelta(hours=10))  # 13 h after their 09:00
    notes = PlanNotes()
    outcomes = await job.run_pass(notes=notes)
    lines = describe(outcomes, notes, await unsettled(job, clock()), clock(), catch_up=job.catch_up)
    assert outcomes == {"skipped": 2}
    assert lines[1] == (
        "  2 digests missed, skipped and not sent late: due 09:00:00 UTC, planned but taken by no "
        "deliverer within 12:00:00 of it (every deliverer stopped, or its platform unreachable) "
        "(console:local/C000, console:local/C001)"
    )
    assert not notes.missed  # the planner's kind is said apart, and there is none


def test_many_missed_digests_are_one_line_oldest_first() -> None:
    noon = dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC)
    missed = [
        (ChannelRef("slack", "T1", f"C{i}"), noon - dt.timedelta(hours=30 - i)) for i in range(7, 0, -1)
    ]
    notes = PlanNotes(day=DAY, missed=missed)
    lines = describe({}, notes, Unsettled([], []), noon)
    assert lines[1] == (
        "  7 digests missed, skipped and not sent late: due 2026-04-06 07:00 UTC to 2026-04-06 13:00 UTC, "
        "more than 12:00:00 before paperbot ran (it was down) (slack:T1/C1, slack:T1/C2, slack:T1/C3, "
        "slack:T1/C4, slack:T1/C5 and 2 more)"
    )


class StillRefusing(ScriptedPublisher):
    """A platform whose paused channels are tried at each due digest (bot/ports.py
    RetriesPaused), refusing them still."""

    def retries_paused(self, subscription: Subscription) -> bool:
        return True

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        return PublishResult("paused", (), start_at, "restricted_action")


async def test_a_paused_channel_still_tried_is_said_to_be_paused(engine: AsyncEngine) -> None:
    # Its refused digest was "1 skipped", and nothing said the channel was paused, or why.
    await setup(engine, 0, arrived=dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    await SubscriptionStore(engine).save(
        Subscription(
            ChannelRef("console", "local", "readonly"),
            RL,
            time=dt.time(9),
            tz="UTC",
            paused=True,
            paused_reason="only admins may post",
        )
    )
    clock = FakeClock(dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC))  # its 09:00 is due
    job = deliverer(engine, StillRefusing(), "me", clock)
    notes = PlanNotes()
    outcomes = await job.run_pass(notes=notes)
    text = "\n".join(describe(outcomes, notes, await unsettled(job, clock()), clock()))
    assert outcomes == {"skipped": 1}
    assert "console:local/readonly is paused: only admins may post" in text


async def test_wait_takes_over_the_claims_of_a_deliverer_that_died(engine: AsyncEngine) -> None:
    await setup(engine, 2)
    clock = FakeClock(NOW)
    publisher = ScriptedPublisher()
    job = deliverer(engine, publisher, "me", clock)
    await job.planner.plan(NOW, force=True)
    await Outbox(engine).claim("dead:1", NOW, limit=10, lease=LEASE)  # then killed: never renewed
    assert await job.deliver_due() == {}
    waits: list[int] = []

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=seconds))

    outcomes = await settle(
        job, clock=clock, sleep=sleep, on_wait=lambda open_: waits.append(len(open_.held))
    )
    assert outcomes == {"posted": 2}
    assert waits == [2]
    assert clock() <= NOW + LEASE + 2 * SECOND + dt.timedelta(seconds=2)
    assert len(publisher.asked) == 2  # taken over: the platform was asked first


async def test_wait_names_the_digests_it_skips_as_missed(engine: AsyncEngine) -> None:
    # A deliverer died holding them at the end of their catch-up window; `--wait` takes them over
    # past it and skips them as missed: they are named as the pass's own are.
    await setup(engine, 2, arrived=dt.datetime.combine(DAY, dt.time(6), tzinfo=dt.UTC))
    clock = FakeClock(dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC))
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    assert await job.planner.plan(clock()) == 2
    clock.advance(dt.timedelta(hours=9))  # 21:00, 12 h after their 09:00
    await Outbox(engine).claim("dead:1", clock(), limit=10, lease=LEASE)  # then killed
    notes = PlanNotes()
    assert await job.run_pass(notes=notes) == {}

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=seconds))

    assert await settle(job, clock=clock, sleep=sleep, notes=notes) == {"skipped": 2}
    assert sorted(ref.channel for ref, _ in notes.missed_unsent) == ["C000", "C001"]


async def test_wait_returns_once_a_live_holder_records_its_outcome(engine: AsyncEngine) -> None:
    await setup(engine, 1)
    clock = FakeClock(NOW)
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    holder = deliverer(engine, ScriptedPublisher(), "alive:2", clock)
    await job.planner.plan(NOW, force=True)
    (held,) = await Outbox(engine).claim("alive:2", NOW, limit=1, lease=LEASE)

    async def sleep(seconds: float) -> None:  # meanwhile, the holder posts and records
        clock.advance(dt.timedelta(seconds=seconds))
        await holder.outbox.finish(
            held, "alive:2", PublishResult("posted", ("x",), 1, parts=1), clock(), posted=("x",)
        )

    assert await settle(job, clock=clock, sleep=sleep) == {}
    (row,) = await Outbox(engine).list()
    assert row.status == "posted"


async def two_days_for_one_channel(engine: AsyncEngine) -> tuple[ChannelRef, Delivery]:
    """DAY's report and the day before's, both due for one channel: the older claimed by a live
    deliverer ("alive:2"), the newer pending behind it; the older one's claim."""
    await setup(engine, 1)
    before = DAY - dt.timedelta(days=1)
    await Archive(engine).ingest(
        Report(before, (paper(arxiv_id="2604.00009", title="RL", domain="强化学习"),))
    )
    ref = ChannelRef("console", "local", "C000")
    outbox = Outbox(engine)
    await outbox.ensure([Planned(ref, before, NOW), Planned(ref, DAY, NOW)], NOW)
    (held,) = await outbox.claim("alive:2", NOW, limit=1, lease=LEASE)
    assert held.report_date == before
    return ref, held


async def test_deliver_says_which_digests_wait_for_their_channel_s_earlier_one(engine: AsyncEngine) -> None:
    await two_days_for_one_channel(engine)
    clock = FakeClock(NOW)
    job = deliverer(engine, ScriptedPublisher(), "me", clock)
    assert await job.deliver_due() == {}
    text = "\n".join(describe({}, PlanNotes(day=DAY), await unsettled(job, clock()), clock()))
    assert "1 digest held back until an earlier digest of its channel is done: console:local/C000" in text


async def test_wait_delivers_what_waited_behind_a_claim_that_settled(engine: AsyncEngine) -> None:
    """The holder recorded its outcome while this process's pass ran, not during its sleep: the
    newer digest behind it was left pending, although `--wait` had waited for exactly that."""
    _, held = await two_days_for_one_channel(engine)
    clock = FakeClock(NOW)
    publisher = ScriptedPublisher(parts=1)
    job = deliverer(engine, publisher, "me", clock)
    holder = Outbox(engine)
    deliver_due = job.deliver_due

    async def holder_records_meanwhile(
        now: dt.datetime | None = None, notes: PlanNotes | None = None
    ) -> dict[str, int]:
        outcomes = await deliver_due(now, notes)
        posted = PublishResult("posted", ("x",), 1, parts=1)
        await holder.finish(held, "alive:2", posted, clock(), posted=("x",))
        return outcomes

    job.deliver_due = holder_records_meanwhile  # type: ignore[method-assign]

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=seconds))

    assert await settle(job, clock=clock, sleep=sleep) == {"posted": 1}
    assert publisher.posted == ["C000"]
    assert {row.status for row in await Outbox(engine).list()} == {"posted"}


def cli_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fill: Callable[[AsyncEngine], Awaitable[None]]
) -> str:
    """A migrated SQLite file that `main([...])` uses (no platform, no report source), filled by
    `fill`; its URL."""
    import asyncio

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", url)
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)

    async def prepare() -> None:
        engine = create_engine(url)
        try:
            await migrate(engine)
            await fill(engine)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return url


def test_deliver_without_slack_credentials_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def subscribe(engine: AsyncEngine) -> None:
        await SubscriptionStore(engine).save(Subscription(ChannelRef("slack", "T0FAKE", "C0SLACK"), RL))
        await Archive(engine).ingest(
            Report(DAY, (paper(arxiv_id="2604.00001", title="RL", domain="强化学习"),))
        )

    cli_database(monkeypatch, tmp_path, subscribe)
    status = main(["deliver", "--now"])
    err = capsys.readouterr().err
    assert status == 0
    assert "1 Slack subscription not delivered: no Slack credentials in this process" in err


@pytest.fixture
def no_system_zones() -> Iterator[None]:
    """This process as with PYTHONTZPATH=/nonexistent: only the tzdata package's zones, which
    hold no `localtime`. The zone cache is cleared on the way in and out."""
    zoneinfo.reset_tzpath(to=())
    zoneinfo.ZoneInfo.clear_cache()
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


@pytest.mark.usefixtures("no_system_zones")
def test_deliver_posts_every_other_channel_when_one_zone_does_not_load(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """QA: a row with tz `localtime` (accepted before it was refused) on a host whose time-zone
    data lacks it made `paperbot deliver` fail the whole pass: rc 1, nothing posted."""

    async def subscribe(engine: AsyncEngine) -> None:
        store = SubscriptionStore(engine)
        for channel, tz in (("first", "Asia/Shanghai"), ("local", "localtime"), ("last", "UTC")):
            await store.save(Subscription(ChannelRef("console", "local", channel), RL, tz=tz))
        await Archive(engine).ingest(
            Report(DAY, (paper(arxiv_id="2604.00001", title="RL", domain="强化学习"),))
        )

    cli_database(monkeypatch, tmp_path, subscribe)
    status = main(["deliver", "--now"])
    out, err = capsys.readouterr()
    assert status == 1  # a channel failed, as when a digest fails
    assert out.count("Daily Papers · 2026-04-06") == 2  # the healthy channels, each once
    assert "delivery pass: 1 failed, 2 posted" in err
    assert (
        "console:local/local failed, nothing posted: time zone 'localtime' cannot be used here: "
        "no such zone in this host's time-zone data" in err
    )
    assert main(["deliveries", "--status", "failed"]) == 0
    assert "local" in capsys.readouterr().out


def test_sigterm_releases_a_digest_still_in_flight_after_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`deliver` on SIGTERM waits for its digests up to the grace period (0 s here), then releases
    the one still in flight: a deliverer started right after takes it over at once, where before
    the claim stayed held by the stopped process until its lease ran out."""
    import asyncio
    import signal

    import bot.delivery.deliverer
    from handlers.console.publisher import ConsolePublisher

    async def one_due(engine: AsyncEngine) -> None:
        await setup(engine, 1)

    cli_database(monkeypatch, tmp_path, one_due)
    posted = ConsolePublisher.publish

    async def hangs(self: ConsolePublisher, *args: object, **kwargs: object) -> PublishResult:
        signal.raise_signal(signal.SIGTERM)  # the stop arrives while this digest is being posted
        async with asyncio.timeout(30):  # a guard against a hang, never reached when all is well
            await asyncio.Event().wait()
        raise AssertionError("SIGTERM did not stop the pass")

    monkeypatch.setattr(bot.delivery.deliverer, "SHUTDOWN_GRACE", dt.timedelta(0))
    monkeypatch.setattr(ConsolePublisher, "publish", hangs)
    # Should paperbot not catch the signal, the test process must not die of it.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        status = main(["deliver", "--now"])
    finally:
        signal.signal(signal.SIGTERM, previous)
    err = capsys.readouterr().err
    assert status == 128 + signal.SIGTERM
    assert "delivery pass: 1 released" in err
    assert err.splitlines()[-1] == (
        "paperbot: stopped by SIGTERM during deliver; 1 digest still in flight after 0 s released, "
        "for another deliverer to take over now; anything not started is left for the next pass; "
        "no digest is lost or sent twice, so running it again is safe"
    )
    monkeypatch.setattr(ConsolePublisher, "publish", posted)
    assert main(["deliver", "--now"]) == 0
    err = capsys.readouterr().err
    assert "delivery pass: 1 posted" in err
    assert "held by another deliverer" not in err
