"""PostgreSQL's side of bot/store/search.py: the newest papers matching a query, found whichever
way costs least for that query (issue 17: lookup p95 within 10 ms at 100,000 papers).

A GIN index tells which papers hold a query's lexemes, but not which of them are newest, and it
cannot check a phrase's word order: for that PostgreSQL reads each candidate's vector. A paper's
`search_vector` (~10 KB, kept out of line) takes ~8 µs to read, its `lead_vector` (title and
application area, ~1 KB in the row: migration 0013) about 1 µs. So the newest matches can be
found three ways:

- walk: read the papers newest first until enough match (cheap when matches are dense);
- slice: take from the index the matches among the newest papers, as many newest papers as the
  density says hold enough matches (an index of ids ANDed with the GIN index: cheap in between);
- all: take every match from the index and keep the newest (cheap when matches are rare).

A phrase's index matches are only candidates: each must have its vector read to check the word
order. A take therefore asks the index for the papers holding every word of the query (which it
settles without reading a vector), sorts them newest first, and checks the phrase on them in that
order until enough match: on 100,000 papers, English + Chinese lookups whose 200-odd candidates
were all read took 10-14 ms; read newest first, the three needed took 1 ms.

PostgreSQL's planner chooses from statistics that cannot tell a rare word from an unknown one,
nor judge a phrase, nor pick the newest. Left to it, a first version of this search, on 100,000
papers (benchmarks/bench_lookup.py --postgres), walked the whole archive for a word that no
paper holds (1 s), and checked every one of the 14,000 papers holding the three bigrams of a
phrase that one paper in seven holds (200 ms). So each set is probed first: the newest few
hundred papers are read, which measures how dense the matches are; then the way that costs least
at that density is chosen, and forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Date, Float, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.models import LookupHit
from bot.store.archive import rows_to_hits
from bot.store.search import PAPER_COLUMNS


@dataclass(frozen=True, slots=True)
class Vector:
    """A tsvector column searched for the newest matches, and what each way costs per paper, in
    microseconds, as measured on 100,000 papers with PostgreSQL 15's default settings: reading
    the vector of a paper walked newest first, and visiting a paper the index names (more where
    each visit reads the vector to check a phrase)."""

    column: str
    # Papers read newest first before choosing a way: enough to measure a density of a few in a
    # hundred, few enough to cost about a millisecond.
    probe: int
    walk_cost: float
    take_cost: float
    recheck_cost: float


LEAD = Vector("lead_vector", probe=1_000, walk_cost=1.5, take_cost=3.0, recheck_cost=4.0)
FULL = Vector("search_vector", probe=150, walk_cost=8.0, take_cost=3.0, recheck_cost=11.0)
# Per entry, reading a GIN posting list and the ids' btree into bitmaps (µs).
_GIN_ENTRY = 0.13
_ID_ENTRY = 0.05
# A walk or a slice covers this many times the papers the measured density says hold enough
# matches (a probe can be lucky); what it still lacks is then taken from all that are older.
_MARGIN = 2
# A vector matching the tsquery bound as :query (or, for a phrase's words alone, :loose).
_MATCH = "{column} @@ to_tsquery('english', :{param})"
# The plans a statement may have: a walk reads papers newest first through the ids' index (no
# bitmap scans); a take builds bitmaps from the indexes (no plain index scans), planned for its
# own parameters (a prepared statement's generic plan cannot tell how many papers a term is in:
# at 100,000 papers it took 4.9 ms where its own plan took 0.6). Neither may read the whole table.
_PLANS = (
    "SELECT set_config('enable_indexscan', :walk, true), set_config('enable_bitmapscan', :take, true),"
    " set_config('enable_seqscan', 'off', true), set_config('plan_cache_mode', :cache, true)"
)
_SETTINGS = {
    "walk": {"walk": "on", "take": "off", "cache": "auto"},
    "take": {"walk": "off", "take": "on", "cache": "force_custom_plan"},
}


@dataclass(slots=True)
class Planner:
    """The plans a lookup's transaction allows, switched only when a statement needs others
    (each switch is a round trip); PostgreSQL's defaults until the first switch."""

    conn: AsyncConnection
    mode: str = ""

    async def allow(self, mode: str) -> AsyncConnection:
        if mode != self.mode:
            await self.conn.execute(text(_PLANS), _SETTINGS[mode])
            self.mode = mode
        return self.conn


def choose_way(vector: Vector, density: float, *, floor: int, need: int, rechecked: bool) -> tuple[str, int]:
    """The way that costs least to find `need` more matches among the `floor` papers older than
    the probe's, where `density` of the probe's papers matched; and the lowest id it looks at."""
    matches = density * floor
    span = min(floor, int(need / density * _MARGIN) + 1) if density else floor
    # A take reads the vectors of the newest candidates only, until `need` hold the phrase.
    rechecks = need * _MARGIN * vector.recheck_cost if rechecked else 0.0
    costs = {
        "walk": need / density * vector.walk_cost if density else float("inf"),
        "slice": matches * _GIN_ENTRY + span * _ID_ENTRY + density * span * vector.take_cost + rechecks,
        "all": matches * (_GIN_ENTRY + vector.take_cost) + rechecks,
    }
    way = min(costs, key=costs.__getitem__)
    return way, 0 if way == "all" else floor - span


async def newest_matches(
    planner: Planner,
    vector: Vector,
    query: str,
    want: int,
    *,
    rechecked: bool,
    exclude: Sequence[int] = (),
) -> list[int]:
    """The ids of the `want` newest papers whose `vector` matches the tsquery `query`, leaving
    out the ids in `exclude`, newest first. `rechecked`: the index cannot settle the query (a
    phrase), so the papers it names have their vectors read, newest first, until enough hold it."""
    match = _MATCH.format(column=vector.column, param="query")
    params: dict[str, object] = {"query": query, "exclude": list(exclude)}
    # Its own plan whatever is allowed, short of bitmaps: the LIMIT of the inner query.
    conn = planner.conn if planner.mode != "take" else await planner.allow("walk")
    probe = (
        await conn.execute(
            text(
                "SELECT (array_agg(id ORDER BY id DESC) FILTER (WHERE hit))[1:(:want)] AS hits,"
                " count(*) AS seen, min(id) AS floor FROM ("
                f"  SELECT id, {match} AS hit FROM ("
                f"    SELECT id, {vector.column} FROM papers WHERE id <> ALL(:exclude)"
                "     ORDER BY id DESC LIMIT :probe) AS newest) AS probed"
            ),
            {**params, "probe": vector.probe, "want": want},
        )
    ).one()
    found: list[int] = list(probe.hits or ())
    if len(found) >= want or probe.seen < vector.probe:
        return found  # enough, or the probe read every paper
    # Ids are drawn in order, so about `floor` papers are older than the probe's.
    floor, need = probe.floor, want - len(found)
    way, low = choose_way(vector, len(found) / probe.seen, floor=floor, need=need, rechecked=rechecked)
    # Every word of a phrase, in any order: what the index settles alone (terms are [0-9a-z]).
    search = _Search(vector, params, loose=query.replace("<->", "&") if rechecked else None)
    found += await search.newest(planner, way, floor=floor, low=low, need=need)
    if len(found) >= want or low <= 0:
        return found
    # Every match of that span is found: what is lacking is older.
    return found + await search.newest(planner, "all", floor=low, low=0, need=want - len(found))


@dataclass(frozen=True, slots=True)
class _Search:
    """One set's statements after its probe. `loose`: a phrase's words in any order."""

    vector: Vector
    params: dict[str, object]
    loose: str | None

    async def newest(self, planner: Planner, way: str, *, floor: int, low: int, need: int) -> list[int]:
        """The `need` newest matches with ids in [low, floor), found by `way`."""
        conn = await planner.allow("walk" if way == "walk" else "take")
        bounds = {"loose": self.loose, "floor": floor, "low": low, "need": need}
        return list((await conn.scalars(text(self.statement(way)), {**self.params, **bounds})).all())

    def statement(self, way: str) -> str:
        match = _MATCH.format(column=self.vector.column, param="query")
        span = "AND id < :floor AND id >= :low AND id <> ALL(:exclude) ORDER BY id DESC"
        if way == "walk" or self.loose is None:
            # Under "walk" plans this reads papers newest first; under "take", from the indexes.
            return f"SELECT id FROM papers WHERE {match} {span} LIMIT :need"
        # The index names the papers holding the phrase's words; the phrase is checked on them
        # newest first, only until `need` hold it (OFFSET 0 keeps it out of the index scan).
        named = _MATCH.format(column=self.vector.column, param="loose")
        return (
            f"SELECT id FROM (SELECT id, {self.vector.column} FROM papers WHERE {named} {span}"
            f" OFFSET 0) AS named WHERE {match} LIMIT :need"
        )


async def search_postgres(
    conn: AsyncConnection,
    query: str,
    title_query: str,
    *,
    limit: int,
    window: int,
    rechecked: bool,
) -> list[LookupHit]:
    """bot/store/search.py's order on PostgreSQL: the `window` newest matches in the title or
    application area (`lead_vector`), title matches first, each ranked by ts_rank; then, if
    those are fewer than `limit`, the newest matches elsewhere."""
    planner = Planner(conn)
    lead = await newest_matches(planner, LEAD, query, window, rechecked=rechecked)
    rest: list[int] = []
    if len(lead) < limit:
        want = limit - len(lead)
        rest = await newest_matches(planner, FULL, query, want, rechecked=rechecked, exclude=lead)
    # Whichever plans are allowed now serve this: it reads papers by id.
    # The lead is ranked on its small vectors; only the papers shown are read whole.
    rows = await conn.execute(
        text(
            "WITH ranked AS ("
            "  SELECT id, lead_vector @@ to_tsquery('english', :title_query) AS in_title, true AS in_lead,"
            "  ts_rank(lead_vector, to_tsquery('english', :query)) AS score FROM papers WHERE id = ANY(:lead)"
            "  UNION ALL"
            "  SELECT id, false, false, 0.0 FROM unnest(CAST(:rest AS integer[])) AS id"
            "  ORDER BY in_title DESC, in_lead DESC, score DESC, id DESC LIMIT :limit) "
            f"SELECT {PAPER_COLUMNS}, r.score FROM ranked AS r JOIN papers AS p ON p.id = r.id"
            # As on SQLite, equals are shown newest first.
            " ORDER BY r.in_title DESC, r.in_lead DESC, r.score DESC, p.last_date DESC, p.id DESC"
        ).columns(last_date=Date, score=Float),
        {"query": query, "title_query": title_query, "lead": lead, "rest": rest, "limit": limit},
    )
    return rows_to_hits(rows.mappings().all())
