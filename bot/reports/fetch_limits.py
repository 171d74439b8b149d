"""Bounds on what a report source reads: a size limit and an overall deadline per fetch.

Reports are untrusted input from a file or a server. The size limit is checked before reading
(a file's size from `stat`, a response's `Content-Length`) and again while reading (a file that
grows, a body without a length or sent compressed), so an oversized input costs neither the
memory nor the time to read it. The deadline bounds a whole fetch, retries included: httpx's
read timeout restarts with every byte, so a server sending one byte every few seconds would
otherwise hold a fetch for as long as it likes.
"""

from __future__ import annotations

from bot.errors import BadInputError

# PAPERBOT_MAX_REPORT_BYTES's default. A day's markdown report is ~100 kB and a day of the
# daily_papers API ~500 kB; 20 MB leaves room for a year of reports in one file.
DEFAULT_MAX_REPORT_BYTES = 20 * 1024 * 1024
# Seconds one fetch (all its attempts and waits) may take before it fails.
FETCH_DEADLINE = 120.0


class ReportTooLarge(BadInputError):
    """An input larger than PAPERBOT_MAX_REPORT_BYTES, refused before it was read (exit 2)."""

    def __init__(self, origin: str, limit: int, size: int | None = None) -> None:
        self.origin, self.limit, self.size = origin, limit, size
        what = f"is {megabytes(size)}, over" if size is not None else "is over"
        super().__init__(f"{origin}: report {what} the {megabytes(limit)} limit (PAPERBOT_MAX_REPORT_BYTES)")


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size:,} bytes"


def check_size(origin: str, size: int | None, limit: int) -> None:
    """Refuse `size` bytes (when known) over `limit`."""
    if size is not None and size > limit:
        raise ReportTooLarge(origin, limit, size)
