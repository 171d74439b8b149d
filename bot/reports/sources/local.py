"""Reports on disk: one file, or a folder holding a file per day."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BadInputError, ReportFormatError, SourceError
from bot.models import Report
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES, check_size
from bot.reports.sources.hf_api import NothingListed, parse_text

# Markdown reports, and saved answers of the daily_papers API (bot/reports/sources/hf_api.py);
# the README documents exactly these.
REPORT_SUFFIXES = (".md", ".json")
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class FolderContents:
    """A folder's report files, oldest date first, and the other files it holds (by name)."""

    reports: list[Path]
    ignored: list[Path]


def scan_folder(folder: Path) -> FolderContents:
    """The report files in a folder and the files that are not reports. Hidden files and
    subfolders are neither: `.DS_Store`, `._report.md` (macOS) and editors' lock files are no
    one's reports, and a note about them would only be noise."""
    reports: list[Path] = []
    ignored: list[Path] = []
    for path in folder.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        (reports if path.suffix.lower() in REPORT_SUFFIXES else ignored).append(path)
    reports.sort(key=lambda p: (_date_in_name(p) or dt.date.min, p.name))
    return FolderContents(reports, sorted(ignored, key=lambda p: p.name))


def report_files(folder: Path) -> list[Path]:
    """The report files in a folder, oldest date first (by the date in their names, then name)."""
    return scan_folder(folder).reports


def _date_in_name(path: Path) -> dt.date | None:
    return date_in_name(path.name)


def date_in_name(name: str) -> dt.date | None:
    """The YYYY-MM-DD date in a file name or URL, if any."""
    found = _DATE_IN_NAME.search(name)
    if not found:
        return None
    try:
        return dt.date.fromisoformat(found.group(1))
    except ValueError:
        return None


async def _read_in_thread(path: Path, max_bytes: int) -> Report:
    """read_report_file off the event loop. asyncio is imported here, not at the top: ingest's
    worker processes import this module, run no loop, and start faster without it."""
    import asyncio

    return await asyncio.to_thread(read_report_file, path, max_bytes)


def read_report_file(path: Path, max_bytes: int = DEFAULT_MAX_REPORT_BYTES) -> Report:
    """Read and parse one report file (blocking; call through a thread from async code).

    A file over `max_bytes` is refused from its size, unread; one that is not a regular file
    (a pipe, a device) or grows while read is cut off one byte past the limit and refused."""
    try:
        with path.open("rb") as file:
            check_size(str(path), os.fstat(file.fileno()).st_size, max_bytes)
            data = file.read(max_bytes + 1)
        check_size(str(path), len(data), max_bytes)
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportFormatError(f"not UTF-8 text (byte {exc.start})", origin=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    declared = "named .json" if path.suffix.lower() == ".json" else None
    return parse_text(text, origin=str(path), default_date=_date_in_name(path), declared_json=declared)


class LocalSource:
    """A report file, or a folder of them named by date (`report-2026-02-03.md`, `2026-02-03.md`)."""

    def __init__(self, path: Path | str, *, max_bytes: int = DEFAULT_MAX_REPORT_BYTES) -> None:
        self.path = Path(path).expanduser()
        self.max_bytes = max_bytes

    @property
    def name(self) -> str:
        return str(self.path)

    async def read(self) -> Report:
        """The report in a single-file source, whatever its date."""
        return await _read_in_thread(self.path, self.max_bytes)

    async def fetch(self, day: dt.date) -> Report | None:
        if self.path.is_file():
            report = await self.read()
            return report if report.date == day else None
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: report folder does not exist")
        named = [path for path in report_files(self.path) if _date_in_name(path) == day]
        if len(named) > 1:
            # Taking one would be an arbitrary pick (the first by name), and the next poll or
            # ingest could take the other: the day's papers would depend on file names.
            names = ", ".join(path.name for path in named)
            raise BadInputError(
                f"{day}: {len(named)} report files for this day in {self.path} ({names}); "
                "keep one report per day in a folder"
            )
        if named:
            try:
                return await _read_in_thread(named[0], self.max_bytes)
            except NothingListed:
                return None  # a saved `[]`: nothing that day, as the live API source says
        return None

    async def aclose(self) -> None:
        return None
