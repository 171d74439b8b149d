"""The worker processes of bulk ingest (bot/runtime/bulk_ingest.py): each reads, parses and
prepares report files (bot/store/prepared.py) while the main process stores.

This module imports nothing heavy, so that `paperbot ingest FOLDER` can start the workers'
fork server first thing (`start_early`), before it imports SQLAlchemy and migrates the archive:
the server's own start (a fresh interpreter importing the parser, ~0.15 s) then runs on the
other core meanwhile, instead of before the first report is read.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.prepared import PreparedReport

# Report files read in this process below this many: starting the workers costs more than
# parsing a few reports (~20 ms each).
POOL_MIN_FILES = 12
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


# In a worker: the content hashes the archive held when the run started.
_stored: frozenset[str] = frozenset()


def _remember(stored: frozenset[str]) -> None:
    global _stored
    _stored = stored


def read_file(path: str, max_bytes: int) -> Loaded:
    """In a worker: read, parse and prepare one report file. Errors come back as text, since
    paperbot's exceptions do not all survive pickling (ReportFormatError takes keywords)."""
    from bot.errors import BadInputError, PaperbotError
    from bot.reports.sources.hf_api import NothingListed
    from bot.reports.sources.local import read_report_file
    from bot.store.prepared import prepare

    try:
        return Loaded(prepare(read_report_file(Path(path), max_bytes), stored=_stored))
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
    """Start the fork server now when `sources` name a folder that may hold enough report files
    for a pool. Only a guess (files are counted, whatever they are): the command lists the
    folder properly later, and a server started for nothing costs the other core ~0.15 s."""
    if (os.cpu_count() or 1) < 2 or not _has_fork_server():
        return
    files = 0
    for source in sources:
        try:
            with os.scandir(source) as entries:
                files += sum(1 for entry in entries if not entry.name.startswith("."))
        except OSError:
            continue  # not a folder, or an unreadable one: the command itself says what is wrong
    if files >= POOL_MIN_FILES:
        _context()
        from multiprocessing import forkserver

        forkserver.ensure_running()


def pool(workers: int, stored: frozenset[str]) -> Executor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_remember, initargs=(stored,)
    )
