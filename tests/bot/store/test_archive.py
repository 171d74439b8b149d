from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Report
from bot.store.archive import Archive
from bot.store.tables import papers, report_papers, reports
from tests.factories import make_paper

DAY1, DAY2 = dt.date(2026, 4, 1), dt.date(2026, 4, 2)


async def table_counts(archive: Archive) -> tuple[int, int, int]:
    counts = []
    async with archive.engine.connect() as conn:
        for table in (reports, papers, report_papers):
            counts.append((await conn.execute(select(func.count()).select_from(table))).scalar_one())
    return counts[0], counts[1], counts[2]


async def test_ingest_is_idempotent(archive: Archive) -> None:
    report = Report(DAY1, (make_paper("2604.00001"), make_paper("2604.00002")))
    first = await archive.ingest(report)
    assert (first.new_papers, first.unchanged) == (2, False)
    second = await archive.ingest(report)
    assert second.unchanged
    assert await table_counts(archive) == (1, 2, 2)


async def test_paper_in_two_reports_is_stored_once_and_linked_twice(archive: Archive) -> None:
    await archive.ingest(Report(DAY1, (make_paper("2604.00001"),)))
    result = await archive.ingest(Report(DAY2, (make_paper("2604.00001"), make_paper("2604.00003"))))
    assert result.new_papers == 1
    assert await table_counts(archive) == (2, 2, 3)
    day2 = await archive.report(DAY2)
    assert day2 is not None
    assert [p.arxiv_id for p in day2.papers] == ["2604.00001", "2604.00003"]
    hit = await archive.hit("2604.00001")
    assert hit is not None
    assert hit.date == DAY2


async def test_newer_report_text_wins_but_empty_never_erases(archive: Archive) -> None:
    await archive.ingest(Report(DAY1, (make_paper("2604.00001", results="旧结果", usage="旧用法"),)))
    await archive.ingest(
        Report(DAY2, (make_paper("2604.00001", title="Renamed", results="新结果", usage=""),))
    )
    paper = await archive.paper("2604.00001")
    assert paper is not None
    assert (paper.title, paper.results, paper.usage) == ("Renamed", "新结果", "旧用法")


async def test_older_report_ingested_late_only_fills_gaps(archive: Archive) -> None:
    await archive.ingest(Report(DAY2, (make_paper("2604.00001", results="新结果", innovations=""),)))
    await archive.ingest(Report(DAY1, (make_paper("2604.00001", results="旧结果", innovations="旧创新"),)))
    paper = await archive.paper("2604.00001")
    assert paper is not None
    assert (paper.results, paper.innovations) == ("新结果", "旧创新")
    hit = await archive.hit("2604.00001")
    assert hit is not None
    assert hit.date == DAY2


async def test_corrected_report_replaces_its_links(archive: Archive) -> None:
    await archive.ingest(Report(DAY1, (make_paper("2604.00001"), make_paper("2604.00002"))))
    result = await archive.ingest(Report(DAY1, (make_paper("2604.00002"),)))
    assert not result.unchanged
    day1 = await archive.report(DAY1)
    assert day1 is not None
    assert [p.arxiv_id for p in day1.papers] == ["2604.00002"]
    assert await table_counts(archive) == (1, 2, 1)


async def test_extras_round_trip(archive: Archive) -> None:
    paper = replace(
        make_paper("2604.00001"),
        authors=("Ada", "Lin"),
        keywords=("video",),
        upvotes=12,
        github_repo="https://g/r",
    )
    await archive.ingest(Report(DAY1, (paper,)))
    assert await archive.paper("2604.00001") == paper


async def test_concurrent_ingests_of_the_same_report_store_it_once(archive: Archive) -> None:
    report = Report(DAY1, tuple(make_paper(f"2604.{n:05d}") for n in range(20)))
    results = await asyncio.gather(*(archive.ingest(report) for _ in range(4)))
    assert sum(r.new_papers for r in results) == 20
    assert await table_counts(archive) == (1, 20, 20)


async def test_report_dates_and_counts(archive: Archive) -> None:
    await archive.ingest(Report(DAY2, (make_paper("2604.00002"),)))
    await archive.ingest(Report(DAY1, (make_paper("2604.00001"),)))
    assert await archive.report_dates() == [DAY1, DAY2]
    assert await archive.counts() == (2, 2)
    assert await archive.report(dt.date(2020, 1, 1)) is None


async def stored_papers(archive: Archive) -> list[dict[str, object]]:
    async with archive.engine.connect() as conn:
        rows = (await conn.execute(select(papers).order_by(papers.c.arxiv_id))).mappings().all()
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


async def test_a_batch_stores_what_one_report_at_a_time_stores(engine: AsyncEngine, tmp_path: Path) -> None:
    """ingest_many (bulk ingest) applies each report in order, as `ingest` one after another:
    merges across the batch's reports, a corrected report of the same day, a repeated report,
    and an empty report that would empty a day (refused, the rest of the batch stored)."""
    from bot.store.archive import EmptyReportRefused
    from bot.store.database import create_engine
    from bot.store.migrate import migrate
    from bot.store.prepared import prepare

    day3 = dt.date(2026, 4, 3)
    batch = [
        Report(DAY2, (make_paper("2604.00001", results="新结果"), make_paper("2604.00002"))),
        Report(DAY1, (make_paper("2604.00001", results="旧结果", innovations="旧创新"),)),
        Report(DAY1, (make_paper("2604.00001", results="旧结果", innovations="旧创新"),)),  # again
        Report(day3, (make_paper("2604.00003", title="Renamed Later"), make_paper("2604.00002"))),
        Report(day3, (make_paper("2604.00003", title="Renamed Later"),)),  # corrected: drops one
        Report(DAY2, ()),  # would empty an archived day
    ]
    one_by_one = Archive(engine, clock=lambda: dt.datetime(2026, 4, 4, tzinfo=dt.UTC))
    expected: list[object] = []
    for report in batch:
        try:
            expected.append(await one_by_one.ingest(report))
        except EmptyReportRefused as refused:
            expected.append(str(refused))
    other = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}")
    try:
        await migrate(other)
        at_once = Archive(other, clock=lambda: dt.datetime(2026, 4, 4, tzinfo=dt.UTC))
        results = await at_once.ingest_many([(prepare(report), None) for report in batch])
        assert [str(r) if isinstance(r, EmptyReportRefused) else r for r in results] == expected
        assert await stored_papers(at_once) == await stored_papers(one_by_one)
        for day in (DAY1, DAY2, day3):
            assert await at_once.report(day) == await one_by_one.report(day)
        for query in ("旧创新", "Renamed", "新结果", "2604.00002"):
            assert await lookup_ids(at_once, query) == await lookup_ids(one_by_one, query)
    finally:
        await other.dispose()


async def lookup_ids(archive: Archive, query: str) -> list[str]:
    from bot.chat.paper_lookup import lookup

    return [hit.arxiv_id for hit in await lookup(archive, query)]


async def test_the_index_follows_a_papers_new_text(archive: Archive) -> None:
    """The index keeps no copy of the terms: a paper's old terms are recomputed from its stored
    text to take them out, so a changed paper is found by its new words only, in every tier."""
    await archive.ingest(Report(DAY1, (make_paper("2604.00001", title="Old Widget", domain="视频生成"),)))
    assert await lookup_ids(archive, "widget") == ["2604.00001"]
    assert await lookup_ids(archive, "视频") == ["2604.00001"]
    renamed = make_paper("2604.00001", title="New Gadget", domain="强化学习", contribution="换了说法。")
    await archive.ingest(Report(DAY2, (renamed,)))
    for gone in ("widget", "视频", "视频生成", "新方法"):
        assert await lookup_ids(archive, gone) == [], gone
    for found in ("gadget", "强化", "学习", "强", "说法"):
        assert await lookup_ids(archive, found) == ["2604.00001"], found
    # The same text again changes nothing, in the papers or the index.
    await archive.ingest(Report(dt.date(2026, 4, 3), (renamed,)))
    assert await lookup_ids(archive, "gadget") == ["2604.00001"]


async def fts_automerge(archive: Archive) -> list[int | None]:
    """Each SQLite FTS5 table's `automerge` as set (None: FTS5's default)."""
    async with archive.engine.connect() as conn:
        rows = [
            await conn.exec_driver_sql(f"SELECT v FROM {table}_config WHERE k = 'automerge'")
            for table in ("papers_fts", "papers_lead_fts")
        ]
        return [row.scalar() for row in rows]


async def test_a_bulk_load_merges_no_index_segments_until_it_ends(archive: Archive) -> None:
    # Issue 17: FTS5 merging each batch's segment as it came cost a quarter of writing the index.
    sqlite = archive.engine.dialect.name == "sqlite"
    before = await fts_automerge(archive) if sqlite else None
    async with archive.bulk_load():
        await archive.ingest(Report(DAY1, (make_paper("2604.00001", title="Bulk Loaded"),)))
        if sqlite:
            assert await fts_automerge(archive) == [0, 0]
    assert await lookup_ids(archive, "bulk loaded") == ["2604.00001"]
    if not sqlite:
        return  # PostgreSQL's index has no segments: nothing to set
    assert before == [None, None]
    assert await fts_automerge(archive) == [4, 4]  # FTS5's default again
    # Stopped by an error, it sets merging back as well.
    with pytest.raises(RuntimeError):
        async with archive.bulk_load():
            raise RuntimeError("stopped")
    assert await fts_automerge(archive) == [4, 4]
    # And the error that stopped it is the one raised, whatever happens setting it back.
    setting = archive._set_automerge

    async def locked(pages: int) -> None:
        if pages:
            raise OSError("database is locked")
        await setting(pages)

    archive._set_automerge = locked  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="stopped"):
        async with archive.bulk_load():
            raise RuntimeError("stopped")


def test_a_prepared_report_carries_each_papers_text_once() -> None:
    # Bulk ingest's workers send prepared reports to the process that stores them: the terms go
    # without the texts they were made from (issue 17), and are found by them on arrival.
    import pickle

    from bot.store.prepared import paper_row, prepare, term_sources, terms_of

    paper = make_paper("2604.00001", title="Kestrel", contribution="一个很长的贡献。" * 200)
    prepared = prepare(Report(DAY1, (paper,)))
    terms = terms_of(term_sources(paper_row(paper, DAY1)))
    assert prepared.terms() == {term_sources(paper_row(paper, DAY1)): terms}
    sent = len(pickle.dumps(prepared))
    assert sent < len(pickle.dumps(prepared.report)) + len(pickle.dumps(terms)) + 200
    assert prepare(Report(DAY1, (paper,)), stored=frozenset({prepared.digest})).terms() == {}


async def test_papers_are_written_as_the_tables_columns_write_them(archive: Archive) -> None:
    # SQLite's bulk insert goes through the driver (archive._sqlite_papers_insert): its JSON and
    # dates must read as SQLAlchemy's own insert writes them, byte for byte.
    from sqlalchemy import insert

    from bot.store.prepared import paper_row

    paper = make_paper("2604.00001", title="Kestrel")
    paper = replace(paper, authors=("李雷", 'A. "Quote" Author'), keywords=("视频", "RL"), upvotes=None)
    await archive.ingest(Report(DAY1, (paper,)))
    twin = paper_row(replace(paper, arxiv_id="2604.00002"), DAY1)
    columns = "arxiv_id, authors, keywords, upvotes, first_date, last_date, extra"
    async with archive.engine.begin() as conn:
        await conn.execute(insert(papers), [twin])
        rows = (await conn.exec_driver_sql(f"SELECT {columns} FROM papers ORDER BY arxiv_id")).all()
    assert [tuple(row)[1:] for row in rows[:1]] == [tuple(row)[1:] for row in rows[1:]]
