"""Protocols the core depends on; the edges and the report sources implement them."""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from bot.models import Report


@runtime_checkable
class ReportSource(Protocol):
    """Where daily reports come from.

    `fetch` returns None when the day's report is not published (yet): a normal state on
    weekends and early mornings, not an error. Failures that retrying did not cure raise
    `SourceError`; content that is not a report raises `ReportFormatError`.
    """

    @property
    def name(self) -> str:
        """A short description for logs and errors, e.g. the path or URL template."""
        ...

    async def fetch(self, day: dt.date) -> Report | None: ...

    async def aclose(self) -> None:
        """Release connections; a no-op for sources that hold none."""
        ...
