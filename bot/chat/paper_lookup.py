"""`/paper QUERY` and `paperbot lookup`: the papers a query answers with, best first.

Its own module, apart from the other use cases, so that a one-shot `paperbot lookup` imports only
what a lookup needs (benchmarks/bench_startup.py): not the subscription and digest code, and the
topic matcher only for a lookup by a topic's name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.chat.query import (
    NOT_ONE_DAY,
    DayNamed,
    DayQuery,
    MonthDayQuery,
    PaperQuery,
    TextQuery,
    WeekQuery,
    parse_query,
)
from bot.errors import LocalisedInputError
from bot.models import DEFAULT_LOOKUP_LIMIT, MAX_LOOKUP_LIMIT, LookupHit
from bot.store.archive import Archive
from bot.store.search import RANK_WINDOW, search
from bot.store.terms import Term, phrase
from bot.topics.traditional import to_simplified
from bot.zones import load_zone

if TYPE_CHECKING:
    from bot.topics.taxonomy import Taxonomy, Topic

TOPIC_CANDIDATES_PER_HIT = 8
MIN_TOPIC_CANDIDATES = 40
# A minus (or the search-engine operator NOT, in capitals: `AND NOT survey`) at the start of the
# query or after a space or a parenthesis, then a quoted phrase or a word.
_EXCLUDED_TERM = re.compile(r"(?:^|(?<=[\s(（]))(?:[-－−]|NOT\s+)(?:[\"“「]([^\"”」]+)[\"”」]|([^\s\"“「]+))")
# What closes a group or a clause after an excluded word (`-distillation)`, `-survey,`): not
# part of the word.
_TRAILING = ")]}>,.;:!?）】，。；：！？、"


async def lookup(
    archive: Archive,
    raw_query: str,
    *,
    limit: int = DEFAULT_LOOKUP_LIMIT,
    taxonomy: Taxonomy | Callable[[], Taxonomy] | None = None,
    tz: str = "UTC",
) -> list[LookupHit]:
    """The papers `/paper QUERY` answers with, best first. Raises BadInputError on a bad query.

    Words or "phrases" written with a leading minus (`diffusion -survey`) leave out the papers
    whose title, application area or contribution holds them. `yesterday` is the day before
    today in the time zone `tz`. `taxonomy` may be a function giving it, called only for a
    query of words (only words can name a topic): reading taxonomy.toml was most of the work of
    a one-shot `paperbot lookup 2611.01003`."""
    return (await lookup_more(archive, raw_query, limit=limit, taxonomy=taxonomy, tz=tz))[0]


async def lookup_more(
    archive: Archive,
    raw_query: str,
    *,
    limit: int = DEFAULT_LOOKUP_LIMIT,
    taxonomy: Taxonomy | Callable[[], Taxonomy] | None = None,
    tz: str = "UTC",
) -> tuple[list[LookupHit], bool]:
    """`lookup`, and whether more papers match than it returns (a reply says so, lest "5 papers
    for diffusion" read as all there are). Knowing costs one more row of a text search."""
    limit = max(1, min(limit, MAX_LOOKUP_LIMIT))
    raw_query, excluded = split_exclusions(raw_query)
    if excluded:
        if not raw_query.strip():
            raise LocalisedInputError("error.lookup_only_exclusions")
        # Ask for more, as some will be left out.
        hits = await lookup(archive, raw_query, limit=MAX_LOOKUP_LIMIT, taxonomy=taxonomy, tz=tz)
        kept = [hit for hit in hits if not _mentions_any(hit, excluded)]
        return kept[:limit], len(kept) > limit
    query = parse_query(raw_query)
    if isinstance(query, PaperQuery):
        hit = await archive.hit(query.arxiv_id)
        return ([hit] if hit else []), False
    if isinstance(query, DayNamed):
        day = await _day_lookup(archive, await _day_of(archive, query, tz), limit)
        return day.hits, day.total > len(day.hits)
    assert isinstance(query, TextQuery)
    if callable(taxonomy):
        taxonomy = taxonomy()
    topic = taxonomy.find(raw_query.strip()) if taxonomy is not None else None
    if topic is not None:
        return await _topic_lookup(archive, topic, limit)
    hits = await search(archive.engine, query.terms, limit=limit + 1)
    if not hits and len(query.terms) > 1:
        # No paper holds every word: fall back to papers holding any of them, still ranked.
        hits = await search(archive.engine, query.terms, limit=limit + 1, match_all=False)
    return hits[:limit], len(hits) > limit


@dataclass(frozen=True, slots=True)
class DayAnswer:
    """A lookup of one day's report: its first papers in the report's order, and how many it
    holds (a reply says "5 of 14")."""

    day: dt.date | None  # None: `latest`, and the archive holds no report
    hits: list[LookupHit]
    total: int


async def day_lookup(archive: Archive, raw_query: str, *, limit: int, tz: str = "UTC") -> DayAnswer | None:
    """For a query naming a day (`2026-11-20`, `yesterday` in the zone `tz`, `latest`): that
    day's report; None for any other query."""
    try:
        query = parse_query(raw_query)
    except LocalisedInputError:
        return None
    if not isinstance(query, DayNamed):
        return None
    return await _day_lookup(archive, await _day_of(archive, query, tz), max(1, min(limit, MAX_LOOKUP_LIMIT)))


async def named_day(archive: Archive, text: str, tz: str = "UTC") -> dt.date | None:
    """The day `text` names as a lookup reads it (`2026-11-20`, `2026年11月20日`, `昨天`,
    `yesterday` in the zone `tz`; `latest`: the newest report's, None when there is none);
    raises LocalisedInputError for a text that names no day (error.bad_date), or is written as
    a date that is no day (error.invalid_date: 2026-02-30)."""
    try:
        query = parse_query(text)
    except LocalisedInputError as error:
        if error.key in NOT_ONE_DAY:
            raise  # a date, but no day (2026-02-30, 9999-12-31) or two (3/2/2026): say which
        query = None
    if not isinstance(query, DayNamed):
        raise LocalisedInputError("error.bad_date", word=text)
    return await _day_of(archive, query, tz)


async def week_monday(archive: Archive, query: WeekQuery, tz: str) -> dt.date | None:
    """The Monday of the week `query` names (`last week`: in the zone `tz`), or None when it
    names it by a day there is none of (`week of latest`, the archive empty)."""
    today = archive.clock().astimezone(load_zone(tz)).date()
    if query.of is not None:
        day = await _day_of(archive, query.of, tz)
        return None if day is None else day - dt.timedelta(days=day.weekday())
    if query.iso is None:
        return today - dt.timedelta(days=today.weekday() + 7 * (query.weeks_ago or 0))
    year, week = query.iso
    if year is not None:
        return dt.date.fromisocalendar(year, week, 1)
    # `W48` alone: the last week 48 up to this one (typed in January, last year's).
    for year in range(today.isocalendar().year, today.year - 8, -1):
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            continue  # a week 53 in a year of 52
        if monday <= today:
            return monday
    return None


async def _day_of(archive: Archive, query: DayNamed, tz: str) -> dt.date | None:
    if isinstance(query, DayQuery):
        return query.day
    if not isinstance(query, MonthDayQuery) and query.days_ago is None:
        return await archive.latest_report_date()
    today = archive.clock().astimezone(load_zone(tz)).date()
    if not isinstance(query, MonthDayQuery):
        return today - dt.timedelta(days=query.days_ago or 0)
    # The last such day up to today: 4月9日 typed in March is last year's (2月29日, the last leap
    # year's).
    for year in range(today.year, today.year - 8, -1):
        try:
            day = dt.date(year, query.month, query.day)
        except ValueError:
            continue
        if day <= today:
            return day
    return None


async def _day_lookup(archive: Archive, day: dt.date | None, limit: int) -> DayAnswer:
    report = await archive.report(day) if day is not None else None
    if day is None or report is None:
        return DayAnswer(day, [], 0)
    hits = [
        LookupHit(p.arxiv_id, p.title, day, 1.0, p.url, p.domain, p.contribution)
        for p in report.papers[:limit]
    ]
    return DayAnswer(day, hits, len(report.papers))


def split_exclusions(raw: str) -> tuple[str, list[re.Pattern[str]]]:
    """A lookup query without its `-word` / `-"phrase"` terms, and a pattern for each of them."""
    excluded: list[re.Pattern[str]] = []

    def take(match: re.Match[str]) -> str:
        term = " ".join((match.group(1) or match.group(2) or "").split())
        if match.group(2):
            term = term.rstrip(_TRAILING)
        if not any(char.isalnum() for char in term):
            # `--`, `-…`, `-->`: punctuation (an SQL comment, a dash), not a word to leave out; as
            # a pattern it would leave out every hyphenated title.
            return match.group(0)
        if term:
            # Whole words for Latin text ("survey" is not "surveyed"); Chinese has no spaces.
            # Not \b: that needs a word character at each end, and `C++` ends in none.
            latin = term[0].isascii() and term[-1].isascii()
            before, after = (r"(?<!\w)", r"(?!\w)") if latin else ("", "")
            # Compared folded (bot/topics/traditional.py), so -無人機 leaves out 无人机 too.
            excluded.append(re.compile(before + re.escape(to_simplified(term)) + after, re.IGNORECASE))
        return " "

    rest = _EXCLUDED_TERM.sub(take, raw)
    return " ".join(rest.split()), excluded


def _mentions_any(hit: LookupHit, patterns: list[re.Pattern[str]]) -> bool:
    text = to_simplified("\n".join((hit.title, hit.domain, hit.contribution)))
    return any(pattern.search(text) for pattern in patterns)


async def _topic_lookup(archive: Archive, topic: Topic, limit: int) -> tuple[list[LookupHit], bool]:
    """Papers about a topic, newest first, and whether more of the candidates are: the
    full-text index finds candidates by the topic's names, and the matcher keeps those that are
    about it (not those that mention it)."""
    names: list[Term] = []
    for name in topic.names:
        # Each name as one phrase. The taxonomy writes its names in simplified characters
        # (tests/bot/topics hold it), so they carry no other written form: a report written
        # in traditional characters is a candidate only through another of its names (`RL`),
        # as a lookup typed in simplified characters is searched as typed (bot/store/terms.py).
        term = phrase(name)
        if term.tokens and term not in names:
            names.append(term)
    # Candidates come title matches first, then application-area matches: the papers most
    # likely to be about the topic. Scoring one costs ~0.4 ms of CPU, so a few per wanted hit.
    wanted = min(RANK_WINDOW, max(limit * TOPIC_CANDIDATES_PER_HIT, MIN_TOPIC_CANDIDATES))
    candidates = await search(archive.engine, names, limit=wanted, match_all=False)
    stored = await archive.papers([hit.arxiv_id for hit in candidates])
    from bot.topics.matcher import MAX_SCORE, paper_fields, score_topic

    hits = []
    for index, hit in enumerate(candidates):
        if index and index % 10 == 0:
            await asyncio.sleep(0)  # let other commands (and Slack's 3-second acks) through
        if hit.arxiv_id not in stored:
            continue
        paper, day = stored[hit.arxiv_id]
        match = score_topic(topic, paper_fields(paper))
        if match is not None:
            hits.append(replace(hit, date=day, score=round(match.score / MAX_SCORE, 4)))
    hits.sort(key=lambda h: (h.date or dt.date.min, h.score), reverse=True)
    return hits[:limit], len(hits) > limit
