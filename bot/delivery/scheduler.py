"""The clock of `paperbot run`: poll for the day's report, and deliver what has come due.

APScheduler 3.x runs in memory (PLATFORM_FACTS.md: a job store must never be shared between
processes); it only says *when to look*. What is due and what was delivered lives in the
database (bot/store/outbox.py), so restarts lose nothing and several replicas can run: each
tick plans idempotently and claims with a lease.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.deliverer import SHUTDOWN_GRACE, Deliverer
from bot.delivery.planner import PLAN_EVERY
from bot.errors import PaperbotError
from bot.ports import ReportSource
from bot.reports.sources import newest_settled_day
from bot.runtime.logs import demote
from bot.runtime.metrics import REPORTS_FETCHED
from bot.store.archive import Archive, IngestResult

log = logging.getLogger("paperbot.scheduler")

# How often the outbox is looked at: claims a crashed deliverer left are free LEASE (30 s) after
# its last renewal, so one tick later (≤ 50 s after the crash) this replica has taken them over.
TICK = dt.timedelta(seconds=20)
POLL = dt.timedelta(minutes=10)  # how often a missing report is asked for again (404 = not yet)
JOB_FINISH_TIMEOUT = dt.timedelta(seconds=5)  # then APScheduler cancels what is still running


async def poll_reports(
    source: ReportSource,
    archive: Archive,
    today: dt.date,
    *,
    errors: dict[dt.date, str] | None = None,
    heard: Callable[[IngestResult], None] | None = None,
    failed: Callable[[dt.date, str], None] | None = None,
) -> list[dt.date]:
    """Fetch the newest two days' reports and archive what changed; the dates whose report
    was new or changed. The newest is today's, or yesterday's where the source's day fills during
    that day (Hugging Face's list: `newest_settled_day`), so a day is archived, and planned, whole.
    A report published late, or after midnight UTC, is still picked up, and so is one corrected
    or grown after it first appeared (a straggler submitted to yesterday's list): it is asked for
    again every poll until it is older than the two. An unchanged answer
    (a 304 to a conditional GET, or the same papers) changes nothing and plans nothing. `errors`
    gets why a day's fetch failed (and loses the day once a fetch of it does not), for the late
    notice. `heard` is told what each new or changed report did to the archive, and `failed`
    why a fetch failed, instead of the log (the console prints both)."""
    archived = set(await archive.report_dates())
    ingested = []
    newest = newest_settled_day(source, today)
    for day in (newest - dt.timedelta(days=1), newest):
        try:
            report = await source.fetch(day)
            result = None if report is None else await archive.ingest(report, origin=source.name)
        except PaperbotError as exc:
            if failed is not None:
                failed(day, str(exc))
            else:
                log.warning("report for %s: %s", day, exc)
            REPORTS_FETCHED.labels("failed").inc()
            if errors is not None:
                errors[day] = str(exc)
            continue
        if errors is not None:
            errors.pop(day, None)
        if report is None or result is None:
            if day not in archived:
                REPORTS_FETCHED.labels("not_published").inc()
            continue
        if result.unchanged:
            continue
        for warning in report.warnings:
            if not warning.detail:  # what was skipped, as `paperbot ingest` prints it
                log.warning("report for %s: %s", day, warning)
        if day in archived:
            log.info("report for %s grew or changed: %s", day, result.describe())
        REPORTS_FETCHED.labels("ingested").inc()
        ingested.append(day)
        if heard is not None:
            heard(result)
    return ingested


def _is_skipped_run(message: str) -> bool:
    return "skipped: maximum number of running instances reached" in message


class Scheduler:
    def __init__(
        self,
        deliverer: Deliverer,
        source: ReportSource | None,
        archive: Archive,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.deliverer = deliverer
        self.source = source
        self.archive = archive
        self.clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: set[asyncio.Task[None]] = set()  # tick and poll runs in progress
        self._fetch_errors: dict[dt.date, str] = {}  # why the last fetch of a day failed
        self._planned_at: dt.datetime | None = None

    async def tick(self, *, plan: bool = False) -> None:
        """A delivery pass: claims due deliveries, retries and claims others left; plans what
        came due only every PLAN_EVERY (or when `plan`), reading every subscription then."""
        now = self.clock()
        if plan or self._planned_at is None or now - self._planned_at >= PLAN_EVERY or now < self._planned_at:
            plan, self._planned_at = True, now
        try:
            outcomes = await self.deliverer.run_pass(now, plan=plan)
        except Exception:  # the next tick tries again; the outbox keeps the state
            log.exception("delivery pass failed")
            return
        if outcomes:
            log.info("delivery pass: %s", outcomes)

    async def poll(self) -> None:
        """Fetch the recent reports from the source, then say whether today's is late. Without a
        source (PAPERBOT_REPORT_SOURCE unset) nothing is fetched, but a report is still late when
        nobody has ingested it: that is when the operator's `paperbot ingest` job has failed."""
        if self.source is not None:
            today = self.clock().date()
            for day in [d for d in self._fetch_errors if d < today - dt.timedelta(days=1)]:
                del self._fetch_errors[day]
            try:
                ingested = await poll_reports(self.source, self.archive, today, errors=self._fetch_errors)
            except Exception:
                log.exception("report polling failed")
                return
            if ingested:
                await self.tick(plan=True)  # a report that arrived late goes out at once
        await self.check_report()

    async def check_report(self) -> None:
        """Past the deadline without today's report: say so, once a day (bot/delivery/loud_failures.py)."""
        notices = self.deliverer.notices
        if notices is None:
            return
        now = self.clock()
        try:
            # Today's report, or yesterday's where a day is taken only once it is over (Hugging
            # Face's list, `newest_settled_day`).
            today = now.date()
            lag = today - newest_settled_day(self.source, today) if self.source else dt.timedelta(0)
            day = notices.policy.report_due(now, lag)
            error = self._fetch_errors.get(day) if day is not None else None
            source = self.source.name if self.source is not None else None
            if await notices.check_report(now, self.archive, source=source, error=error, lag=lag):
                await notices.send_due(now)
        except Exception:  # the next poll tries again
            log.exception("checking for a late report failed")

    def _job(self, work: Callable[[], Awaitable[None]], every: dt.timedelta, job_id: str) -> None:
        assert self._scheduler is not None

        async def tracked() -> None:
            # Known to `shutdown`, which lets a run finish rather than have APScheduler cancel
            # it mid-statement (a cancelled database call can hang the engine's disposal).
            task = asyncio.current_task()
            assert task is not None
            self._jobs.add(task)
            try:
                await work()
            finally:
                self._jobs.discard(task)

        self._scheduler.add_job(
            tracked,
            IntervalTrigger(seconds=every.total_seconds(), timezone=dt.UTC),
            id=job_id,
            next_run_time=dt.datetime.now(dt.UTC),  # at once on start: catch-up after downtime
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(every.total_seconds()),
        )

    def start(self) -> None:
        """Start inside the running event loop (AsyncIOScheduler binds to it)."""
        # A tick still running when the next falls due (a long pass on a busy replica) makes
        # APScheduler skip that run with a WARNING; max_instances=1 is there for exactly that, and
        # the running pass delivers what came due: INFO (debug logs show it).
        demote("apscheduler.scheduler", _is_skipped_run, logging.INFO)
        self._scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._job(self.poll, POLL, "poll-reports")
        self._job(self.tick, TICK, "deliver")
        self._scheduler.start()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE.total_seconds()) -> None:
        """Stop ticking, then stop delivering gracefully (see `Deliverer.shutdown`).

        APScheduler's shutdown cancels a job that is running, so it comes last: first no new
        runs (pause), then the pass in progress finishes or releases what it holds."""
        if self._scheduler is not None:
            self._scheduler.pause()
        await self.deliverer.shutdown(grace)
        if self._jobs:  # a pass that was planning, or a poll: they end soon once nothing is claimed
            await asyncio.wait(list(self._jobs), timeout=JOB_FINISH_TIMEOUT.total_seconds())
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
