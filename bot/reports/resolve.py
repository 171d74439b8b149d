"""Turning a command-line SOURCE (a file, a folder, a URL, a date or a date range) into reports."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BadInputError
from bot.models import Report
from bot.ports import ReportSource
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES
from bot.reports.sources.local import REPORT_SUFFIXES, LocalSource, scan_folder

_DATE_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
MAX_DATE_RANGE_DAYS = 366
_NAMES_IN_NOTE = 3  # a folder of photos should not fill the terminal


@dataclass(frozen=True, slots=True)
class ReportJob:
    """One report to fetch; `load` returns None when that day has no report (yet)."""

    label: str
    load: Callable[[], Awaitable[Report | None]]
    # A day asked for on its own must exist; days inside a range may be empty (weekends).
    required: bool
    # The file `load` reads, when it is one: bulk ingest reads such files in worker processes.
    path: Path | None = None
    # The folder `path` was found in: two reports of one day there are an error, since a folder
    # holds one report per day (bot/runtime/bulk_ingest.py).
    folder: Path | None = None


def _parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"invalid date {text!r} (expected YYYY-MM-DD)") from None


def resolve(
    argument: str,
    source: Callable[[], ReportSource],
    *,
    max_bytes: int = DEFAULT_MAX_REPORT_BYTES,
    on_note: Callable[[str], None] | None = None,
) -> list[ReportJob]:
    """The report jobs a SOURCE argument stands for. `source` gives the configured report source;
    files and URLs named directly are refused past `max_bytes` (the configured source has its own).
    `on_note` hears what was passed over: the files of a folder that are not reports."""
    if argument.startswith(("http://", "https://")):
        # The HTTP client (httpx, 40 ms to import) only when a URL is given: a folder needs none.
        from bot.reports.sources.url import fetch_report_url

        return [ReportJob(argument, lambda: fetch_report_url(argument, max_bytes=max_bytes), required=True)]
    dates = _DATE_RANGE.match(argument)
    if dates:
        first = _parse_day(dates.group(1))
        last = _parse_day(dates.group(2)) if dates.group(2) else first
        if last < first:
            raise BadInputError(f"date range {argument!r} ends before it starts")
        if (last - first).days >= MAX_DATE_RANGE_DAYS:
            raise BadInputError(f"date range {argument!r} is longer than {MAX_DATE_RANGE_DAYS} days")
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [_day_job(day, source, required=len(days) == 1) for day in days]
    path = Path(argument).expanduser()
    if path.is_dir():
        contents = scan_folder(path)
        if not contents.reports:
            others = f" (only {_files(contents.ignored)})" if contents.ignored else ""
            raise BadInputError(f"{argument}: no report files ({_suffixes()}) in this folder{others}")
        if contents.ignored and on_note is not None:
            count = len(contents.ignored)
            what = "1 file that is" if count == 1 else f"{count} files that are"
            on_note(f"{argument}: ignored {what} not {_suffixes()} ({_names(contents.ignored)})")
        return [_file_job(file, max_bytes, folder=path) for file in contents.reports]
    if path.is_file():
        return [_file_job(path, max_bytes)]
    raise BadInputError(f"{argument}: no such file or folder, and not a URL or a date (YYYY-MM-DD)")


def _suffixes() -> str:
    return " or ".join(REPORT_SUFFIXES)


def _names(files: list[Path]) -> str:
    more = ", …" if len(files) > _NAMES_IN_NOTE else ""
    return ", ".join(file.name for file in files[:_NAMES_IN_NOTE]) + more


def _files(files: list[Path]) -> str:
    return f"{'1 other file' if len(files) == 1 else f'{len(files)} other files'}: {_names(files)}"


def _file_job(path: Path, max_bytes: int, *, folder: Path | None = None) -> ReportJob:
    async def load() -> Report:
        return await LocalSource(path, max_bytes=max_bytes).read()

    return ReportJob(str(path), load, required=True, path=path, folder=folder)


def _day_job(day: dt.date, source: Callable[[], ReportSource], *, required: bool) -> ReportJob:
    async def load() -> Report | None:
        return await source().fetch(day)

    return ReportJob(day.isoformat(), load, required=required)
