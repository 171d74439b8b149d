"""Full-text search over the archive with the database's own index.

SQLite uses the FTS5 table `papers_fts` (bm25 ranking); PostgreSQL the generated
`search_vector` column (GIN index, ts_rank). Both index the terms of bot/store/terms.py, so a
query is tokenised once and rendered in each dialect's query syntax. Title matches come
first, then the rest by relevance.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Date, Float, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import LookupHit
from bot.store.archive import rows_to_hits
from bot.store.terms import Term

# bm25 weights per FTS5 column (title_terms, body_terms): a title word counts like ten body words.
_SQLITE_WEIGHTS = "10.0, 1.0"
# How many of the most recently archived matches are ranked, per query (see _search_sqlite).
RANK_WINDOW = 250
_PAPER_COLUMNS = "p.arxiv_id, p.title, p.url, p.domain, p.contribution, p.last_date"


def _fts5_expression(terms: Sequence[Term], operator: str) -> str:
    # Every token is [0-9a-z…] only (see terms.py), yet quoting keeps FTS5 keywords such as
    # AND/OR/NEAR typed by a user from being read as operators.
    return f" {operator} ".join(
        '"' + " ".join(term.tokens) + '"' + ("*" if term.prefix else "") for term in terms
    )


def _tsquery(terms: Sequence[Term], operator: str, weight: str = "") -> str:
    parts = []
    for term in terms:
        suffix = ":" + ("*" if term.prefix else "") + weight if (weight or term.prefix) else ""
        tokens = [token + suffix for token in term.tokens]
        parts.append("(" + " <-> ".join(tokens) + ")" if term.is_phrase else tokens[0])
    return f" {operator} ".join(parts)


async def search(
    engine: AsyncEngine, terms: Sequence[Term], *, limit: int, match_all: bool = True
) -> list[LookupHit]:
    """Papers matching every term (or any term, with `match_all=False`), best first."""
    if not terms:
        return []
    if engine.dialect.name == "sqlite":
        return await _search_sqlite(engine, terms, limit, "AND" if match_all else "OR")
    return await _search_postgres(engine, terms, limit, "&" if match_all else "|")


async def _search_sqlite(
    engine: AsyncEngine, terms: Sequence[Term], limit: int, operator: str
) -> list[LookupHit]:
    expression = _fts5_expression(terms, operator)
    # Cost control, measured on 100,000 papers (benchmarks/bench_lookup.py):
    # - FTS5 walks matches newest first (`ORDER BY rowid DESC` is served by the index) and
    #   stops after RANK_WINDOW of them, so bm25 runs on a bounded set, not on every match;
    # - bm25 also scans every match once to count documents (its IDF), so it is computed in
    #   one query only: title matches take the score of the full query when they have one;
    # - title matches come from their own small index (see the migration), not from
    #   filtering every match of the full index by column;
    # - only the winners are joined to the wide `papers` rows.
    window = f"ORDER BY rowid DESC LIMIT {RANK_WINDOW}"
    statement = text(
        "WITH title_hits AS MATERIALIZED ("
        f"  SELECT rowid FROM papers_title_fts WHERE papers_title_fts MATCH :expr {window}),"
        " body_hits AS MATERIALIZED ("
        f"  SELECT rowid, -bm25(papers_fts, {_SQLITE_WEIGHTS}) AS score"
        f"  FROM papers_fts WHERE papers_fts MATCH :expr {window}),"
        " best AS ("
        "  SELECT t.rowid, 1 AS in_title, coalesce(b.score, 0.0) AS score"
        "  FROM title_hits AS t LEFT JOIN body_hits AS b ON b.rowid = t.rowid"
        "  UNION ALL"
        "  SELECT rowid, 0 AS in_title, score FROM body_hits"
        "  WHERE rowid NOT IN (SELECT rowid FROM title_hits)"
        "  ORDER BY in_title DESC, score DESC, rowid DESC LIMIT :limit) "
        f"SELECT {_PAPER_COLUMNS}, best.in_title, best.score "
        "FROM best JOIN papers AS p ON p.id = best.rowid "
        "ORDER BY best.in_title DESC, best.score DESC, p.last_date DESC, p.id DESC"
    ).columns(last_date=Date, score=Float)
    params = {"expr": expression, "limit": limit}
    async with engine.connect() as conn:
        rows = (await conn.execute(statement, params)).mappings().all()
    return rows_to_hits(rows)


async def _search_postgres(
    engine: AsyncEngine, terms: Sequence[Term], limit: int, operator: str
) -> list[LookupHit]:
    # The same bounded window as on SQLite: ids come from the GIN index, newest first, and
    # ts_rank (which reads each row's tsvector) runs only on the window's rows.
    window = f"ORDER BY id DESC LIMIT {RANK_WINDOW}"
    statement = text(
        "WITH title_ids AS ("
        f"  SELECT id FROM papers WHERE search_vector @@ to_tsquery('english', :title_query) {window}),"
        " body_ids AS ("
        f"  SELECT id FROM papers WHERE search_vector @@ to_tsquery('english', :query) {window}),"
        " candidates AS ("
        "  SELECT id, true AS in_title FROM title_ids"
        "  UNION ALL"
        "  SELECT id, false FROM body_ids WHERE id NOT IN (SELECT id FROM title_ids)) "
        f"SELECT {_PAPER_COLUMNS}, c.in_title, "
        "  ts_rank(p.search_vector, to_tsquery('english', :query)) AS score "
        "FROM candidates AS c JOIN papers AS p ON p.id = c.id "
        "ORDER BY c.in_title DESC, score DESC, p.last_date DESC LIMIT :limit"
    ).columns(last_date=Date, score=Float)
    params = {
        "query": _tsquery(terms, operator),
        "title_query": _tsquery(terms, operator, weight="A"),
        "limit": limit,
    }
    async with engine.connect() as conn:
        rows = (await conn.execute(statement, params)).mappings().all()
    return rows_to_hits(rows)
