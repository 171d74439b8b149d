"""On PostgreSQL a lookup finds the newest matches of each set by a walk, a slice or all of the
index's matches, whichever costs least at the density a probe measures
(bot/store/search_postgres.py): each way finds what reading every match would, and the choice
follows the density."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.store.search_postgres as search_postgres
from bot.chat.paper_lookup import lookup
from bot.models import Report
from bot.store.archive import Archive
from bot.store.search import _tsquery
from bot.store.search_postgres import FULL, LEAD, Planner, Vector, choose_way, newest_matches
from bot.store.terms import tokenize
from tests.conftest import POSTGRES_URL, fresh_database
from tests.factories import make_paper


@pytest.mark.parametrize(
    ("vector", "density", "need", "rechecked", "way"),
    [
        (LEAD, 0.30, 250, False, "walk"),  # 833 papers to read newest first
        (LEAD, 0.03, 250, False, "slice"),  # the 16,667 newest, through both indexes
        (LEAD, 0.001, 250, False, "all"),  # only 100 matches in all
        (LEAD, 0.0, 250, False, "all"),
        (FULL, 0.20, 10, False, "walk"),
        (FULL, 0.01, 10, True, "slice"),
        (FULL, 0.0001, 10, True, "all"),
    ],
)
def test_the_way_follows_the_density_of_matches(
    vector: Vector, density: float, need: int, rechecked: bool, way: str
) -> None:
    chosen, low = choose_way(vector, density, floor=100_000, need=need, rechecked=rechecked)
    assert chosen == way
    # A walk or a slice stops at the papers it expects to hold twice what is needed; all, at none.
    expected_low = 0 if way == "all" else 100_000 - min(100_000, int(need / density * 2) + 1)
    assert low == expected_low


# 60 papers, oldest first (ids 1…60 in this order): a word in every second title, one in every
# third contribution, a phrase in four contributions and its three bigrams apart in six more.
PHRASE_AT = {5, 17, 33, 50}
APART_AT = {8, 20, 29, 41, 44, 58}


def _paper(n: int) -> object:
    contribution = " ".join(
        (["gamma"] if n % 3 == 0 else [])
        + (["视频生成模型"] if n in PHRASE_AT else [])
        + (["视频和频生和生成"] if n in APART_AT else [])
    )
    title = f"{'Alpha ' if n % 2 == 0 else ''}Paper {n}"
    domain = "稀疏" if n in {9, 40} else ""
    return make_paper(f"2601.{n:05d}", title, domain=domain, contribution=contribution)


@pytest.fixture
async def postgres(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if not POSTGRES_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES_URL is not set")
    async with fresh_database("postgresql", tmp_path) as engine:
        papers = tuple(_paper(n) for n in range(1, 61))
        await Archive(engine).ingest(Report(dt.date(2026, 1, 5), papers))  # type: ignore[arg-type]
        yield engine


QUERIES = [
    ("lead_vector", "alpha", 12, ()),  # dense in the lead
    ("lead_vector", "稀疏", 5, ()),  # rare in the lead
    ("search_vector", "gamma", 7, (57, 54)),  # dense, some left out
    ("search_vector", "视频生成", 3, ()),  # a phrase: six more papers hold its bigrams apart
    ("search_vector", "zzqx", 5, ()),  # nowhere
]


@pytest.mark.parametrize("way", ["walk", "slice", "all", "chosen"])
@pytest.mark.parametrize(("column", "words", "want", "exclude"), QUERIES)
async def test_every_way_finds_the_newest_matches(
    postgres: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    way: str,
    column: str,
    words: str,
    want: int,
    exclude: tuple[int, ...],
) -> None:
    terms = tokenize(words)
    query = _tsquery(terms, "&")
    if way != "chosen":
        # A span of 7 papers, so that a walk or a slice that falls short also takes what it
        # lacks from the older papers.
        monkeypatch.setattr(
            search_postgres,
            "choose_way",
            lambda *_args, floor, **_kwargs: (way, 0 if way == "all" else max(0, floor - 7)),
        )
    vector = Vector(column, probe=6, walk_cost=1.0, take_cost=2.0, recheck_cost=3.0)
    async with postgres.connect() as conn:
        expected = [
            row.id
            for row in await conn.execute(
                text(
                    f"SELECT id FROM papers WHERE {column} @@ to_tsquery('english', :query)"
                    " AND id <> ALL(:exclude) ORDER BY id DESC LIMIT :want"
                ),
                {"query": query, "exclude": list(exclude), "want": want},
            )
        ]
        found = await newest_matches(
            Planner(conn),
            vector,
            query,
            want,
            rechecked=any(term.is_phrase for term in terms),
            exclude=exclude,
        )
    assert found == expected
    if words == "视频生成":
        assert found == sorted(PHRASE_AT, reverse=True)[:want]  # none of the bigrams apart


async def test_small_probes_answer_lookups_as_reading_every_match_would(
    postgres: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(postgres)
    queries = ["alpha", "gamma", "alpha gamma", "视频生成", "稀疏", "paper 33", "zzqx"]
    everything = [[hit.arxiv_id for hit in await lookup(archive, query)] for query in queries]
    monkeypatch.setattr(search_postgres, "LEAD", Vector("lead_vector", 4, 1.0, 2.0, 3.0))
    monkeypatch.setattr(search_postgres, "FULL", Vector("search_vector", 3, 8.0, 3.0, 11.0))
    probed = [[hit.arxiv_id for hit in await lookup(archive, query)] for query in queries]
    assert probed == everything
    assert everything[0][:3] == ["2601.00060", "2601.00058", "2601.00056"]  # title matches, newest
    assert everything[3] == ["2601.00050", "2601.00033", "2601.00017", "2601.00005"]


async def test_a_phrase_is_read_only_on_the_newest_papers_holding_its_words(postgres: AsyncEngine) -> None:
    # Ten papers hold the bigrams of 视频生成 (four as the phrase, six apart); the newest, 58,
    # holds them apart and 50 holds the phrase. Finding the newest match reads those two
    # vectors, not all ten as an index scan's recheck would.
    terms = tokenize("视频生成")
    query = _tsquery(terms, "&")
    search = search_postgres._Search(FULL, {"query": query, "exclude": []}, loose=query.replace("<->", "&"))
    async with postgres.connect() as conn:
        planner = Planner(conn)
        await planner.allow("take")
        bounds = {"loose": search.loose, "floor": 61, "low": 0, "need": 1}
        plan = (
            await conn.execute(
                text("EXPLAIN (ANALYZE, FORMAT JSON) " + search.statement("all")), {**search.params, **bounds}
            )
        ).scalar_one()
        found = await search.newest(planner, "all", floor=61, low=0, need=1)
    assert found == [50]

    def phrase_reads(node: dict[str, Any]) -> int:
        """The vectors a plan node and those under it read to check the phrase."""
        own = 0
        if "<->" in str(node.get("Filter", "")) + str(node.get("Recheck Cond", "")):
            removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
            own = node["Actual Rows"] + removed
        return own + sum(phrase_reads(child) for child in node.get("Plans", []))

    assert phrase_reads(plan[0]["Plan"]) == 2
