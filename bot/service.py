"""Use cases shared by the chat commands and the CLI."""

from __future__ import annotations

from bot.lookup import DayQuery, PaperQuery, TextQuery, parse_query
from bot.models import LookupHit
from bot.store.archive import Archive
from bot.store.search import search

DEFAULT_LOOKUP_LIMIT = 10
MAX_LOOKUP_LIMIT = 100


async def lookup(archive: Archive, raw_query: str, *, limit: int = DEFAULT_LOOKUP_LIMIT) -> list[LookupHit]:
    """The papers `/paper QUERY` answers with, best first. Raises BadInputError on a bad query."""
    limit = max(1, min(limit, MAX_LOOKUP_LIMIT))
    query = parse_query(raw_query)
    if isinstance(query, PaperQuery):
        hit = await archive.hit(query.arxiv_id)
        return [hit] if hit else []
    if isinstance(query, DayQuery):
        report = await archive.report(query.day)
        if report is None:
            return []
        return [
            LookupHit(p.arxiv_id, p.title, query.day, 1.0, p.url, p.domain, p.contribution)
            for p in report.papers[:limit]
        ]
    assert isinstance(query, TextQuery)
    hits = await search(archive.engine, query.terms, limit=limit)
    if not hits and len(query.terms) > 1:
        # No paper holds every word: fall back to papers holding any of them, still ranked.
        hits = await search(archive.engine, query.terms, limit=limit, match_all=False)
    return hits
