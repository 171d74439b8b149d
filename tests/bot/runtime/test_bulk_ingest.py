"""`paperbot ingest` of a folder of many reports: worker processes, batches, the same outcome."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest

import bot.runtime.bulk_ingest
import bot.runtime.ingest_workers
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
from bot.reports.resolve import ReportJob, resolve
from bot.reports.sources.local import LocalSource
from bot.runtime.bulk_ingest import workers_for
from bot.runtime.cli import EXIT_TERMINATED, main
from bot.runtime.ingest_workers import AHEAD_PER_WORKER, POOL_MIN_FILES, read_file, start_early, take_early
from tests.bot.reports.test_parser import HEADER, paper_block
from tests.bot.runtime.test_cli_help import heavy_imported_by

FIRST = dt.date(2026, 4, 1)


def report(day: dt.date, *papers: tuple[str, str]) -> str:
    text = HEADER.replace("2026-04-01", day.isoformat())
    return text + "".join(paper_block("### {n}. {name}", arxiv=a, title=t) for a, t in papers)


def folder_of_reports(folder: Path, count: int) -> None:
    """`count` reports, each with a paper of its own and one that every report lists (merged),
    and an unreadable one in the middle."""
    folder.mkdir()
    for n in range(count):
        day = FIRST + dt.timedelta(days=n)
        papers = [(f"2604.{n + 100:05d}", f"Widget Number {n}"), ("2604.00001", f"Shared Paper, Take {n}")]
        (folder / f"report-{day}.md").write_text(report(day, *papers), encoding="utf-8")
    (folder / f"report-{FIRST + dt.timedelta(days=count // 2)}x.md").write_text("# Notes\n", encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


@pytest.mark.other_process  # worker processes
def test_worker_processes_and_batches_ingest_a_folder_as_one_report_at_a_time_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder_of_reports(folder, POOL_MIN_FILES + 2)
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    outcomes = []
    # In the pool: batches as large as can be, then a batch whenever a report is stored before
    # the next is ready; without: one report a batch.
    runs = [("large", bot.runtime.bulk_ingest.BATCH_PAPERS, 10**6), ("eager", 10**6, 1), ("one", 1, 1)]
    for name, batch, smallest in runs:
        pooled = name != "one"
        monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}")
        monkeypatch.setattr(bot.runtime.ingest_workers, "POOL_MIN_FILES", 2 if pooled else 10**6)
        monkeypatch.setattr(bot.runtime.bulk_ingest, "BATCH_PAPERS", batch)
        monkeypatch.setattr(bot.runtime.bulk_ingest, "MIN_BATCH_PAPERS", smallest)
        status, out, err = run(capsys, "ingest", str(folder))
        again = run(capsys, "ingest", str(folder))[1]
        found = [run(capsys, "lookup", query)[1] for query in ("widget", "shared take", "2604.00001")]
        outcomes.append((status, out, err, again, found))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    status, out, err, again, found = outcomes[0]
    assert status == 2
    assert "x.md:1: not a Daily Papers report" in err
    assert len(out) == POOL_MIN_FILES + 2
    assert out[0] == "2026-04-01: 2 papers archived (2 new, 0 updated)"
    assert out[1] == "2026-04-02: 2 papers archived (1 new, 1 updated)"
    assert all("already archived, unchanged" in line for line in again)
    assert "Shared Paper, Take 13" in found[2][0]  # the newest report's title won
    with sqlite3.connect(tmp_path / "large.db") as db:
        # A new file's 16 KiB pages and incremental auto-vacuum; the free pages given back.
        assert db.execute("PRAGMA page_size").fetchone()[0] == 16_384
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_workers_only_for_enough_files(tmp_path: Path) -> None:
    async def nothing() -> None:
        return None

    files = [ReportJob(f"f{n}", nothing, required=True, path=tmp_path / f"f{n}.md") for n in range(40)]
    days = [ReportJob(f"d{n}", nothing, required=False) for n in range(40)]
    assert workers_for(files[: POOL_MIN_FILES - 1]) == 0
    assert workers_for(days) == 0
    assert workers_for(files) == (0 if (os.cpu_count() or 1) < 2 else min(40, os.cpu_count() or 1))


class Pool(Executor):
    """A stand-in for ProcessPoolExecutor: it runs each read in a thread of this process, and
    keeps what it was asked (`reads`: path and size limit, in order) and whether it was stopped."""

    made: ClassVar[list[Pool]] = []

    def __init__(self, *, max_workers: int, mp_context: Any, initializer: Any, initargs: Any) -> None:
        self.threads = ThreadPoolExecutor(max_workers, initializer=initializer, initargs=initargs)
        self.workers, self.reads, self.stopped = max_workers, list[tuple[str, int]](), False
        self.initargs = initargs
        Pool.made.append(self)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        path, max_bytes = args
        self.reads.append((path, max_bytes))
        return self.threads.submit(fn, path, max_bytes)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stopped = True
        self.threads.shutdown(wait=wait, cancel_futures=cancel_futures)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[Pool]:
    """The pools `paperbot ingest` starts, run in threads; the workers' state as it was after."""
    monkeypatch.setattr(bot.runtime.ingest_workers, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(os, "nice", lambda increment: 0)  # the threads are this process
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for name in ("_stored", "_hashes_told", "_hashes_file", "_early"):
        monkeypatch.setattr(bot.runtime.ingest_workers, name, getattr(bot.runtime.ingest_workers, name))
    monkeypatch.setattr(Pool, "made", [])
    return Pool.made


def test_the_workers_start_reading_before_the_database_is_opened_only_for_enough_report_files(
    pools: list[Pool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder_of_reports(tmp_path / "many", POOL_MIN_FILES)
    folder_of_reports(tmp_path / "few", POOL_MIN_FILES - 3)
    for hidden in range(5):  # `.DS_Store` and the like are no reports
        (tmp_path / "few" / f".hidden-{hidden}").write_text("", encoding="utf-8")
    one_file = next((tmp_path / "many").iterdir())
    start_early([str(tmp_path / "few"), str(one_file), "2026-04-01", str(tmp_path / "missing")])
    assert pools == []
    assert take_early() is None
    sources = ["2026-04-01", str(tmp_path / "many"), str(one_file)]
    start_early(sources)
    # Read as the command will ask for them: in the order of its jobs, at the default limit.
    jobs = [job for source in sources for job in resolve(source, lambda: LocalSource(tmp_path))]
    asked = [(str(job.path), DEFAULT_MAX_REPORT_BYTES) for job in jobs if job.path is not None]
    assert [pool.reads for pool in pools] == [asked[: pools[0].workers * AHEAD_PER_WORKER]]
    early = take_early()
    assert early is not None
    assert early.executor is pools[0]
    assert take_early() is None
    early.shutdown()
    assert pools[0].stopped
    assert not Path(early.hashes_file).exists()
    # One core, or no fork server (Windows): the workers start when the command asks.
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    start_early([str(tmp_path / "many")])
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    start_early([str(tmp_path / "many")])
    assert len(pools) == 1
    assert take_early() is None


def test_a_worker_started_early_prepares_every_report_until_told_what_the_archive_holds(
    pools: list[Pool], tmp_path: Path
) -> None:
    from bot.runtime.ingest_workers import WORKER_NICENESS, EarlyPool, _start_worker

    niced: list[int] = []
    folder_of_reports(tmp_path / "reports", 1)
    path = str(tmp_path / "reports" / f"report-{FIRST}.md")
    told, hashes = threading.Event(), tmp_path / "hashes.txt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "nice", niced.append)
        _start_worker(None, told, str(hashes))
    assert niced == [WORKER_NICENESS]  # the process that stores comes first
    first = read_file(path, 10**6).prepared
    assert first is not None
    assert len(first.paper_terms) == 2  # not known yet: prepared
    EarlyPool(
        Pool(max_workers=1, mp_context=None, initializer=None, initargs=()), {}, told, str(hashes)
    ).tell(frozenset({first.digest, "another"}))
    again = read_file(path, 10**6).prepared
    assert again is not None
    assert again.digest == first.digest
    assert again.paper_terms == ()


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize("missing", ["a temporary file", "a semaphore"])
def test_without_a_temporary_file_or_a_semaphore_the_workers_start_when_the_command_asks(
    pools: list[Pool],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    missing: str,
) -> None:
    folder = tmp_path / "reports"
    folder_of_reports(folder, POOL_MIN_FILES)
    left: list[str] = []
    mkstemp = tempfile.mkstemp

    def kept(*args: Any, **kwargs: Any) -> tuple[int, str]:
        descriptor, name = mkstemp(*args, **kwargs)
        left.append(name)
        return descriptor, name

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        if missing == "a temporary file":
            patch.setattr(tempfile, "mkstemp", refused)
        else:  # a container without /dev/shm
            patch.setattr(tempfile, "mkstemp", kept)
            patch.setattr(multiprocessing.context.BaseContext, "Event", refused)
        start_early([str(folder)])
    assert take_early() is None
    assert pools == []
    assert not [name for name in left if Path(name).exists()]  # nothing left behind
    # The command itself starts its workers, as before.
    status, out, _err = run(capsys, "ingest", str(folder))
    assert status == 2  # the unreadable file, as ever
    assert len(out) == POOL_MIN_FILES
    assert len(pools) == 1  # started when the command asked


@pytest.mark.usefixtures("database")
def test_sigterm_while_the_command_starts_stops_the_workers_started_early(
    pools: list[Pool], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Before the command's event loop takes SIGTERM over, SIGTERM ended the process at once and
    # left the workers started early (and the fork server) waiting for work forever.
    folder = tmp_path / "reports"
    folder_of_reports(folder, POOL_MIN_FILES)
    start = bot.runtime.ingest_workers.start_early

    def started_then_stopped(sources: list[str]) -> None:
        start(sources)
        os.kill(os.getpid(), signal.SIGTERM)

    def not_taken_over(signum: int, frame: object) -> None:
        raise AssertionError("SIGTERM reached the test's handler: the command did not take it")

    monkeypatch.setattr(bot.runtime.ingest_workers, "start_early", started_then_stopped)
    before = signal.signal(signal.SIGTERM, not_taken_over)
    try:
        status, out, err = run(capsys, "ingest", str(folder))
        assert signal.getsignal(signal.SIGTERM) == not_taken_over  # the command's was undone
    finally:
        signal.signal(signal.SIGTERM, before)
    assert status == EXIT_TERMINATED
    assert out == []
    assert "stopped by SIGTERM while starting; nothing was archived" in err
    assert pools[0].stopped
    assert not Path(pools[0].initargs[2]).exists()  # the hashes file


def test_a_worker_ends_when_the_main_process_is_gone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Killed (SIGKILL, the OOM killer), the main process cannot stop its workers.
    from bot.runtime import ingest_workers

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    hashes = tmp_path / "hashes.txt"
    hashes.write_text("", encoding="ascii")
    monkeypatch.setattr(ingest_workers, "_hashes_file", str(hashes))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)

    def exit_now(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(SystemExit):
        ingest_workers._end_with(gone.pid)
    assert not hashes.exists()


def test_a_worker_refused_a_lower_priority_or_its_hashes_file_goes_on(
    pools: list[Pool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.runtime.ingest_workers import _start_worker, _stored_hashes

    def refused(increment: int) -> int:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "nice", refused)
    told = threading.Event()
    told.set()
    _start_worker(None, told, str(tmp_path / "removed-by-a-tmp-cleaner.txt"))
    assert _stored_hashes() == frozenset()  # every report prepared, none refused


def test_a_full_disk_leaves_the_workers_preparing_every_report(tmp_path: Path) -> None:
    from bot.runtime.ingest_workers import EarlyPool

    told = threading.Event()
    executor = Pool(max_workers=1, mp_context=None, initializer=None, initargs=())
    EarlyPool(executor, {}, told, str(tmp_path / "no such folder" / "hashes.txt")).tell(frozenset({"x"}))
    assert not told.is_set()


@pytest.mark.usefixtures("database")
def test_the_command_uses_the_reads_started_early_and_stops_them_when_it_fails(
    pools: list[Pool], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder_of_reports(folder, POOL_MIN_FILES + 30)
    files = [str(job.path) for job in resolve(str(folder), lambda: LocalSource(folder))]
    status, out, _err = run(capsys, "ingest", str(folder))
    assert status == 2  # the unreadable file fails, as before
    assert len(out) == POOL_MIN_FILES + 30
    # One pool, each file read once, the first ones before the command asked.
    assert len(pools) == 1
    assert [path for path, _limit in pools[0].reads] == files
    assert pools[0].stopped
    # Another size limit: the reads started early are not used, and are stopped.
    monkeypatch.setenv("PAPERBOT_MAX_REPORT_BYTES", "100000")
    run(capsys, "ingest", str(folder))
    started_early = pools[1].reads[: -len(files)]
    assert started_early
    assert {limit for _path, limit in started_early} == {DEFAULT_MAX_REPORT_BYTES}
    assert pools[1].reads[-len(files) :] == [(path, 100_000) for path in files]
    assert pools[1].stopped
    # A command that fails before it ingests (the database cannot be opened) stops them too.
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    status, _out, err = run(capsys, "ingest", str(folder))
    assert status != 0
    assert "missing" in err
    assert pools[2].stopped
    assert take_early() is None


@pytest.mark.other_process  # a worker process
def test_without_a_fork_server_the_workers_are_spawned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder_of_reports(tmp_path / "reports", 1)
    path = tmp_path / "reports" / f"report-{FIRST}.md"
    # As on Windows: no fork server to ask for.
    get_context = multiprocessing.get_context

    def no_fork_server(method: str | None = None) -> Any:
        if method == "forkserver":
            raise ValueError("cannot find context for 'forkserver'")
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", no_fork_server)
    with bot.runtime.ingest_workers.pool(1, frozenset()) as executor:
        loaded = executor.submit(read_file, str(path), 10**6).result()
    assert loaded.prepared is not None
    assert [paper.arxiv_id for paper in loaded.prepared.report.papers] == ["2604.00100", "2604.00001"]


@pytest.mark.other_process
def test_the_workers_import_the_parser_and_none_of_the_heavy_libraries() -> None:
    """What the fork server preloads: its start runs while `paperbot ingest` itself imports
    SQLAlchemy and migrates, and is short only without these (issue 17)."""
    from bot.runtime.ingest_workers import _PRELOAD

    code = f"import importlib\nfor name in {_PRELOAD!r}:\n    importlib.import_module(name)"
    assert heavy_imported_by(code) == "[]"


def lookup_ids(capsys: pytest.CaptureFixture[str], *ids: str) -> dict[str, str | None]:
    """Each id's archived date, or None when the archive does not hold it."""
    found: dict[str, str | None] = {}
    for arxiv_id in ids:
        status, out, _err = run(capsys, "lookup", arxiv_id, "--json")
        assert status == 0
        hits = json.loads("\n".join(out))
        found[arxiv_id] = hits[0]["date"] if hits and hits[0]["arxiv_id"] == arxiv_id else None
    return found


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'archive.db'}")
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)


SECOND, THIRD = FIRST + dt.timedelta(days=1), FIRST + dt.timedelta(days=2)


@pytest.mark.parametrize(
    "pooled", [False, pytest.param(True, marks=pytest.mark.other_process)], ids=["here", "workers"]
)
@pytest.mark.usefixtures("database")
def test_two_reports_of_one_day_in_a_folder_are_both_refused_and_the_archived_day_kept(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pooled: bool
) -> None:
    monkeypatch.setattr(bot.runtime.ingest_workers, "POOL_MIN_FILES", 2 if pooled else 10**6)
    monkeypatch.setattr(bot.runtime.bulk_ingest, "BATCH_PAPERS", 1)  # nothing waits to be stored
    monkeypatch.setattr(bot.runtime.bulk_ingest, "MIN_BATCH_PAPERS", 1)
    archived = tmp_path / f"report-{SECOND}.md"
    archived.write_text(report(SECOND, ("2604.00200", "Archived Widget")), encoding="utf-8")
    assert run(capsys, "ingest", str(archived))[0] == 0
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / f"report-{FIRST}.md").write_text(report(FIRST, ("2604.00101", "Widget One")), encoding="utf-8")
    (folder / f"digest-{SECOND}.md").write_text(
        report(SECOND, ("2604.00201", "Widget Two")), encoding="utf-8"
    )
    (folder / f"report-{SECOND}.md").write_text(
        report(SECOND, ("2604.00202", "Widget Three")), encoding="utf-8"
    )
    (folder / f"report-{THIRD}.md").write_text(report(THIRD, ("2604.00301", "Widget Four")), encoding="utf-8")
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 2
    assert out == [
        "2026-04-01: 1 paper archived (1 new, 0 updated)",
        "2026-04-03: 1 paper archived (1 new, 0 updated)",
    ]
    assert (
        f"paperbot: error: 2026-04-02: 2 reports for this day in {folder} "
        f"(digest-2026-04-02.md, report-2026-04-02.md); neither archived"
    ) in err
    assert "paperbot: 2 of 4 reports could not be read" in err
    assert lookup_ids(capsys, "2604.00200", "2604.00201", "2604.00202", "2604.00301") == {
        "2604.00200": "2026-04-02",  # the day as archived before: nothing of it lost
        "2604.00201": None,
        "2604.00202": None,
        "2604.00301": "2026-04-03",
    }


@pytest.mark.usefixtures("database")
def test_a_report_named_without_its_day_waits_for_the_file_named_for_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bot.runtime.bulk_ingest, "BATCH_PAPERS", 1)
    monkeypatch.setattr(bot.runtime.bulk_ingest, "MIN_BATCH_PAPERS", 1)
    folder = tmp_path / "reports"
    folder.mkdir()
    # Read first (no date in its name), yet not stored before the day's own file is read.
    (folder / "README.md").write_text(report(SECOND, ("2604.00201", "Widget Two")), encoding="utf-8")
    (folder / f"report-{FIRST}.md").write_text(report(FIRST, ("2604.00101", "Widget One")), encoding="utf-8")
    (folder / f"report-{SECOND}.md").write_text(
        report(SECOND, ("2604.00202", "Widget Three")), encoding="utf-8"
    )
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 2
    assert out == ["2026-04-01: 1 paper archived (1 new, 0 updated)"]
    assert "2026-04-02: 2 reports for this day in" in err
    assert "(README.md, report-2026-04-02.md); neither archived" in err
    assert lookup_ids(capsys, "2604.00201", "2604.00202") == {"2604.00201": None, "2604.00202": None}


@pytest.mark.usefixtures("database")
def test_a_report_dated_for_a_day_already_archived_in_the_run_is_refused_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / f"report-{SECOND}.md").write_text(
        report(SECOND, ("2604.00201", "Widget Two")), encoding="utf-8"
    )
    # Named for the third day, but its text says the second: read only after the second is settled.
    (folder / f"report-{THIRD}.md").write_text(
        report(SECOND, ("2604.00202", "Widget Three")), encoding="utf-8"
    )
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 2
    assert out == ["2026-04-02: 1 paper archived (1 new, 0 updated)"]
    assert (
        f"paperbot: error: 2026-04-02: report-2026-04-03.md is another report for this day in {folder} "
        "(report-2026-04-02.md was archived before it was read); not archived"
    ) in err
    assert lookup_ids(capsys, "2604.00201", "2604.00202") == {"2604.00201": "2026-04-02", "2604.00202": None}


@pytest.mark.usefixtures("database")
def test_files_named_one_by_one_are_stored_in_turn_as_before(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, corrected = tmp_path / "old.md", tmp_path / "new.md"
    first.write_text(report(SECOND, ("2604.00201", "Widget Two")), encoding="utf-8")
    corrected.write_text(report(SECOND, ("2604.00202", "Widget Three")), encoding="utf-8")
    status, out, _err = run(capsys, "ingest", str(first), str(corrected))
    assert status == 0
    assert out[1] == "2026-04-02: 1 paper archived (1 new, 0 updated, 1 removed from that day)"


@pytest.mark.usefixtures("database")
def test_a_folders_undated_files_that_are_not_reports_are_noted_not_failures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / f"report-{FIRST}.md").write_text(report(FIRST, ("2604.00101", "Widget One")), encoding="utf-8")
    (folder / "README.md").write_text("# Daily reports\n\nOne file a day.\n", encoding="utf-8")
    (folder / "SOURCES.json").write_text('{"source": "nowhere"}', encoding="utf-8")
    # Without a date in its name but dated by its text: a report, read as before.
    (folder / "digest.md").write_text(report(SECOND, ("2604.00201", "Widget Two")), encoding="utf-8")
    # A real report whose day is neither in its name nor in its text: not readable, yet named.
    undated = report(THIRD, ("2604.00301", "Widget Three"))
    undated = "\n".join(line for line in undated.splitlines() if "2026-04-03" not in line)
    (folder / "notes.md").write_text(undated, encoding="utf-8")
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 0
    assert out == [  # digest.md first: files without a date in their names are read first
        "2026-04-02: 1 paper archived (1 new, 0 updated)",
        "2026-04-01: 1 paper archived (1 new, 0 updated)",
    ]
    assert err.splitlines() == [
        f"{folder}: ignored 3 files with no date in their names that are not reports "
        "(README.md, SOURCES.json, notes.md; paperbot parse FILE says why)"
    ]
    # A file named for a day is a report whatever it holds: one that cannot be read still fails.
    (folder / f"report-{THIRD}.md").write_text("# Notes\n", encoding="utf-8")
    status, _out, err = run(capsys, "ingest", str(folder))
    assert status == 2
    assert f"report-{THIRD}.md:1: not a Daily Papers report" in err
    assert "ignored 3 files with no date in their names" in err


def test_the_note_of_undated_files_names_ten_and_counts_the_rest() -> None:
    from bot.runtime.bulk_ingest import not_reports_note

    names = [f"notes-{n:02d}.md" for n in range(12)]
    note = not_reports_note(Path("reports"), names)
    assert note.startswith("reports: ignored 12 files with no date in their names that are not reports (")
    assert "notes-09.md and 2 more; paperbot parse FILE says why)" in note
    assert not_reports_note(Path("r"), ["README.md"]) == (
        "r: ignored 1 file with no date in its name that is not a report "
        "(README.md; paperbot parse FILE says why)"
    )


@pytest.mark.usefixtures("database")
def test_saved_weekends_listing_no_papers_are_one_line_not_failures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A backfill of saved daily_papers answers holds the weekends' `[]`; each failed the run
    # ("the JSON lists no papers", exit 2) where the live hf-api source says "nothing that day".
    from tests.conftest import FIXTURES

    folder = tmp_path / "days"
    folder.mkdir()
    answer = (FIXTURES / "hf-api" / "daily-papers-api-answer-2025-06-02.json").read_text(encoding="utf-8")
    (folder / "2025-06-02.json").write_text(answer, encoding="utf-8")
    for day in ("2025-06-07", "2025-06-08"):
        (folder / f"{day}.json").write_text("[]", encoding="utf-8")
    status, out, err = run(capsys, "ingest", str(folder))
    assert status == 0
    assert out == ["2025-06-02: 3 papers archived (3 new, 0 updated)"]
    assert err.splitlines() == [
        "2 saved days list no papers (2025-06-07.json, 2025-06-08.json): nothing was published those "
        "days (weekends, holidays); nothing archived for them"
    ]
    # Asked for alone, the file is said to hold nothing, as a day asked for alone must exist.
    status, _out, err = run(capsys, "ingest", str(folder / "2025-06-07.json"))
    assert status == 2
    assert "2025-06-07.json: the JSON lists no papers: the answer for a day with nothing published" in err


def test_a_worker_reads_a_saved_empty_answer_as_a_day_with_nothing(tmp_path: Path) -> None:
    path = tmp_path / "2025-06-07.json"
    path.write_text("[]", encoding="utf-8")
    loaded = read_file(str(path), 1000)
    assert loaded.error is None
    assert loaded.prepared is None
    assert loaded.nothing is not None
