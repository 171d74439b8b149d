"""Short leases renewed by a heartbeat: a deliverer's claims stay its own while it works, and a
crashed one's are taken over one lease after its last renewal, with the platform asked first.

Every clock here is injected (a fake clock, and a heartbeat sleep the test lets through beat by
beat): nothing waits on real seconds, and nothing asserts a timing."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import HEARTBEAT, LEASE, Deliverer
from bot.delivery.scheduler import TICK
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from tests.bot.delivery.test_delivery_flow import NOW, ScriptedPublisher, setup
from tests.bot.delivery.test_delivery_flow import deliverer as flow_deliverer
from tests.waiting import until

SECOND = dt.timedelta(seconds=1)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, by: dt.timedelta) -> None:
        self.now += by


class Beats:
    """The heartbeat's sleep: each call waits until the test lets one beat through."""

    def __init__(self) -> None:
        self.sleeping = 0  # calls to sleep so far
        self._gate: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, _seconds: float) -> None:
        self.sleeping += 1
        await self._gate.get()

    async def beat(self) -> None:
        """Wake the heartbeat once and wait until it has renewed and sleeps again."""
        before = self.sleeping
        self._gate.put_nowait(None)
        await until(lambda: self.sleeping > before)


def deliverer(
    engine: AsyncEngine,
    publisher: ScriptedPublisher,
    worker: str,
    clock: FakeClock,
    beats: Beats | None = None,
) -> Deliverer:
    job = flow_deliverer(engine, publisher, worker, clock=clock)
    if beats is not None:
        job.sleep = beats.sleep
    return job


def test_the_figures_recover_a_crash_within_a_minute() -> None:
    # Two renewals may be missed before a live claim lapses; a dead one's is free LEASE after
    # its last renewal, and another replica's scheduler looks again within TICK.
    assert LEASE >= 3 * HEARTBEAT
    assert dt.timedelta(seconds=60) >= LEASE + TICK


async def claimed_by(engine: AsyncEngine, worker: str) -> bool:
    rows = await Outbox(engine).list()
    return bool(rows) and rows[0].status == "claimed" and rows[0].claimed_by == worker


async def test_a_claim_in_flight_is_renewed_and_taken_over_one_lease_after_a_kill(
    engine: AsyncEngine,
) -> None:
    (channel,) = await setup(engine, 1)
    clock, beats = FakeClock(NOW), Beats()
    slow, other = ScriptedPublisher(), ScriptedPublisher()
    slow.held[channel] = asyncio.Event()  # its post never returns: work in flight
    first = deliverer(engine, slow, "first", clock, beats)
    second = deliverer(engine, other, "second", clock)
    await first.planner.plan(clock(), force=True)
    passing = asyncio.create_task(first.deliver_due())
    # Posting, not only claimed: a beat between the claim and the start of its delivery finds
    # nothing in flight to renew (rightly), and the lease checked below would be the claim's.
    await until(lambda: channel in slow.waiting)
    assert await claimed_by(engine, "first")
    for _ in range(6):  # a minute in flight, well past one lease: the heartbeat keeps it
        clock.advance(HEARTBEAT)
        await beats.beat()
        (row,) = await Outbox(engine).list()
        assert row.lease_until == clock() + LEASE
        assert await second.deliver_due() == {}
    last_renewal = clock()
    passing.cancel()  # kill -9: no release, no record; the claim stays as it was
    with contextlib.suppress(asyncio.CancelledError):
        await passing
    assert await claimed_by(engine, "first")
    clock.now = last_renewal + LEASE - SECOND
    assert await second.deliver_due() == {}  # still held
    clock.now = last_renewal + LEASE + SECOND
    assert await second.deliver_due() == {"posted": 1}
    assert other.posted == [channel]
    assert other.asked  # the platform was asked before anything was posted again
    assert slow.posted == []


async def test_a_deliverer_that_cannot_renew_stops_before_its_lease_runs_out(engine: AsyncEngine) -> None:
    (channel,) = await setup(engine, 1)
    clock, beats = FakeClock(NOW), Beats()
    slow, other = ScriptedPublisher(), ScriptedPublisher()
    slow.held[channel] = asyncio.Event()
    first = deliverer(engine, slow, "first", clock, beats)
    await first.planner.plan(clock(), force=True)

    async def unreachable(*_args: object) -> set[int]:
        raise ConnectionError("the database does not answer")

    first.outbox.renew = unreachable  # type: ignore[method-assign,assignment]
    passing = asyncio.create_task(first.deliver_due())
    # Posting, not only claimed (as above): on a slow machine the beats below came between the
    # claim and the start of its delivery, found nothing in flight, and stopped nothing.
    await until(lambda: channel in slow.waiting)
    assert await claimed_by(engine, "first")
    clock.advance(HEARTBEAT)
    await beats.beat()  # one failed renewal: the lease still covers the next try
    assert not passing.done()
    clock.advance(HEARTBEAT)
    beats._gate.put_nowait(None)  # the next renewal would come too late: it stops the delivery
    assert await asyncio.wait_for(passing, 10) == {"released": 1}
    slow.held[channel].set()
    assert slow.posted == []
    second = deliverer(engine, other, "second", clock)
    assert await second.deliver_due(NOW + LEASE + SECOND) == {"posted": 1}
    assert other.asked


async def test_renewing_extends_only_the_workers_own_claims(engine: AsyncEngine) -> None:
    await setup(engine, 2)
    job = deliverer(engine, ScriptedPublisher(), "first", FakeClock(NOW))
    await job.planner.plan(NOW, force=True)
    outbox = Outbox(engine)
    mine = await outbox.claim("first", NOW, limit=1, lease=LEASE)
    theirs = await outbox.claim("second", NOW, limit=1, lease=LEASE)
    later = NOW + HEARTBEAT
    assert await outbox.renew([*mine, *theirs], "first", later, LEASE) == {mine[0].id}
    leases = {row.id: row.lease_until for row in await outbox.list()}
    assert leases == {mine[0].id: later + LEASE, theirs[0].id: NOW + LEASE}


@pytest.mark.parametrize("status", ["posted", "pending"])
async def test_a_recorded_delivery_is_not_renewed(engine: AsyncEngine, status: str) -> None:
    await setup(engine, 1)
    job = deliverer(engine, ScriptedPublisher(), "first", FakeClock(NOW))
    await job.planner.plan(NOW, force=True)
    assert await job.deliver_due() == {"posted": 1}
    (row,) = await Outbox(engine).list()
    assert await Outbox(engine).renew([row], "first", NOW, LEASE) == set()
    assert row.claimed_by is None
    assert row.lease_until is None


async def test_the_scheduler_claims_every_tick_and_plans_every_minute() -> None:
    from typing import cast

    from bot.delivery.planner import PLAN_EVERY
    from bot.delivery.scheduler import Scheduler

    plans: list[bool] = []

    class Recording:
        async def run_pass(self, now: dt.datetime, *, plan: bool) -> dict[str, int]:
            plans.append(plan)
            return {}

    clock = FakeClock(NOW)
    scheduler = Scheduler(cast(Deliverer, Recording()), None, cast(Archive, None), clock=clock)
    for _ in range(6):
        await scheduler.tick()
        clock.advance(TICK)
    assert PLAN_EVERY == 3 * TICK
    assert plans == [True, False, False, True, False, False]
    await scheduler.tick(plan=True)  # a report that just arrived is planned at once
    assert plans[-1] is True


def test_the_first_retry_comes_soon_and_later_ones_back_off() -> None:
    import random

    from bot.store.outbox import BACKOFF_BASE, FIRST_RETRY, retry_delay

    rng = random.Random(7)
    for _ in range(50):
        assert FIRST_RETRY / 2 <= retry_delay(1, rng) <= FIRST_RETRY
        assert FIRST_RETRY <= retry_delay(2, rng) <= 2 * FIRST_RETRY
        assert 2 * BACKOFF_BASE <= retry_delay(3, rng) <= 4 * BACKOFF_BASE
        assert 8 * BACKOFF_BASE <= retry_delay(5, rng) <= 16 * BACKOFF_BASE
