"""Full-text search over the archive with the database's own index.

SQLite uses two contentless FTS5 tables, `papers_fts` (everything) and `papers_lead_fts` (title
and application area, ranked with bm25); PostgreSQL the `search_vector` column (GIN index,
ts_rank); bot/store/archive.py writes both. Both index the terms of bot/store/terms.py, so a
query is tokenised once and rendered in each dialect's query syntax. Title matches come first,
then application-area matches, then the rest (README.md, "Search", says why).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Date, Float, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import LookupHit
from bot.store.archive import rows_to_hits
from bot.store.terms import Term

# PostgreSQL's `english` configuration drops these words from every tsvector and tsquery (its
# Snowball stop list, share/tsearch_data/english.stop); SQLite's FTS5 indexes them. Queries leave
# them out on both databases, so both answer alike: "diffusion or video" found 4 papers on SQLite
# (the AND of three words found none, so any word, "or" included, was searched) and 2 on
# PostgreSQL (which read it as "diffusion video").
_STOP_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did doing
    a an the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_LIST.split())
# bm25 weights per column of papers_lead_fts (title_terms, domain_terms).
_SQLITE_WEIGHTS = "10.0, 1.0"
# How many of the most recently archived matches are ranked, per query (see _search_sqlite).
RANK_WINDOW = 250
# What a hit shows of a paper (bot/store/archive.py hit_from_row), on either database.
PAPER_COLUMNS = "p.arxiv_id, p.title, p.url, p.domain, p.contribution, p.last_date"


def _fts5_expression(terms: Sequence[Term], operator: str) -> str:
    # Every token is [0-9a-z…] only (see terms.py), yet quoting keeps FTS5 keywords such as
    # AND/OR/NEAR typed by a user from being read as operators.
    return f" {operator} ".join(_fts5_term(term) for term in terms)


# How many letters a stemmer may take off a word beyond a typed prefix of it.
_STEM_CUT = 4


def _stem_cuts(term: Term) -> list[str]:
    """For a typed prefix (`generat*`), the shorter words that may be the stems of the words it
    begins: both databases index stems, which can be shorter than the prefix (`generation` is
    `gener` on SQLite, `distillation` `distil` on PostgreSQL), so the prefix alone found nothing.
    None for a CJK character (its spelling ends in a digit), whose bigrams begin with it."""
    word = term.tokens[0]
    if not (term.prefix and word.isalpha()):
        return []
    return [word[:end] for end in range(len(word) - 1, max(2, len(word) - _STEM_CUT - 1), -1)]


def _fts5_term(term: Term) -> str:
    if term.variants:
        # The text in either script (bot/store/terms.py): any of its forms.
        forms = [term.tokens, *term.variants]
        return "(" + " OR ".join(_fts5_term(Term(tokens, term.prefix)) for tokens in forms) + ")"
    quoted = '"' + " ".join(term.tokens) + '"'
    if not term.prefix:
        return quoted
    return "(" + " OR ".join([quoted + "*", *(f'"{cut}"' for cut in _stem_cuts(term))]) + ")"


# Snowball's vowels. PostgreSQL's `english` stemmer (Snowball) drops a plural's s only when a
# vowel stands earlier in the word than the letter before the s; SQLite's porter stemmer always:
# `LLMs` and `VLAs` are `llms` and `vlas` on PostgreSQL, `llm` and `vla` on SQLite. So such a
# word (an acronym) is searched in both forms on PostgreSQL, as SQLite finds them: `/paper LLMs`
# missed every paper saying "LLM" there, and `VLAs` every paper saying "VLA".
_VOWELS = frozenset("aeiouy")


def _lexeme(token: str, suffix: str) -> str:
    bare = token[:-1] if token.endswith("s") and not token.endswith("ss") else token
    if len(bare) < 2 or not (bare.isascii() and bare.isalpha()) or _VOWELS.intersection(bare[:-1]):
        return token + suffix
    return f"({bare}{suffix} | {bare}s{suffix})"


def _tsquery(terms: Sequence[Term], operator: str, weight: str = "") -> str:
    parts = []
    for term in terms:
        if term.variants:
            # As on SQLite: any of the text's written forms.
            forms = [Term(tokens, term.prefix) for tokens in (term.tokens, *term.variants)]
            parts.append("(" + " | ".join(_tsquery([form], "|", weight) for form in forms) + ")")
            continue
        suffix = ":" + ("*" if term.prefix else "") + weight if (weight or term.prefix) else ""
        tokens = [_lexeme(token, suffix) for token in term.tokens]
        if term.is_phrase:
            parts.append("(" + " <-> ".join(tokens) + ")")
        elif cuts := _stem_cuts(term):
            exact = ":" + weight if weight else ""
            parts.append("(" + " | ".join([tokens[0], *(cut + exact for cut in cuts)]) + ")")
        else:
            parts.append(tokens[0])
    return f" {operator} ".join(parts)


def without_stop_words(terms: Sequence[Term]) -> list[Term]:
    """The terms that are not a lone stop word (phrases keep theirs: PostgreSQL counts the gap)."""
    return [term for term in terms if term.is_phrase or term.tokens[0] not in STOP_WORDS]


async def search(
    engine: AsyncEngine, terms: Sequence[Term], *, limit: int, match_all: bool = True
) -> list[LookupHit]:
    """Papers matching every term (or any term, with `match_all=False`), best first. Stop words
    (STOP_WORDS) are not searched for."""
    terms = without_stop_words(terms)
    if not terms:
        return []
    if engine.dialect.name == "sqlite":
        return await _search_sqlite(engine, terms, limit, "AND" if match_all else "OR")
    return await _search_postgres(engine, terms, limit, "&" if match_all else "|")


async def _search_sqlite(
    engine: AsyncEngine, terms: Sequence[Term], limit: int, operator: str
) -> list[LookupHit]:
    expression = _fts5_expression(terms, operator)
    # Order: title matches, then application-area matches, each by bm25; then papers that
    # match elsewhere in their sections, newest first. Why, measured on 100,000 papers
    # (benchmarks/bench_lookup.py): bm25 counts every match of each phrase to weigh it (its
    # IDF), which for a common Chinese bigram over the full text costs more than the whole
    # 10 ms budget; over the short lead columns it costs little. FTS5 walks matches newest
    # first (`ORDER BY rowid DESC` is served by the index) and each set stops after
    # RANK_WINDOW rows; only the winners are joined to the wide `papers` rows.
    window = f"ORDER BY rowid DESC LIMIT {RANK_WINDOW}"
    statement = text(
        "WITH lead AS MATERIALIZED ("
        f"  SELECT rowid, -bm25(papers_lead_fts, {_SQLITE_WEIGHTS}) AS score"
        f"  FROM papers_lead_fts WHERE papers_lead_fts MATCH :expr {window}),"
        " titled AS MATERIALIZED ("
        f"  SELECT rowid FROM papers_lead_fts WHERE papers_lead_fts MATCH :title_expr {window}),"
        # Newest first needs no ranking, so the walk stops after `limit` further matches.
        " rest AS MATERIALIZED ("
        "  SELECT rowid FROM papers_fts WHERE papers_fts MATCH :expr"
        "  AND rowid NOT IN (SELECT rowid FROM lead) ORDER BY rowid DESC LIMIT :limit),"
        " best AS ("
        "  SELECT rowid, rowid IN (SELECT rowid FROM titled) AS in_title, 1 AS in_lead, score FROM lead"
        "  UNION ALL"
        "  SELECT rowid, 0, 0, 0.0 FROM rest"
        "  ORDER BY in_title DESC, in_lead DESC, score DESC, rowid DESC LIMIT :limit) "
        f"SELECT {PAPER_COLUMNS}, best.score "
        "FROM best JOIN papers AS p ON p.id = best.rowid "
        "ORDER BY best.in_title DESC, best.in_lead DESC, best.score DESC, p.last_date DESC, p.id DESC"
    ).columns(last_date=Date, score=Float)
    params = {"expr": expression, "title_expr": "title_terms : (" + expression + ")", "limit": limit}
    async with engine.connect() as conn:
        rows = (await conn.execute(statement, params)).mappings().all()
    return rows_to_hits(rows)


async def _search_postgres(
    engine: AsyncEngine, terms: Sequence[Term], limit: int, operator: str
) -> list[LookupHit]:
    # The same order as on SQLite; bot/store/search_postgres.py says how each set is found.
    from bot.store.search_postgres import search_postgres

    async with engine.connect() as conn:
        return await search_postgres(
            conn,
            _tsquery(terms, operator),
            _tsquery(terms, operator, weight="A"),
            limit=limit,
            window=RANK_WINDOW,
            rechecked=any(term.is_phrase for term in terms),
        )
