"""A weekly digest's material: the week's reports merged into one, each paper once.

A channel on the weekly cadence gets, on its day, the best matches of the seven days ending
that day — not seven digests glued together: a paper listed by several reports appears once
(with its newest text), and all of the week's papers compete for the channel's places.
"""

from __future__ import annotations

import datetime as dt

from bot.models import Paper, Report
from bot.store.archive import Archive

WEEK = dt.timedelta(days=7)


def week_start(end: dt.date) -> dt.date:
    """The first day of the week that ends on `end` (inclusive on both sides)."""
    return end - WEEK + dt.timedelta(days=1)


async def week_report(archive: Archive, end: dt.date) -> Report | None:
    """The reports of the seven days ending on `end` as one report dated `end`, or None
    when the archive holds none of them."""
    start = week_start(end)
    days = [day for day in await archive.report_dates() if start <= day <= end]
    if not days:
        return None
    papers: dict[str, Paper] = {}
    for day in sorted(days, reverse=True):  # newest first: a repeated paper keeps its newest text
        report = await archive.report(day)
        for paper in report.papers if report else ():
            papers.setdefault(paper.arxiv_id, paper)
    return Report(end, tuple(papers.values()), first_date=start)
