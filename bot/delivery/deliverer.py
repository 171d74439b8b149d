"""The delivery pass: claim due digests, publish them, record the outcome — exactly once per channel and day.

`Planner` (bot/delivery/planner.py) turns due subscriptions into outbox rows; `deliver_due` claims
due rows with a lease and hands each digest (built once per pass by bot/delivery/digest_cache.py)
to its platform's publisher. Leases are short (LEASE) and a heartbeat renews them every HEARTBEAT
while the work is in flight, so a worker killed mid-pass stops renewing and its claims are
claimable again at most LEASE after the kill. A claim that outlived its worker (a crash after
posting, before recording) is marked uncertain, and the next claimant first asks the platform which
parts are already up, then posts only the rest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.delivery.decided import Decided, SplitsDigests, decide, recall, without_withdrawn
from bot.delivery.digest_cache import DigestCache
from bot.delivery.loud_failures import NoticePolicy, Notices, notifiers_of
from bot.delivery.planner import CATCH_UP, Planner, PlanNotes, PostableChannels
from bot.errors import PaperbotError, PlatformUnavailable
from bot.models import FINISHED_STATUSES, ChannelRef, Subscription
from bot.ports import DigestPublisher, PublishResult, RetriesPaused
from bot.ranking.digest import Digest
from bot.runtime.logs import log_context
from bot.runtime.metrics import DELIVERIES, PUBLISH_SECONDS
from bot.store.archive import Archive
from bot.store.notices import NoticeStore
from bot.store.outbox import OUTAGE_RETRY_CAP, Delivery, Outbox, missed_reason
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import Taxonomy

log = logging.getLogger("paperbot.delivery")

# A claim lasts LEASE unless its worker renews it; the heartbeat renews every HEARTBEAT, so two
# renewals can be missed (a slow database, a busy loop) before the claim runs out, and a killed
# worker's claims are free LEASE after its last renewal: with the scheduler's TICK, another
# deliverer takes them over within a minute of the kill.
LEASE = dt.timedelta(seconds=30)
HEARTBEAT = dt.timedelta(seconds=10)
BATCH = 200
# How long a stopping process (`run`, or `deliver` on SIGTERM) lets digests in flight finish before
# releasing them. Below the 30 s that deploy/ gives a stop before SIGKILL (compose
# stop_grace_period, TimeoutStopSec).
SHUTDOWN_GRACE = dt.timedelta(seconds=20)
# At most this many digests in flight per workspace (Slack: ~1 post/s per channel plus a
# workspace-wide limit; Discord: per-route buckets), so one busy workspace cannot starve others.
PER_WORKSPACE = 4


@dataclass
class _ChannelTurn:
    """One channel's digests within a pass: posted one after another in the order claimed (due
    order; asyncio.Lock is first come, first served), so two reports archived together give the
    channel the older first, never interleaved. Once one is left unfinished (its retry to come,
    its claim lost), the later ones are handed back, not posted before it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The report dates of the channel's digests this pass left unfinished. By date, not one flag:
    # a pass that outlasts a failed digest's retry time claims that retry again, and it is the
    # digest the later ones wait for, not one of them (handed back, it came due at once, was
    # claimed again, and the pass never ended).
    unfinished: set[dt.date] = field(default_factory=set)

    def waits(self, delivery: Delivery) -> bool:
        """Whether an older digest of the channel is left unfinished by this pass."""
        return any(day < delivery.report_date for day in self.unfinished)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Deliverer:
    archive: Archive
    store: SubscriptionStore
    outbox: Outbox
    taxonomy: Taxonomy
    publishers: Mapping[str, DigestPublisher]
    catch_up: dt.timedelta = CATCH_UP
    worker: str = field(default_factory=worker_name)
    # Who is told when a digest fails for good or a channel is paused (bot/delivery/loud_failures.py); None:
    # nobody but the log (tests of delivery alone).
    notice_policy: NoticePolicy | None = None
    notices: Notices | None = field(default=None, init=False)
    # Readers' 👍 / 👎 (bot/ranking/tuning.py) and the notices asked for; None: stores on the
    # outbox's database (the process's own come from its composition root, App).
    votes: VoteStore | None = None
    notice_store: NoticeStore | None = None
    # Platforms configured here but unreachable now (an outage), with why: their digests are
    # planned as usual and left pending, unclaimed, so the outage uses up none of their attempts
    # and the first pass that reaches the platform (this process's, once `serve` is told, or
    # another's) posts them.
    unavailable: dict[str, str] = field(default_factory=dict)
    # One pass at a time: a poll that archives a report starts a pass (bot/delivery/scheduler.py)
    # while the tick's may still run, and both claim as this one worker, whose claims the outbox
    # lets take a channel's later digest beside its earlier one (`_earlier_unfinished`) because
    # one pass posts them in turn (`_ChannelTurn`). Two passes at once would each post one.
    pass_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _running: dict[asyncio.Task[str], Delivery] = field(default_factory=dict)
    _stopping: bool = False
    # The clock and the heartbeat's sleep (tests inject both: no test waits on real seconds).
    clock: Callable[[], dt.datetime] = utc_now
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    lease: dt.timedelta = LEASE
    heartbeat: dt.timedelta = HEARTBEAT
    postable: PostableChannels = field(default_factory=PostableChannels, init=False)
    planner: Planner = field(init=False)
    digests: DigestCache = field(init=False)

    def __post_init__(self) -> None:
        self.planner = Planner(
            self.archive,
            self.store,
            self.outbox,
            lambda: [*self.digest_platforms, *self.unavailable],
            self.postable,
            self.catch_up,
            self.retries_paused,
        )
        self.digests = DigestCache(
            self.archive, self.taxonomy, self.votes or VoteStore(self.outbox.engine), self.outbox
        )
        if self.notice_policy is not None:
            self.notices = Notices(
                self.notice_store or NoticeStore(self.outbox.engine),
                self.outbox,
                self.store,
                notifiers_of(self.publishers),
                self.notice_policy,
                worker=self.worker,
            )

    @property
    def digest_platforms(self) -> list[str]:
        """The platforms whose digests this process delivers. A publisher whose
        `delivers_digests` is False only posts notices: the console of a process serving Slack
        or Discord (PAPERBOT_OPERATOR_CHANNEL=console), which must never deliver the console
        demo's channels into the service's log."""
        return [
            platform
            for platform, publisher in self.publishers.items()
            if getattr(publisher, "delivers_digests", True)
        ]

    def serve(self, platform: str, publisher: DigestPublisher) -> None:
        """`platform` is reachable again: from the next claim on, its digests and notices go out."""
        self.publishers = {**self.publishers, platform: publisher}
        self.unavailable.pop(platform, None)
        if self.notices is not None:
            self.notices.notifiers = notifiers_of(self.publishers)

    async def deliver_due(
        self, now: dt.datetime | None = None, notes: PlanNotes | None = None
    ) -> dict[str, int]:
        """Claim and deliver everything due; a count per outcome.

        A pipeline, not batch after batch: when half of what was claimed is done, the next
        claim tops it up, so one slow channel at the end of a batch never idles the rest. A
        heartbeat renews the claims in flight (see `_heartbeat`). `now` sets the pass's clock:
        it starts there and runs on as the deliverer's clock does. `notes` hears of the digests
        skipped as missed (`paperbot deliver` names them)."""
        return await self._deliver_due(self._pass_clock(now), notes)

    async def _deliver_due(
        self, clock: Callable[[], dt.datetime], notes: PlanNotes | None = None
    ) -> dict[str, int]:
        async with self.pass_lock:
            return await self._claim_and_deliver(clock, notes)

    async def _claim_and_deliver(
        self, clock: Callable[[], dt.datetime], notes: PlanNotes | None
    ) -> dict[str, int]:
        # Claims and records take the time from `clock`, which runs on during the pass: a claim
        # made late in a long pass gets a lease from that moment, not from the pass's start.
        outcomes: dict[str, int] = {}
        # Reports and digests are cached for one pass only: a corrected report is seen next time.
        self.digests.new_pass()
        limits: dict[tuple[str, str], asyncio.Semaphore] = {}  # per workspace, for the whole pass
        channels: dict[ChannelRef, _ChannelTurn] = {}
        # This pass's deliveries, each with the moment its lease was last taken or renewed (the
        # heartbeat updates it); self._running has every pass's.
        running: dict[asyncio.Task[str], dt.datetime] = {}
        drained = False
        heartbeat = asyncio.create_task(self._heartbeat(running, clock))
        try:
            while True:
                if not drained and not self._stopping and len(running) <= BATCH // 2:
                    moment = clock()
                    batch = await self.outbox.claim(
                        self.worker,
                        moment,
                        limit=BATCH - len(running),
                        lease=self.lease,
                        platforms=self.digest_platforms,
                        holding=[delivery.id for delivery in self._running.values()],
                    )
                    if batch and self._stopping:
                        # The stop came while this claim was made: `shutdown` waits for none of
                        # these, so hand them back at once instead of starting them unbounded.
                        await self.outbox.release(batch, self.worker, clock())
                        for delivery in batch:
                            DELIVERIES.labels(delivery.channel.platform, "released").inc()
                        outcomes["released"] = outcomes.get("released", 0) + len(batch)
                        batch = []
                    drained = not batch
                    subscriptions = await self.store.get_many([d.channel for d in batch])
                    decided = await self._decide_fresh(batch, subscriptions, clock())
                    for delivery in batch:
                        subscription = subscriptions.get(delivery.channel)
                        task = asyncio.create_task(
                            self._deliver_limited(
                                delivery,
                                subscription,
                                limits,
                                channels,
                                clock,
                                decided.get(delivery.id),
                                notes,
                            )
                        )
                        running[task] = moment
                        self._running[task] = delivery
                if not running:
                    return outcomes
                done, _ = await asyncio.wait(set(running), return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    del running[task]  # in place: the heartbeat reads this mapping
                    finished = self._running.pop(task, None)
                    # A cancelled one was stopped by `shutdown`, which released its claim, or by
                    # the heartbeat, which could not renew it (its lease runs out).
                    status = "released" if task.cancelled() else task.result()
                    if finished is not None:  # every outcome, not only releases: the metric's table
                        DELIVERIES.labels(finished.channel.platform, status).inc()
                    outcomes[status] = outcomes.get(status, 0) + 1
        finally:
            heartbeat.cancel()
            # This pass itself was cancelled: its deliveries stop here; their claims run out
            # and the next claimant asks the platform what they had already posted.
            for task in running:
                task.cancel()
                self._running.pop(task, None)

    def _pass_clock(self, now: dt.datetime | None) -> Callable[[], dt.datetime]:
        """The deliverer's clock, shifted to start at `now` when a pass is given one."""
        if now is None:
            return self.clock
        offset = now - self.clock()
        return lambda: self.clock() + offset

    async def _heartbeat(
        self, running: dict[asyncio.Task[str], dt.datetime], clock: Callable[[], dt.datetime]
    ) -> None:
        """Renew the pass's claims every `heartbeat` while they are in flight.

        A worker that cannot renew (the database does not answer) stops each delivery whose
        lease would run out before the next try: past it, another deliverer may take it over,
        and two workers posting one digest is what the lease exists to prevent. A stopped
        delivery is taken over as uncertain, so its successor asks the platform first."""
        while True:
            await self.sleep(self.heartbeat.total_seconds())
            held = {
                task: self._running[task] for task in running if task in self._running and not task.done()
            }
            if not held:
                continue
            moment = clock()
            try:
                kept = await self.outbox.renew(list(held.values()), self.worker, moment, self.lease)
            except Exception as exc:
                expiring = [task for task in held if running[task] + self.lease <= moment + self.heartbeat]
                log.warning(
                    "could not renew %d claims: %s; stopping the %d whose lease runs out before the next try",
                    len(held),
                    exc,
                    len(expiring),
                )
                for task in expiring:
                    task.cancel()
                continue
            for task, delivery in held.items():
                if task in running and delivery.id in kept:
                    running[task] = moment
            lost = [delivery.key for delivery in held.values() if delivery.id not in kept]
            if lost:  # recorded a moment ago, or taken over after a lapse: the owner records it
                log.debug("claims no longer held at renewal: %s", ", ".join(lost))

    def stop_claiming(self) -> None:
        """From now on, passes finish what they hold and claim nothing new."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        """Whether a stop has begun (`deliver --wait` then stops waiting)."""
        return self._stopping

    async def shutdown(self, grace: float) -> int:
        """Graceful stop: claim nothing new, let deliveries in flight finish for up to `grace`
        seconds, then stop the rest and release their claims at once, so another replica can
        take them over now (asking the platform which parts are up) instead of after the lease.
        How many were released."""
        self.stop_claiming()
        if not self._running:
            return 0
        await asyncio.wait(list(self._running), timeout=grace)
        unfinished = {task: delivery for task, delivery in self._running.items() if not task.done()}
        if not unfinished:
            return 0
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        released = await self.outbox.release(list(unfinished.values()), self.worker, self.clock())
        log.warning("shutting down: released %d deliveries still in flight after %g s", released, grace)
        return released

    async def _decide_fresh(
        self, batch: list[Delivery], subscriptions: Mapping[ChannelRef, Subscription], now: dt.datetime
    ) -> dict[int, Digest]:
        """The digests of the batch's fresh deliveries (nothing decided yet, nothing possibly up),
        decided and kept in one transaction for the whole batch. One write per delivery, each
        just before its post, queued every concurrent delivery of a pass behind SQLite's write
        lock (bench_deliver: 1,300 → 500 posts/s). A delivery left out (a digest that cannot be
        built, a claim no longer held) is decided by `_deliver` on its own, as before."""
        fresh: dict[int, tuple[Digest, dict[str, Any]]] = {}
        # Channels with the same interests and settings share one digest (the pass's cache), so
        # its JSON is made once.
        made: dict[tuple[int, str, bool], dict[str, Any]] = {}
        for delivery in batch:
            subscription = subscriptions.get(delivery.channel)
            if delivery.digest is not None or delivery.uncertain:
                continue
            if subscription is None or self._skip_reason(delivery, subscription) is not None:
                continue
            try:
                digest = await self.digests.digest(delivery.report_date, subscription, now, delivery.kind)
            except Exception:  # `_deliver` meets it again, and records it
                continue
            if digest is not None and digest.items:
                settings = subscription.settings
                shape = (id(digest), settings.layout, settings.images)
                if shape not in made:
                    made[shape] = decide(digest, settings)
                fresh[delivery.id] = (digest, made[shape])
        if not fresh:
            return {}
        held = await self.outbox.decide_many(
            {delivery_id: data for delivery_id, (_digest, data) in fresh.items()}, self.worker, now
        )
        return {delivery_id: digest for delivery_id, (digest, _data) in fresh.items() if delivery_id in held}

    async def _deliver_limited(
        self,
        delivery: Delivery,
        subscription: Subscription | None,
        limits: dict[tuple[str, str], asyncio.Semaphore],
        channels: dict[ChannelRef, _ChannelTurn],
        clock: Callable[[], dt.datetime],
        decided: Digest | None = None,
        notes: PlanNotes | None = None,
    ) -> str:
        """Deliver one claimed digest in its channel's turn and a workspace slot; its new status.
        Outcomes are recorded at the pass clock's time when they happen (`clock`), not when the
        digest was claimed: it may have waited minutes for its turn, and a retry's wait counted
        from the claim had often passed by the time the try ended."""
        key = (delivery.channel.platform, delivery.channel.workspace)
        semaphore = limits.setdefault(key, asyncio.Semaphore(PER_WORKSPACE))
        turn = channels.setdefault(delivery.channel, _ChannelTurn())
        # Every line logged for this delivery (ours, slack_sdk's, discord.py's) names it.
        with log_context(delivery=delivery.key, channel=delivery.channel):
            # The channel's turn before a workspace slot, so a digest waiting for its channel's
            # earlier one holds none.
            async with turn.lock:
                status = "released"  # unless it ends: cancelled, it may still hold its claim
                try:
                    if turn.waits(delivery):
                        await self.outbox.hand_back(delivery, self.worker, clock())
                        log.info("delivery %s: waits for its channel's earlier digest", delivery.key)
                        status = "pending"
                    else:
                        async with semaphore:
                            status = await self._attempt(delivery, subscription, clock, decided, notes)
                except Exception:
                    # Its outcome could not be recorded (the database did not answer): the claim
                    # runs out and is taken over, asking the platform first. Raised, it ended the
                    # pass and cancelled every other digest in flight, mid-post.
                    log.exception("delivery %s: could not record its outcome", delivery.key)
                finally:
                    if status in FINISHED_STATUSES:
                        turn.unfinished.discard(delivery.report_date)
                    else:
                        turn.unfinished.add(delivery.report_date)
                return status

    async def _attempt(
        self,
        delivery: Delivery,
        subscription: Subscription | None,
        clock: Callable[[], dt.datetime],
        decided: Digest | None,
        notes: PlanNotes | None = None,
    ) -> str:
        """`_deliver`, with an exception recorded as a failed attempt; the delivery's new status."""
        try:
            return await self._deliver(delivery, subscription, clock, decided, notes)
        except Exception as exc:  # one bad delivery must not stop the others
            now = clock()
            # The platform down while asking it what is up already: an outage, as in a post.
            outage = isinstance(exc, PlatformUnavailable)
            if isinstance(exc, PaperbotError):
                # Raised on purpose and saying why (a platform whose history cannot be read right
                # now): one line, retried as any failure; no traceback.
                note = " (platform unavailable: no attempt used)" if outage else ""
                log.warning("delivery %s failed: %s%s", delivery.key, exc, note)
            else:
                log.exception("delivery %s failed", delivery.key)
            error = f"{type(exc).__name__}: {exc}"
            result = PublishResult(
                "failed", (), delivery.next_part, error, parts=delivery.parts, outage=outage
            )
            status = await self.outbox.finish(
                delivery,
                self.worker,
                result,
                now,
                posted=delivery.posted,
                outage_until=self.worth_until(delivery),
            )
            await self._tell(delivery, subscription, result, status, now)
            return status

    async def _deliver(
        self,
        delivery: Delivery,
        subscription: Subscription | None,
        clock: Callable[[], dt.datetime],
        decided_now: Digest | None = None,
        notes: PlanNotes | None = None,
    ) -> str:
        """One delivery; `clock` is the pass's (the outcome's time, from which a retry's wait is
        counted, is read once the publisher returns); `decided_now`: its digest, already decided
        and kept with its batch (`_decide_fresh`)."""
        now = clock()
        reason = self._skip_reason(delivery, subscription)
        if reason is not None or subscription is None:
            await self.outbox.skip(delivery, self.worker, reason or "unsubscribed", now)
            return "skipped"
        publisher = self.publishers[delivery.channel.platform]
        start_at = delivery.next_part
        already: set[int] | None = None
        decided = recall(delivery.digest)
        if decided is not None and delivery.uncertain:
            start_at, already = await self._first_not_up(publisher, subscription, delivery)
        if start_at == 0 and not already and now > self._last_chance(delivery):
            return await self._too_late(delivery, subscription, now, notes)
        if decided is not None and (start_at > 0 or already):
            # Part of it is up: the rest of that digest, whatever changed since (bot/delivery/decided.py).
            resumed = await self._resumed(delivery, subscription, decided, start_at, publisher)
            if resumed is None:
                await self.outbox.skip(delivery, self.worker, "report no longer in the archive", now)
                return "skipped"
            digest, subscription = resumed
        elif decided_now is not None:
            digest = decided_now
        else:
            # Nothing of it is up yet: the digest is decided now, from what holds now.
            built = await self.digests.digest(delivery.report_date, subscription, now, delivery.kind)
            if built is None:
                await self.outbox.skip(delivery, self.worker, "report no longer in the archive", now)
                return "skipped"
            if not built.items:
                await self.outbox.skip(delivery, self.worker, "no matching papers today", now)
                return "skipped"
            digest = built
            if delivery.uncertain and already is None:
                start_at, already = await self._first_not_up(publisher, subscription, delivery)
            # Kept before the first post, so a takeover after a crash mid-post resumes it too.
            if not await self.outbox.decide(
                delivery, self.worker, decide(digest, subscription.settings), now
            ):
                log.info("delivery %s: claim taken over before posting; posting nothing", delivery.key)
                return "released"
        started = time.perf_counter()
        result = await publisher.publish(subscription, digest, key=delivery.key, start_at=start_at)
        PUBLISH_SECONDS.labels(delivery.channel.platform).observe(time.perf_counter() - started)
        now = clock()
        posted = (*delivery.posted, *result.posted)
        status = await self.outbox.finish(
            delivery,
            self.worker,
            result,
            now,
            posted=posted,
            papers=len(digest.items),
            outage_until=self.worth_until(delivery),
        )
        log.info("delivery %s to %s: %s", delivery.key, delivery.channel, status)
        await self._tell(delivery, subscription, result, status, now)
        return status

    async def _too_late(
        self, delivery: Delivery, subscription: Subscription, now: dt.datetime, notes: PlanNotes | None = None
    ) -> str:
        """A digest none of whose parts is up, claimed more than `catch_up` after its time (left
        pending while every deliverer was stopped, or its platform unreachable): not posted a day
        late beside the next one. Never tried, it is skipped as missed, as the planner skips one
        missed during downtime; tried in its time, it failed, and is told as a failure is. (One
        with a part up is finished: half a digest helps nobody.)"""
        until = self.worth_until(delivery)
        if delivery.last_error is None:
            reason = missed_reason(delivery.due_at, f"not sent within {self.catch_up} of it")
            await self.outbox.skip(delivery, self.worker, reason, now)
            if notes is not None:
                notes.missed_unsent.append((delivery.channel, delivery.due_at))
            return "skipped"
        error = await self.outbox.give_up(delivery, self.worker, now, until)
        log.warning(
            "delivery %s failed: %s, and it is more than %s past its time", delivery.key, error, self.catch_up
        )
        # No attempt used: every try met the platform down (bot/store/outbox.py `finish`).
        outage = delivery.attempts == 0
        result = PublishResult("failed", (), delivery.next_part, error, parts=delivery.parts, outage=outage)
        await self._tell(delivery, subscription, result, "failed", now, attempts=delivery.attempts)
        return "failed"

    def _last_chance(self, delivery: Delivery) -> dt.datetime:
        """Until when a digest none of whose parts is up is still tried: the end of its catch-up
        window; for one that was tried, until OUTAGE_RETRY_CAP after the try an outage scheduled
        after its last one within the window. That try comes up to OUTAGE_RETRY_CAP past the
        window (bot/store/outbox.py `outage_delay`), the platform may be back by then, and the
        pass that takes it may come a tick or a busy queue later than it was due."""
        until = self.worth_until(delivery)
        if delivery.last_error is None:
            return until
        return max(until, delivery.next_attempt_at or until) + OUTAGE_RETRY_CAP

    def worth_until(self, delivery: Delivery) -> dt.datetime:
        """Until when a platform outage is waited out for `delivery` (bot/store/outbox.py
        `finish`): as late as the planner would still send it, `catch_up` after its due time."""
        return delivery.due_at + self.catch_up

    def retries_paused(self, subscription: Subscription) -> bool:
        """Whether the paused `subscription` is tried at its due digests (bot/ports.py RetriesPaused)."""
        publisher = self.publishers.get(subscription.channel.platform)
        return isinstance(publisher, RetriesPaused) and publisher.retries_paused(subscription)

    def _skip_reason(self, delivery: Delivery, subscription: Subscription | None) -> str | None:
        """Why `delivery` is skipped without a digest, or None when it is to be posted."""
        if subscription is None or not subscription.interests:
            return "unsubscribed"
        if subscription.paused and not self.retries_paused(subscription):
            return "paused"
        if not self.postable(delivery.channel):  # planned by a version that did not check ids
            return "not a valid channel id"
        return None

    async def _first_not_up(
        self, publisher: DigestPublisher, subscription: Subscription, delivery: Delivery
    ) -> tuple[int, set[int]]:
        """The part to post first, and the parts already in the channel: the last claimant may
        have posted and died before recording it, so the platform is asked."""
        already = await publisher.posted_parts(subscription, delivery.key)
        start_at = delivery.next_part
        while start_at in already:
            start_at += 1
        return start_at, already

    async def _resumed(
        self,
        delivery: Delivery,
        subscription: Subscription,
        decided: Decided,
        start_at: int,
        publisher: DigestPublisher,
    ) -> tuple[Digest, Subscription] | None:
        """The rest of the digest `delivery` began, shown as it began; None when the report is gone.

        A paper withdrawn from the report since is left out if its part is not up yet and leaving
        it out moves no paper of a part that is; otherwise it is posted as decided."""
        current = await self.digests.paper_ids(delivery.report_date, subscription, delivery.kind)
        if current is None:
            return None
        digest = decided.digest
        withdrawn = {item.arxiv_id for item in digest.items} - current
        if withdrawn:
            splitter = publisher if isinstance(publisher, SplitsDigests) else None
            digest, dropped = without_withdrawn(
                decided, subscription, withdrawn, start_at, splitter, delivery.key
            )
            if dropped:
                log.warning(
                    "delivery %s: left out %s, withdrawn from the report of %s since the digest began",
                    delivery.key,
                    ", ".join(sorted(dropped)),
                    delivery.report_date,
                )
            if withdrawn - dropped:
                log.warning(
                    "delivery %s: %s withdrawn from the report of %s since the digest began; "
                    "posted as decided, since leaving it out would move papers of the parts already up",
                    delivery.key,
                    ", ".join(sorted(withdrawn - dropped)),
                    delivery.report_date,
                )
        return digest, decided.shown_to(subscription)

    async def _tell(
        self,
        delivery: Delivery,
        subscription: Subscription | None,
        result: PublishResult,
        status: str,
        now: dt.datetime,
        *,
        attempts: int | None = None,
    ) -> None:
        """Ask for the notice of a digest that failed for good or a channel that was paused. It
        is only stored here (sent after the pass); never raises: the outcome is recorded already.
        `attempts`: those it used, when not one more than before (this one)."""
        if self.notices is None or not (status == "failed" or result.status == "paused"):
            return
        ref = delivery.channel
        try:
            if result.status == "paused":
                # As stored now: the edge that paused it wrote why, and what to do, in paused_reason.
                paused = await self.store.get(ref) or subscription
                if (
                    not result.posted
                    and subscription is not None
                    and subscription.paused
                    and _paused_as(paused, subscription)
                ):
                    # A paused channel tried again (RetriesPaused) and refused for the same cause:
                    # its creator and the operator were told when it was paused; a daily notice
                    # saying it again would be spam. Not when a part went up first: that post
                    # resumed the channel, and the refusal after it paused it anew.
                    log.info("delivery %s: %s is still paused: %s", delivery.key, ref, result.error)
                    return
                await self.notices.channel_paused(
                    ref,
                    delivery.key,
                    error=result.error,
                    subscription=paused,
                    creator_told=result.creator_told,
                    now=now,
                )
            else:
                await self.notices.delivery_failed(
                    ref,
                    delivery.report_date,
                    delivery.key,
                    attempts=delivery.attempts + 1 if attempts is None else attempts,
                    error=result.error,
                    subscription=subscription,
                    now=now,
                    outage_until=self.worth_until(delivery) if result.outage else None,
                )
        except Exception:  # the pass's end finds failures without a notice and asks again
            log.exception("could not record the notice about delivery %s", delivery.key)

    async def run_pass(
        self,
        now: dt.datetime | None = None,
        *,
        day: dt.date | None = None,
        force: bool = False,
        plan: bool = True,
        notes: PlanNotes | None = None,
    ) -> dict[str, int]:
        """`paperbot deliver`: plan (unless `plan` is False: a tick that only takes over claims
        and retries), deliver everything due, then send the notices due."""
        clock = self._pass_clock(now)
        if plan:
            await self.planner.plan(clock(), day=day, force=force, notes=notes)
        outcomes = await self._deliver_due(clock, notes)
        await self.send_notices(clock())  # the notices the pass asked for are due by now
        return outcomes

    async def send_notices(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Ask for the notices of recent failures that have none, then send what is due (to the
        platforms this process serves); never raises: the next pass tries again."""
        if self.notices is None:
            return {}
        try:
            return await self.notices.run(now or self.clock(), self.digest_platforms)
        except Exception:
            log.exception("sending notices failed")
            return {}


def _paused_as(now: Subscription | None, before: Subscription) -> bool:
    """Whether `now` is paused with the reason `before` was paused with."""
    return now is not None and now.paused and now.paused_reason == before.paused_reason
