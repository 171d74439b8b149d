"""`paperbot ingest` of many reports: read and prepared in worker processes where that pays, stored
in batches of about BATCH_PAPERS papers, one transaction each (issue 17: a backfill in seconds).

Every report still goes through the archive's rules, in the order given (bot/store/archive.py:
idempotence by content hash, the field-by-field merge, EmptyReportRefused), and its result line
is printed in that order; a folder's report waits while another file of the folder may still
give its day (`_Days`: two reports of one day are both refused). A progress bar with papers/s
shows on a terminal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import BadInputError, PaperbotError
from bot.models import Report
from bot.reports.sources.hf_api import NothingListed
from bot.reports.sources.local import date_in_name
from bot.runtime.ingest_workers import (
    AHEAD_PER_WORKER,
    EarlyPool,
    Loaded,
    pool,
    read_file,
    take_early,
    worker_count,
)
from bot.store.archive import Archive, EmptyReportRefused
from bot.store.prepared import PreparedReport, prepare

if TYPE_CHECKING:
    from bot.reports.resolve import ReportJob

# Papers per transaction at most: large enough that a transaction's fixed costs (reading the
# stored papers of the batch, the commit, SQLite's FTS5 segment flush) are spread thin, small
# enough that memory stays flat however large the folder.
BATCH_PAPERS = 2_000
# Fewer are stored at once when the workers have nothing more ready: storing what is there
# keeps this process busy instead of waiting, and leaves less to store after the last report
# is read. Below this many, it waits for more: each batch's commit writes a segment of each FTS5
# table, so small batches cost more a paper (10,000 papers: 3.46 s in batches of 1,000 or more,
# 3.57 s from 200, benchmarks/bench_ingest.py).
MIN_BATCH_PAPERS = 1_000


def workers_for(jobs: Sequence[ReportJob]) -> int:
    """How many worker processes to read `jobs` with: none for a few files or one core."""
    return worker_count(sum(1 for job in jobs if job.path is not None))


async def _loaded(
    jobs: Sequence[ReportJob], max_bytes: int, workers: int, stored: frozenset[str]
) -> AsyncIterator[tuple[ReportJob, Loaded, bool]]:
    """Each job's outcome, in order, and whether the next one is ready already: files through
    the pool (when there is one: the one `paperbot ingest` started early, if it did), the rest
    here."""
    early: EarlyPool | None = take_early()
    if early is not None and not workers:
        early.shutdown()
        early = None
    if early is not None:
        early.tell(stored)
        for key in [key for key in early.reads if key[1] != max_bytes]:
            early.reads.pop(key).cancel()  # read at the default limit; this command has another
    executor = early.executor if early is not None else pool(workers, stored) if workers else None
    reads = early.reads if early is not None else {}  # by (path, size limit)
    ahead: deque[Future[Loaded] | None] = deque()
    upcoming = iter(jobs)

    def submit() -> None:
        job = next(upcoming, None)
        if job is None:
            return
        if executor is not None and job.path is not None:
            read = reads.pop((str(job.path), max_bytes), None)
            ahead.append(read if read is not None else executor.submit(read_file, str(job.path), max_bytes))
        else:
            ahead.append(None)  # read here, when its turn comes

    try:
        for _ in range(workers * AHEAD_PER_WORKER or 1):
            submit()
        for job in jobs:
            future = ahead.popleft()
            submit()
            if future is not None:
                loaded = await asyncio.wrap_future(future)
            else:
                loaded = await _load_here(job, stored)
            following = ahead[0] if ahead else None
            yield job, loaded, following is None or following.done()
    finally:
        # Reports not started are dropped (a stop, an error); at most one per worker finishes.
        if early is not None:
            early.shutdown()
        elif executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


async def _load_here(job: ReportJob, stored: frozenset[str]) -> Loaded:
    try:
        report = await job.load()
    except NothingListed as exc:
        return Loaded(nothing=str(exc))
    except BadInputError as exc:
        return Loaded(error=str(exc))
    if report is None:
        if job.required:
            return Loaded(error=f"{job.label}: no report published for this date")
        return Loaded()
    return Loaded(prepare(report, stored=stored))


async def ingest_jobs(
    archive: Archive,
    jobs: Sequence[ReportJob],
    *,
    max_bytes: int,
    warn: Callable[[Report], None],
    workers: int | None = None,
) -> int:
    """Ingest every job's report, printing one line each (as `paperbot ingest` does); the number
    of reports that could not be read or stored. Two reports of one day in a folder are both
    refused (`_Days`). Several reports are a bulk load (Archive.bulk_load)."""
    if len(jobs) < 2:
        return await _ingest_each(archive, jobs, max_bytes=max_bytes, warn=warn, workers=workers)
    async with archive.bulk_load():
        return await _ingest_each(archive, jobs, max_bytes=max_bytes, warn=warn, workers=workers)


async def _ingest_each(
    archive: Archive,
    jobs: Sequence[ReportJob],
    *,
    max_bytes: int,
    warn: Callable[[Report], None],
    workers: int | None,
) -> int:
    failures = 0
    batch: list[tuple[PreparedReport, str | None]] = []
    papers_in_batch = 0
    days = _Days(jobs)
    not_reports: dict[Path, list[str]] = {}  # by folder: undated files that are not reports
    nothing_listed: list[str] = []  # saved answers listing no papers (weekends), when not alone
    with _Progress(len(jobs)) as progress:

        async def flush() -> None:
            nonlocal failures, papers_in_batch
            if not batch:
                return
            for result in await archive.ingest_many(batch):
                if isinstance(result, EmptyReportRefused):
                    failures += 1
                    print(f"paperbot: error: {result}", file=sys.stderr)
                else:
                    print(result.describe())
            progress.advance(len(batch), papers_in_batch)
            batch.clear()
            papers_in_batch = 0

        async def refuse(message: str, reports: int) -> None:
            nonlocal failures
            await flush()  # what was read before these reports is reported before them
            failures += reports
            print(f"paperbot: error: {message}", file=sys.stderr)
            progress.advance(reports, 0)

        def store(prepared: PreparedReport, label: str) -> None:
            nonlocal papers_in_batch
            batch.append((prepared, label))
            papers_in_batch += len(prepared.report.papers)

        chosen = workers_for(jobs) if workers is None else workers
        stored = await archive.content_hashes() if len(jobs) > 1 else frozenset[str]()
        n = -1
        async for job, loaded, next_ready in _loaded(jobs, max_bytes, chosen, stored):
            n += 1
            if loaded.prepared is None:
                await flush()  # what was read before this report is reported before it
                if loaded.fatal is not None:
                    raise PaperbotError(loaded.fatal)
                if loaded.error is not None and (folder := _undated_in_folder(job)) is not None:
                    # A folder's README.md or SOURCES.md beside its reports: passed over like its
                    # other files, and named at the end, so that a real report that was misnamed
                    # is still seen. A file named for a day that fails is a failure.
                    not_reports.setdefault(folder, []).append(Path(job.label).name)
                elif loaded.nothing is not None and len(jobs) > 1:
                    # A backfill of saved days holds the weekends' `[]` too: days with nothing
                    # published, as the live API source reads them, named once at the end.
                    nothing_listed.append(job.label)
                elif loaded.error is not None or loaded.nothing is not None:
                    failures += 1
                    print(f"paperbot: error: {loaded.error or loaded.nothing}", file=sys.stderr)
                else:
                    print(f"{job.label}: no report published", file=sys.stderr)
                progress.advance(1, 0)
            else:
                warn(loaded.prepared.report)
                if job.folder is None:
                    store(loaded.prepared, job.label)
                elif late := days.hold(n, job, loaded.prepared):
                    await refuse(late, 1)
            for day, reports in days.settled(n):
                if len(reports) == 1:
                    store(*reports[0])
                else:
                    await refuse(day.refusal(), len(reports))
            if papers_in_batch >= (BATCH_PAPERS if next_ready else MIN_BATCH_PAPERS):
                await flush()
        await flush()
    if nothing_listed:
        print(nothing_listed_note(nothing_listed), file=sys.stderr)
    for folder, names in not_reports.items():
        print(not_reports_note(folder, names), file=sys.stderr)
    return failures


def _undated_in_folder(job: ReportJob) -> Path | None:
    """The folder of a job whose file has no date in its name, else None."""
    if job.folder is None or job.path is None or date_in_name(job.path.name) is not None:
        return None
    return job.folder


# Names in the note of a folder's undated files that are not reports: more than the note of its
# other files names (3), since one of them may be a report that was misnamed.
_NOT_REPORTS_NAMED = 10


def nothing_listed_note(labels: list[str]) -> str:
    """The line naming the saved answers that list no papers: days with nothing published."""
    shown = ", ".join(Path(label).name for label in labels[:_NOT_REPORTS_NAMED])
    if len(labels) > _NOT_REPORTS_NAMED:
        shown += f" and {len(labels) - _NOT_REPORTS_NAMED} more"
    if len(labels) == 1:
        return f"1 saved day lists no papers ({shown}): nothing was published that day; nothing archived"
    return (
        f"{len(labels)} saved days list no papers ({shown}): nothing was published those days "
        "(weekends, holidays); nothing archived for them"
    )


def not_reports_note(folder: Path, names: list[str]) -> str:
    """The line naming a folder's files without a date in their names that are not reports."""
    what = (
        "1 file with no date in its name that is not a report"
        if len(names) == 1
        else f"{len(names)} files with no date in their names that are not reports"
    )
    shown = ", ".join(names[:_NOT_REPORTS_NAMED])
    if len(names) > _NOT_REPORTS_NAMED:
        shown += f" and {len(names) - _NOT_REPORTS_NAMED} more"
    return f"{folder}: ignored {what} ({shown}; paperbot parse FILE says why)"


@dataclass(slots=True, eq=False)
class _Day:
    """One day of a folder: the files read so far that give it, their reports while they wait,
    and the index of the last job whose file is named for it (the last that may be one more)."""

    day: dt.date
    folder: Path
    until: int
    names: list[str] = field(default_factory=list)
    reports: list[tuple[PreparedReport, str]] = field(default_factory=list)
    settled: bool = False  # no more of its reports can come: stored if alone, else refused

    def refusal(self) -> str:
        none = "neither" if len(self.names) == 2 else "none"
        return (
            f"{self.day}: {len(self.names)} reports for this day in {self.folder} ({', '.join(self.names)}); "
            f"{none} archived, since each would replace the other: keep one report per day in a folder"
        )


class _Days:
    """One report per day of a folder. Two reports of one day would each replace the other in
    the archive, whichever came last winning, so neither is stored: a report waits until every
    file of its folder named for its day is read (files are read by the date in their names, so
    these come together), and is stored only if it is alone. A file whose name holds another day
    but whose text gives one settled already comes too late to hold the first back: it alone is
    refused, and says so. Only the names of a settled day's files are kept, so that memory stays
    flat however large the folder."""

    def __init__(self, jobs: Sequence[ReportJob]) -> None:
        self.last_named: dict[tuple[Path, dt.date], int] = {}
        for n, job in enumerate(jobs):
            if job.folder is not None and job.path is not None and (day := date_in_name(job.path.name)):
                self.last_named[(job.folder, day)] = n
        self.days: dict[tuple[Path, dt.date], _Day] = {}
        self.waiting: list[_Day] = []

    def hold(self, n: int, job: ReportJob, prepared: PreparedReport) -> str | None:
        """Hold the report of job `n` (from a folder) until its day is settled; the error's text
        when its day was settled before it was read."""
        assert job.folder is not None
        key = (job.folder, prepared.report.date)
        day = self.days.get(key)
        if day is None:
            day = self.days[key] = _Day(key[1], job.folder, max(n, self.last_named.get(key, n)))
            self.waiting.append(day)
        elif day.settled:
            first = ", ".join(day.names)
            what = (
                f"{first} was archived before it was read" if len(day.names) == 1 else f"{first} were refused"
            )
            return (
                f"{day.day}: {Path(job.label).name} is another report for this day in {job.folder} "
                f"({what}); not archived: keep one report per day in a folder"
            )
        day.names.append(Path(job.label).name)
        day.reports.append((prepared, job.label))
        return None

    def settled(self, n: int) -> list[tuple[_Day, list[tuple[PreparedReport, str]]]]:
        """The days no file after job `n` is named for, in the order they were first read, each
        with its reports (handed over: the day keeps only their names)."""
        done = [day for day in self.waiting if day.until <= n]
        if not done:
            return []
        self.waiting = [day for day in self.waiting if day.until > n]
        handed = []
        for day in done:
            day.settled = True
            handed.append((day, day.reports))
            day.reports = []
        return handed


class _Progress:
    """A progress bar with papers/s on stderr when it is a terminal and there are several
    reports; nothing otherwise (rich is not even imported)."""

    def __init__(self, total: int) -> None:
        self.bar: Any = None
        self.papers = 0
        self.started = time.perf_counter()
        if total < 2 or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("reports · {task.fields[papers]:,} papers · {task.fields[rate]:,.0f} papers/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task("ingesting", total=total, papers=0, rate=0.0)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def advance(self, reports: int, papers: int) -> None:
        self.papers += papers
        if self.bar is not None:
            rate = self.papers / max(time.perf_counter() - self.started, 1e-6)
            self.bar.update(self.task, advance=reports, papers=self.papers, rate=rate)

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
