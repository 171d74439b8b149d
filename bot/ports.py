"""Protocols the core depends on; the edges and the report sources implement them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

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


PublishStatus = Literal["posted", "paused", "failed"]


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What one attempt to post a digest did, on any platform.

    "posted": every part is up; "paused": the channel can no longer receive digests and its
    subscription was paused (do not retry); "failed": a transient failure outlasted the client's
    retries — resume from `next_part` later, so parts already posted are not posted again.
    """

    status: PublishStatus
    posted: tuple[str, ...]  # platform ids of the parts posted by this call, in order
    next_part: int
    error: str | None = None  # the platform's error code (or a transport failure) when not "posted"
    parts: int | None = None  # how many messages the whole digest takes on this platform
