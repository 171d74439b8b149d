"""A weekly digest's material: the week's reports merged into one, each paper once.

A channel on the weekly cadence gets, on its day, the best matches of the seven days ending
that day — not seven digests glued together: a paper listed by several reports appears once
(with its newest text), and all of the week's papers compete for the channel's places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.models import Paper, Report
from bot.store.archive import Archive

WEEK = dt.timedelta(days=7)


def week_start(end: dt.date) -> dt.date:
    """The first day of the week that ends on `end` (inclusive on both sides)."""
    return end - WEEK + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Week:
    """What one weekly delivery covers: the reports of the seven days ending `end` that were in
    the archive when it fell due (`closes`), and the reports of the week before that reached the
    archive only after that week's delivery fell due (`opens`). A report dated on a weekly
    channel's day usually arrives after that day's delivery (Monday 09:00 in Shanghai is 01:00
    UTC, Monday's report comes later): by dates alone it fell between two weeks and no weekly
    digest had it. So each report is in exactly one week: the first whose delivery came after
    it did, as a daily channel gets a late report as soon as it is here."""

    end: dt.date
    opens: dt.datetime  # when the week before fell due
    closes: dt.datetime  # when this week falls due

    def holds(self, day: dt.date, arrived: dt.datetime) -> bool:
        """Whether the report of `day`, archived at `arrived`, belongs to this week."""
        first = week_start(self.end)
        if first <= day <= self.end:
            return arrived <= self.closes
        return first - WEEK <= day < first and self.opens < arrived <= self.closes


async def week_report(archive: Archive, end: dt.date, week: Week | None = None) -> Report | None:
    """The reports of the seven days ending on `end` as one report dated `end` (with `week`, the
    ones that week holds: a delivery's), or None when the archive holds none of them."""
    start = week_start(end)
    if week is None:
        days = [day for day in await archive.report_dates() if start <= day <= end]
    else:
        days = week_days(week, await archive.report_arrivals())
    if not days:
        return None
    papers: dict[str, Paper] = {}
    for day in sorted(days, reverse=True):  # newest first: a repeated paper keeps its newest text
        report = await archive.report(day)
        for paper in report.papers if report else ():
            papers.setdefault(paper.arxiv_id, paper)
    return Report(end, tuple(papers.values()), first_date=min(start, *days))


def week_days(week: Week, arrivals: Mapping[dt.date, dt.datetime]) -> list[dt.date]:
    """The report dates `week` holds, of the archive's (date → when it was archived)."""
    return [day for day, arrived in arrivals.items() if week.holds(day, arrived)]
