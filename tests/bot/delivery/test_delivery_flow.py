"""How a delivery pass flows: a pipeline of claims, graceful shutdown, what the outbox records.

A scripted in-memory publisher stands in for a platform, so each test controls exactly when a
digest is "posted" (the Slack and Discord publishers have tests of their own)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.delivery.deliverer
from bot.delivery.deliverer import Deliverer
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ports import DigestPublisher, PublishResult
from bot.ranking.digest import Digest
from bot.runtime.config import load_settings
from bot.runtime.logs import configure_logging
from bot.runtime.metrics import DELIVERY_OUTCOMES, REGISTRY
from bot.store.archive import Archive
from bot.store.outbox import MAX_ATTEMPTS, Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import deliveries
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

DAY = dt.date(2026, 4, 6)
RL = Interests(("reinforcement-learning",))
NOW = dt.datetime(2026, 4, 7, 12, 0, tzinfo=dt.UTC)


class ScriptedPublisher:
    """Posts at once, except to channels in `held`, which wait until their event is set."""

    def __init__(self, parts: int = 2) -> None:
        self.parts = parts
        self.held: dict[str, asyncio.Event] = {}
        self.posted: list[str] = []  # channel per completed digest, in order
        self.asked: list[str] = []  # keys asked about with posted_parts (after a takeover)
        self.waiting: list[str] = []  # channels whose post has started and is held
        self.digests: dict[str, Digest] = {}
        self._changed = asyncio.Event()

    async def wait_for_posts(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.posted) < count:
                self._changed.clear()
                await self._changed.wait()

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        channel = subscription.channel.channel
        if channel in self.held:
            self.waiting.append(channel)
            await self.held[channel].wait()
        self.posted.append(channel)
        self.digests[channel] = digest
        self._changed.set()
        ids = tuple(f"{key}:{n}" for n in range(start_at, self.parts))
        return PublishResult("posted", ids, self.parts, parts=self.parts)

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        self.asked.append(key)
        return set()


class ChattyPublisher(ScriptedPublisher):
    """Logs through a library's logger while posting, as slack_sdk and discord.py do."""

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        logging.getLogger("slack_sdk.web").warning("posting to %s", subscription.channel.channel)
        return await super().publish(subscription, digest, key=key, start_at=start_at)


async def setup(engine: AsyncEngine, channels: int, *, arrived: dt.datetime | None = None) -> list[str]:
    """DAY's report (archived at `arrived`, default now) and `channels` console channels."""
    archive = Archive(engine) if arrived is None else Archive(engine, clock=lambda: arrived)
    await archive.ingest(
        Report(
            DAY,
            tuple(
                paper(arxiv_id=f"2604.0000{i}", title=f"Scaling RL {i}", domain="强化学习") for i in (1, 2)
            ),
        )
    )
    store = SubscriptionStore(engine)
    names = [f"C{i:03d}" for i in range(channels)]
    for name in names:
        await store.save(Subscription(ChannelRef("console", "local", name), RL, time=dt.time(9), tz="UTC"))
    return names


def deliverer(
    engine: AsyncEngine, publisher: DigestPublisher, worker: str = "w1", **options: Any
) -> Deliverer:
    """A deliverer posting to the console through `publisher`; `options` go to Deliverer (a clock)."""
    return Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"console": publisher},
        worker=worker,
        **options,
    )


async def test_the_outbox_records_papers_and_parts(engine: AsyncEngine) -> None:
    await setup(engine, 1)
    assert await deliverer(engine, ScriptedPublisher(parts=3)).run_pass(NOW, force=True) == {"posted": 1}
    [row] = await Outbox(engine).list()
    assert (row.status, row.papers, row.parts, len(row.posted)) == ("posted", 2, 3, 3)
    assert row.to_json()["papers"] == 2


async def test_one_slow_channel_does_not_hold_back_the_next_claims(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.delivery.deliverer, "BATCH", 4)  # claims of 4: the slow one is in the first
    names = await setup(engine, 12)
    publisher = ScriptedPublisher()
    publisher.held[names[0]] = asyncio.Event()
    job = deliverer(engine, publisher)
    passing = asyncio.create_task(job.run_pass(NOW, force=True))
    # Everyone else is posted while the first channel still hangs: claims are topped up as
    # deliveries finish, not batch after batch.
    await publisher.wait_for_posts(11)
    assert names[0] not in publisher.posted
    assert not passing.done()
    publisher.held[names[0]].set()
    assert await passing == {"posted": 12}


async def test_shutdown_lets_quick_deliveries_finish_and_releases_the_stuck_ones(
    engine: AsyncEngine,
) -> None:
    names = await setup(engine, 3)
    publisher = ScriptedPublisher()
    publisher.held[names[1]] = asyncio.Event()  # never set: a post that hangs
    job = deliverer(engine, publisher, clock=lambda: NOW)
    passing = asyncio.create_task(job.run_pass(force=True))
    await publisher.wait_for_posts(2)
    await job.shutdown(grace=0.2)
    assert await passing == {"posted": 2, "released": 1}
    rows = {row.channel.channel: row for row in await Outbox(engine).list()}
    assert rows[names[1]].status == "claimed"  # released: its lease ended, not its claim
    # Another replica takes it over at once (not after the 5-minute lease) and, as the
    # released one may have posted, first asks the platform which parts are up.
    other = ScriptedPublisher()
    assert await deliverer(engine, other, "w2").deliver_due(NOW) == {"posted": 1}
    assert other.posted == [names[1]]
    assert other.asked == [rows[names[1]].key]


async def test_after_shutdown_nothing_new_is_claimed(engine: AsyncEngine) -> None:
    await setup(engine, 2)
    job = deliverer(engine, ScriptedPublisher())
    await job.shutdown(grace=1)
    assert await job.run_pass(NOW, force=True) == {}
    assert await Outbox(engine).counts() == {"pending": 2}  # planned, left for a live replica


async def test_every_line_logged_for_a_delivery_names_it(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = await setup(engine, 3)
    monkeypatch.setenv("PAPERBOT_LOG_FORMAT", "json")
    with configure_logging(load_settings(), default_level=logging.INFO):
        assert await deliverer(engine, ChattyPublisher()).run_pass(NOW, force=True) == {"posted": 3}
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    rows = {row.channel.channel: row for row in await Outbox(engine).list()}
    library = [line for line in lines if line["logger"] == "slack_sdk.web"]
    assert len(library) == 3
    for line in library:  # concurrent deliveries, each line with its own delivery's id
        channel = line["msg"].removeprefix("posting to ")
        assert line["delivery"] == rows[channel].key
        assert line["channel"] == str(rows[channel].channel)
    assert {line["delivery"] for line in lines if line["logger"] == "paperbot.delivery"} == {
        rows[name].key for name in names
    }


async def test_channels_with_the_same_topics_but_different_exclusions_get_their_own_digests(
    engine: AsyncEngine,
) -> None:
    # The pass builds each distinct digest once and shares it: exclusions must be part of "distinct".
    await setup(engine, 0)
    store = SubscriptionStore(engine)
    everything = Subscription(ChannelRef("console", "local", "all-rl"), RL, time=dt.time(9), tz="UTC")
    narrowed = Subscription(
        ChannelRef("console", "local", "no-2"), replace(RL, excluded_keywords=("Scaling RL 2",))
    )
    await store.save(everything)
    await store.save(narrowed)
    publisher = ScriptedPublisher()
    assert await deliverer(engine, publisher).run_pass(NOW, force=True) == {"posted": 2}
    assert [i.arxiv_id for i in publisher.digests["all-rl"].items] == ["2604.00001", "2604.00002"]
    assert [i.arxiv_id for i in publisher.digests["no-2"].items] == ["2604.00001"]


class FailingPublisher(ScriptedPublisher):
    """Answers "failed" (a 503) for the channels in `failing`, posts to the others."""

    def __init__(self, failing: set[str]) -> None:
        super().__init__()
        self.failing = failing

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        if subscription.channel.channel in self.failing:
            return PublishResult("failed", (), start_at, "http_503")
        return await super().publish(subscription, digest, key=key, start_at=start_at)


def _counted(status: str) -> float:
    value = REGISTRY.get_sample_value("paperbot_deliveries_total", {"platform": "console", "status": status})
    return value or 0.0


async def test_every_outcome_is_counted_once_by_platform_and_status(engine: AsyncEngine) -> None:
    """paperbot_deliveries_total counts each delivery a pass finishes, whatever its outcome (it
    once counted only releases), with the status values docs/operations/index.md lists."""
    posted, retry, gave_up, stuck = await setup(engine, 4)
    await SubscriptionStore(engine).save(  # nothing in the report matches: skipped
        Subscription(ChannelRef("console", "local", "quiet"), Interests(("robotics",)), time=dt.time(9))
    )
    publisher = FailingPublisher({retry, gave_up})
    publisher.held[stuck] = asyncio.Event()  # never set: released by the shutdown below
    job = deliverer(engine, publisher)
    await job.planner.plan(NOW, force=True)
    async with engine.begin() as conn:  # its last attempt: this failure is for good
        await conn.execute(
            update(deliveries).where(deliveries.c.channel == gave_up).values(attempts=MAX_ATTEMPTS - 1)
        )
    before = {status: _counted(status) for status in DELIVERY_OUTCOMES}
    passing = asyncio.create_task(job.run_pass(NOW, plan=False))
    await publisher.wait_for_posts(1)  # the pass's one claim has started all five
    assert len(job._running) == 5
    # The four that end on their own have ended (recorded); then the stop releases the fifth.
    await asyncio.wait([task for task, d in job._running.items() if d.channel.channel != stuck])
    await job.shutdown(grace=0)
    outcomes = await passing
    assert outcomes == {"posted": 1, "pending": 1, "failed": 1, "skipped": 1, "released": 1}
    counted = {status: _counted(status) - before[status] for status in DELIVERY_OUTCOMES}
    assert counted == dict.fromkeys(DELIVERY_OUTCOMES, 1)
    assert posted in publisher.posted


async def test_a_stop_that_comes_while_claiming_hands_the_claimed_back_at_once(engine: AsyncEngine) -> None:
    """`shutdown` waits only for deliveries already started: a batch whose claim was being made
    when the stop came is released, not started beyond the grace period's reach."""
    await setup(engine, 3)
    job = deliverer(engine, ScriptedPublisher(), clock=lambda: NOW)
    claim = job.outbox.claim

    async def claim_then_stop(*args: Any, **kwargs: Any) -> list[Any]:
        claimed = await claim(*args, **kwargs)
        job.stop_claiming()  # SIGTERM, while the claim's statement ran
        return claimed

    job.outbox.claim = claim_then_stop  # type: ignore[method-assign]
    assert await job.run_pass(force=True) == {"released": 3}
    other = ScriptedPublisher()
    assert await deliverer(engine, other, "w2", clock=lambda: NOW).deliver_due() == {"posted": 3}  # at once
