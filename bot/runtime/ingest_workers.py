"""The worker processes of bulk ingest (bot/runtime/bulk_ingest.py): each reads, parses and
prepares report files (bot/store/prepared.py) while the main process stores.

This module imports nothing heavy, so that `paperbot ingest FOLDER` can start the workers first
thing (`start_early`), before it imports SQLAlchemy and opens or migrates the archive (~0.4–0.6
s): the workers read the folder's first reports on the other core meanwhile, instead of
waiting for the command to ask. What the archive holds is not known yet then, so they prepare
every report they read until it is (`EarlyPool.tell`): a report already archived gets search
terms it does not need, on a core that was idle.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.store.prepared import PreparedReport


class Flag(Protocol):
    """What tells the workers the archive's hashes are written: a multiprocessing.Event."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


# Report files read in this process below this many: starting the workers costs more than
# parsing a few reports (~20 ms each).
POOL_MIN_FILES = 12
# How much lower the workers' CPU priority is than the main process's (os.nice). The main process
# stores what they read, one batch after another, and is the slower part whenever it has to share
# its core: three processes on two cores left it waiting for a core while the workers read ahead
# (bulk ingest of 10,000 papers: 3.55–3.59 s, against 3.61–3.84 s at the same priority).
WORKER_NICENESS = 10
# Reports read ahead per worker: enough that the workers go on through a whole batch while the
# main process stores the last one (~50 papers a report, so 2 × 24 reports ≥ bulk_ingest's
# BATCH_PAPERS), and no more, so that memory stays flat. With 4, the workers sat idle during
# every store: 6.6–7.4 s for 10,000 papers against 5.6–6.0 s (benchmarks/bench_ingest.py).
AHEAD_PER_WORKER = 24
# What the fork server imports once, so that each worker forked from it starts ready.
_PRELOAD = ["bot.runtime.ingest_workers", "bot.reports.sources.local", "bot.store.prepared"]


@dataclass(frozen=True, slots=True)
class Loaded:
    """One job's report, prepared to store, or why there is none."""

    prepared: PreparedReport | None = None
    error: str | None = None  # a BadInputError's text: this report is skipped, the run goes on
    # A saved answer listing no papers (hf_api.NothingListed): a day with nothing published, not
    # an error when it is one of several; its text, for when it is the only one.
    nothing: str | None = None
    fatal: str | None = None  # another PaperbotError's text (an unreadable file): the run stops


# How often a worker looks whether the main process is still there (`_end_with`).
_WATCH_SECONDS = 1.0
# In a worker: the content hashes the archive held when the run started; None until the main
# process says (a pool started early), and then read from `_hashes_file` once `_hashes_told`.
_stored: frozenset[str] | None = frozenset()
_hashes_told: Flag | None = None
_hashes_file = ""


def _start_worker(
    stored: frozenset[str] | None, told: Flag | None = None, file: str = "", main: int | None = None
) -> None:
    global _stored, _hashes_told, _hashes_file
    _stored, _hashes_told, _hashes_file = stored, told, file
    if hasattr(os, "nice"):  # not on Windows
        with contextlib.suppress(OSError):  # a sandbox that refuses: the same priority, slower
            os.nice(WORKER_NICENESS)
    if main is not None and main != os.getpid() and os.name == "posix":  # not a pool of threads
        threading.Thread(target=_end_with, args=(main,), name="paperbot-main-watch", daemon=True).start()


def _end_with(main: int) -> None:
    """In a worker: exit once the main process `main` is gone. Killed (SIGKILL, the OOM killer),
    it cannot stop its workers, which would wait for work forever and keep the fork server up."""
    while True:
        time.sleep(_WATCH_SECONDS)
        try:
            os.kill(main, 0)  # signal 0: is it there? (POSIX only: on Windows it is Ctrl-C)
        except ProcessLookupError:
            if _hashes_file:
                Path(_hashes_file).unlink(missing_ok=True)
            os._exit(1)
        except OSError:
            continue  # there, but another user's now (its pid reused): keep watching


def _stored_hashes() -> frozenset[str]:
    """In a worker: the hashes of the reports archived already, or none while not known yet."""
    global _stored
    if _stored is None:
        if _hashes_told is None or not _hashes_told.is_set():
            return frozenset()
        try:
            _stored = frozenset(Path(_hashes_file).read_text(encoding="ascii").split())
        except OSError:
            _stored = frozenset()  # removed meanwhile (a /tmp cleaner): prepare every report
    return _stored


def read_file(path: str, max_bytes: int) -> Loaded:
    """In a worker: read, parse and prepare one report file. Errors come back as text, since
    paperbot's exceptions do not all survive pickling (ReportFormatError takes keywords)."""
    from bot.errors import BadInputError, PaperbotError
    from bot.reports.sources.hf_api import NothingListed
    from bot.reports.sources.local import read_report_file
    from bot.store.prepared import prepare

    try:
        return Loaded(prepare(read_report_file(Path(path), max_bytes), stored=_stored_hashes()))
    except NothingListed as exc:
        return Loaded(nothing=str(exc))
    except BadInputError as exc:
        return Loaded(error=str(exc))
    except PaperbotError as exc:
        return Loaded(fatal=str(exc))


def worker_count(files: int) -> int:
    """How many worker processes to read `files` report files with: none for a few files or
    one core."""
    cores = os.cpu_count() or 1
    return 0 if files < POOL_MIN_FILES or cores < 2 else min(cores, files)


def _has_fork_server() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()  # not on Windows


def _context() -> multiprocessing.context.BaseContext:
    # forkserver, not fork: by the time the pool starts this process runs threads (aiosqlite's),
    # which fork copies badly; the server imports the parser once and forks each worker from it.
    # Where there is none, each worker is a fresh interpreter importing the parser itself.
    if not _has_fork_server():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def start_early(sources: Sequence[str]) -> None:
    """Start the workers now when `sources` name folders or files enough for a pool, and have
    them read the first reports, as `paperbot ingest` will ask for them (bot/reports/resolve.py
    lists a folder the same way) with the default size limit; a command that asks otherwise
    (another limit, fewer files) does not use them. `take_early` hands the pool over."""
    global _early
    if (os.cpu_count() or 1) < 2 or not _has_fork_server() or _early is not None:
        return
    from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
    from bot.reports.sources.local import scan_folder

    files: list[Path] = []
    for source in sources:
        path = Path(source).expanduser()
        try:
            files.extend(scan_folder(path).reports if path.is_dir() else [path] if path.is_file() else [])
        except OSError:
            continue  # an unreadable folder: the command itself says what is wrong
    workers = worker_count(len(files))
    if not workers:
        return
    try:
        _early = _early_pool(files, workers, DEFAULT_MAX_REPORT_BYTES)
    except (OSError, RuntimeError):
        # No temporary file, semaphore or process to be had now (a full disk, a container without
        # /dev/shm): the command starts its workers when it asks, and says there what is wrong.
        return


def _early_pool(files: list[Path], workers: int, max_bytes: int) -> EarlyPool:
    """A pool reading the first of `files`, its workers to be told the archive's hashes; nothing
    left behind (no process, no file) if it cannot be made."""
    descriptor, hashes_file = tempfile.mkstemp(prefix="paperbot-ingest-", suffix=".txt")
    os.close(descriptor)
    executor: ProcessPoolExecutor | None = None
    try:
        told = _context().Event()
        executor = _executor(workers, None, told, hashes_file)
        reads = {
            (str(path), max_bytes): executor.submit(read_file, str(path), max_bytes)
            for path in files[: workers * AHEAD_PER_WORKER]
        }
    except BaseException:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        Path(hashes_file).unlink(missing_ok=True)
        raise
    return EarlyPool(executor, reads, told, hashes_file)


@dataclass
class EarlyPool:
    """The workers `start_early` started, and the reads they were given, by (path, size limit)."""

    executor: Executor
    reads: dict[tuple[str, int], Future[Loaded]]
    told: Flag
    hashes_file: str

    def tell(self, stored: frozenset[str]) -> None:
        """Tell the workers what the archive holds: they prepare no report among `stored`."""
        try:
            Path(self.hashes_file).write_text("\n".join(sorted(stored)), encoding="ascii")
        except OSError:
            return  # a full disk: the workers go on preparing every report, which only costs time
        self.told.set()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        Path(self.hashes_file).unlink(missing_ok=True)


_early: EarlyPool | None = None


def take_early() -> EarlyPool | None:
    """The pool start_early started, once; None when there is none (or it was taken)."""
    global _early
    early, _early = _early, None
    return early


def stop_early() -> None:
    """Stop the early pool if the command ended without taking it (an error before ingesting)."""
    early = take_early()
    if early is not None:
        early.shutdown()


def pool(workers: int, stored: frozenset[str]) -> Executor:
    return _executor(workers, stored, None, "")


def _executor(
    workers: int, stored: frozenset[str] | None, told: Flag | None, hashes_file: str
) -> ProcessPoolExecutor:
    """`workers` worker processes, each started by `_start_worker` with these arguments and this
    process's pid (its watch)."""
    start = (stored, told, hashes_file, os.getpid())
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_start_worker, initargs=start
    )
