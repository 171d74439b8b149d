"""A weekly digest's material: the week's reports merged into one, each paper once.

A channel on the weekly cadence gets, on its day, the best matches of the reports since its
digest before (usually the seven days ending that day; Week says exactly which) — not seven
digests glued together: a paper listed by several reports appears once (with its newest text),
and all of the week's papers compete for the channel's places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.models import Paper, Report
from bot.store.archive import Archive

WEEK = dt.timedelta(days=7)
# How far back a weekly digest reaches: reports of the four weeks ending on its day. A report that
# reaches the archive late (a backfill, an import of last month's reports) is in the channel's
# next weekly digest when it is that recent; an older one is in none, so a backfill of two years
# does not make one digest ranked from two years of papers, and a channel back after months
# paused does not get them all either.
REACH = 4 * WEEK


def week_start(end: dt.date) -> dt.date:
    """The first day of the week that ends on `end` (inclusive on both sides)."""
    return end - WEEK + dt.timedelta(days=1)


def reach_start(end: dt.date) -> dt.date:
    """The oldest report date the weekly digest of `end` may hold (REACH)."""
    return end - REACH + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Week:
    """What one weekly delivery covers: the reports the channel's digest before it did not hold.

    That digest (`after`, which fell due at `opens`) held the reports dated on or before its
    day that were in the archive by then; this one, due at `closes`, holds the reports dated
    after that day that are here by then, and those dated on or before it that arrived after it
    fell due (late ones: a report dated on a weekly channel's day usually arrives after that
    day's delivery — Monday 09:00 in Shanghai is 01:00 UTC, Monday's report comes later — and a
    backfill arrives weeks after its dates). So each report is in exactly one of a channel's
    digests: the first that falls due after it arrived and is keyed on or after its date, as a
    daily channel gets a late report as soon as it is here, within REACH.

    `after` is the channel's digest actually planned before this one (the outbox's), not the
    channel's day a week earlier: a channel that moved from Monday to Friday gets on Friday the
    reports since Monday's digest, none twice, none skipped, and one that was daily gets the
    reports since its last daily digest. A channel without one in REACH counts from a week
    before (`previous_week`)."""

    end: dt.date
    opens: dt.datetime  # when the channel's digest before this one fell due
    closes: dt.datetime  # when this one falls due
    after: dt.date  # that digest's day (its key)

    def holds(self, day: dt.date, arrived: dt.datetime) -> bool:
        """Whether the report of `day`, archived at `arrived`, belongs to this week."""
        if not reach_start(self.end) <= day <= self.end or arrived > self.closes:
            return False
        return day > self.after or arrived > self.opens


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
