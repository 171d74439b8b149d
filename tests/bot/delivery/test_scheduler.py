from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.scheduler import TICK, Scheduler, poll_reports
from bot.models import ChannelRef, Interests, ParseWarning, Report, Subscription
from bot.reports.sources.local import LocalSource
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.publisher import ConsolePublisher
from tests.factories import paper
from tests.waiting import until

TODAY = dt.date(2026, 5, 6)


class FakeSource:
    """Publishes only one day's report, and counts what it was asked."""

    name = "fake"

    def __init__(self, published: dt.date = TODAY) -> None:
        self.published = published
        self.asked: list[dt.date] = []

    async def fetch(self, day: dt.date) -> Report | None:
        self.asked.append(day)
        if day != self.published:
            return None  # not published (a 404)
        return Report(day, (paper(arxiv_id="2605.00001", title="RL for Agents", domain="强化学习"),))

    async def aclose(self) -> None:
        return None


async def test_polling_ingests_a_new_report_once_and_treats_missing_days_as_not_yet(
    engine: AsyncEngine,
) -> None:
    archive = Archive(engine)
    source = FakeSource()
    assert await poll_reports(source, archive, TODAY) == [TODAY]
    assert await archive.report_dates() == [TODAY]
    assert await poll_reports(source, archive, TODAY) == []  # the same report: nothing changed
    yesterday = TODAY - dt.timedelta(days=1)
    assert source.asked == [yesterday, TODAY, yesterday, TODAY]


class GrowingSource:
    """A day's list as Hugging Face serves it: papers are added to it during the day."""

    name = "growing"

    def __init__(self) -> None:
        self.listed: dict[dt.date, list[str]] = {}

    def add(self, day: dt.date, *titles: str) -> None:
        self.listed.setdefault(day, []).extend(titles)

    async def fetch(self, day: dt.date) -> Report | None:
        titles = self.listed.get(day)
        if not titles:
            return None
        papers = (
            paper(arxiv_id=f"2605.{day.day:02d}{n:03d}", title=title) for n, title in enumerate(titles, 1)
        )
        return Report(day, tuple(papers))

    async def aclose(self) -> None:
        return None


async def test_a_days_list_that_grows_after_it_was_archived_is_archived_in_full(engine: AsyncEngine) -> None:
    """The first poll after a day's first paper archived that one paper, and the day was never
    asked for again: every paper submitted later that day was missing from the archive, from
    lookups and from every digest of it. Today and yesterday are now asked for on every poll."""
    first = dt.datetime(2026, 5, 6, 1, 10, tzinfo=dt.UTC)
    clock = [first]  # when each poll archives
    archive = Archive(engine, clock=lambda: clock[0])
    source = GrowingSource()
    source.add(TODAY, "Early Bird Agents")
    assert await poll_reports(source, archive, TODAY) == [TODAY]
    clock[0] = first + dt.timedelta(hours=11)
    source.add(TODAY, "Noon Video Diffusion", "Evening RL")
    assert await poll_reports(source, archive, TODAY) == [TODAY]
    clock[0] = first + dt.timedelta(hours=23)
    source.add(TODAY, "Just Before Midnight")
    assert await poll_reports(source, archive, TODAY + dt.timedelta(days=1)) == [TODAY]  # now yesterday
    report = await archive.report(TODAY)
    assert report is not None
    assert [p.title for p in report.papers] == [
        "Early Bird Agents",
        "Noon Video Diffusion",
        "Evening RL",
        "Just Before Midnight",
    ]
    assert await archive.report_ingested_at(TODAY) == first  # it arrived once, then grew
    assert await poll_reports(source, archive, TODAY + dt.timedelta(days=1)) == []  # unchanged


async def test_polling_logs_what_a_report_skipped_but_not_the_per_paper_detail(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    class OddSource(FakeSource):
        async def fetch(self, day: dt.date) -> Report | None:
            report = await super().fetch(day)
            if report is None:
                return None
            skipped = ParseWarning(9, "paper 'Lost' has no Hugging Face or arXiv link; skipped")
            detail = ParseWarning(3, "paper 2605.00001: section 'usage' is missing or empty", detail=True)
            return replace(report, warnings=(skipped, detail))

    with caplog.at_level(logging.WARNING, logger="bot.delivery.scheduler"):
        await poll_reports(OddSource(), Archive(engine), TODAY)
    assert [r.getMessage() for r in caplog.records] == [
        "report for 2026-05-06: line 9: paper 'Lost' has no Hugging Face or arXiv link; skipped"
    ]


async def test_the_scheduler_polls_then_delivers_on_start(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await store.save(
        Subscription(ChannelRef("console", "local", "demo"), Interests(("reinforcement-learning",)))
    )
    out = io.StringIO()
    deliverer = Deliverer(
        Archive(engine), store, Outbox(engine), builtin_taxonomy(), {"console": ConsolePublisher(out)}
    )
    # The report "arrives" when polled; the clock is pinned past the channel's digest time (the
    # default 08:00 UTC), so the test means the same whatever the hour it runs at.
    noon = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)
    archive = Archive(engine, clock=lambda: noon)  # the report's arrival is on the same clock
    scheduler = Scheduler(deliverer, FakeSource(TODAY), archive, clock=lambda: noon)
    scheduler.start()
    try:
        for _ in range(200):
            if (await Outbox(engine).counts()).get("posted"):
                break
            await asyncio.sleep(0.02)
    finally:
        await scheduler.shutdown()
    assert (await Outbox(engine).counts()) == {"posted": 1}
    assert "RL for Agents" in out.getvalue()


async def test_polling_a_folder_with_two_reports_of_the_day_archives_neither_and_says_why(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    from tests.bot.reports.test_parser import HEADER, paper_block

    for name, arxiv in (("report-2026-05-06.md", "2605.00001"), ("digest-2026-05-06.md", "2605.00002")):
        text = HEADER.replace("2026-04-01", "2026-05-06") + paper_block("### {n}. {name}", arxiv=arxiv)
        (tmp_path / name).write_text(text, encoding="utf-8")
    archive = Archive(engine)
    errors: dict[dt.date, str] = {}
    assert await poll_reports(LocalSource(tmp_path), archive, TODAY, errors=errors) == []
    assert await archive.report_dates() == []
    assert "(digest-2026-05-06.md, report-2026-05-06.md)" in errors[TODAY]


class _BusyDeliverer:
    """A pass that lasts until the stop: what a busy replica's long fan-out looks like to the clock."""

    notices = None

    def __init__(self) -> None:
        self.passes = 0
        self.release = asyncio.Event()

    async def run_pass(self, now: dt.datetime | None = None, *, plan: bool = True) -> dict[str, int]:
        self.passes += 1
        await self.release.wait()
        return {}

    async def shutdown(self, grace: float) -> int:
        self.release.set()
        return 0


@pytest.mark.parametrize(("level", "logged"), [(logging.DEBUG, [logging.INFO]), (logging.WARNING, [])])
async def test_a_tick_skipped_while_the_last_still_runs_is_not_a_warning(
    caplog: pytest.LogCaptureFixture, level: int, logged: list[int]
) -> None:
    """APScheduler skips a tick whose previous run is still going (max_instances=1, on purpose) and
    logs it as a WARNING, on every busy replica; operators alert on WARNING, so paperbot logs it
    at INFO, and not at all when APScheduler's logger is quieted (below --debug)."""
    from typing import cast

    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobEvent

    caplog.set_level(level, logger="apscheduler")
    busy = _BusyDeliverer()
    scheduler = Scheduler(cast(Deliverer, busy), None, cast(Archive, None))
    scheduler.start()
    skipped: list[JobEvent] = []
    try:
        assert scheduler._scheduler is not None
        scheduler._scheduler.add_listener(skipped.append, EVENT_JOB_MAX_INSTANCES)
        await until(lambda: busy.passes == 1)
        job = scheduler._scheduler.get_job("deliver")
        job.modify(next_run_time=job.next_run_time - TICK)  # due again while the first still runs
        await until(lambda: len(skipped) == 1)
    finally:
        await scheduler.shutdown(grace=0)
    assert busy.passes == 1
    found = [r.levelno for r in caplog.records if "maximum number of running instances" in r.getMessage()]
    assert found == logged
