"""The archive is never lost: an empty report keeps an archived day, a correction says what it
drops, and a report of any size is stored in statements below PostgreSQL's parameter cap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event

from bot.models import Report
from bot.store.archive import CHUNK, Archive, EmptyReportRefused
from tests.bot.store.test_archive import DAY1, DAY2, table_counts
from tests.factories import make_paper


async def test_an_empty_report_never_replaces_an_archived_day(archive: Archive) -> None:
    await archive.ingest(Report(DAY1, (make_paper("2604.00001"), make_paper("2604.00002"))))
    with pytest.raises(EmptyReportRefused) as refused:
        await archive.ingest(Report(DAY1, ()))
    message = str(refused.value)
    assert message.startswith(f"{DAY1}: ")
    assert "the archived 2 papers were kept" in message
    day1 = await archive.report(DAY1)
    assert day1 is not None
    assert [p.arxiv_id for p in day1.papers] == ["2604.00001", "2604.00002"]
    assert await table_counts(archive) == (1, 2, 2)


async def test_an_empty_report_for_a_new_day_is_stored(archive: Archive) -> None:
    result = await archive.ingest(Report(DAY2, ()))
    assert (result.papers, result.removed_papers) == (0, 0)
    assert await archive.report_dates() == [DAY2]


async def test_a_corrected_report_says_how_many_papers_it_removes(archive: Archive) -> None:
    first = Report(DAY1, tuple(make_paper(f"2604.{n:05d}") for n in range(1, 5)))
    await archive.ingest(first)
    result = await archive.ingest(Report(DAY1, (make_paper("2604.00002"), make_paper("2604.00009"))))
    assert (result.new_papers, result.removed_papers) == (1, 3)
    assert result.describe() == f"{DAY1}: 2 papers archived (1 new, 0 updated, 3 removed from that day)"
    again = await archive.ingest(Report(DAY1, (make_paper("2604.00002"), make_paper("2604.00009"))))
    assert again.unchanged


def parameter_counts(archive: Archive) -> list[int]:
    """The number of parameters each statement the engine runs from now on binds (each row of an
    executemany counted alone)."""
    sizes: list[int] = []

    def record(
        _conn: object, _cursor: object, _sql: str, parameters: Any, _context: object, executemany: bool
    ) -> None:
        for one in parameters if executemany else [parameters]:
            sizes.append(len(one) if one is not None else 0)

    event.listen(archive.engine.sync_engine, "before_cursor_execute", record)
    return sizes


def day_of(day: dt.date, first: int, count: int) -> Report:
    return Report(
        day, tuple(make_paper(f"2604.{n:05d}", contribution="") for n in range(first, first + count))
    )


async def test_no_statement_grows_with_the_report_so_any_size_stays_below_the_parameter_cap(
    archive: Archive,
) -> None:
    """asyncpg refuses statements with more than 32,767 parameters: a 35,000-paper report failed
    with a 10 MB error listing every id. Reads and writes go in chunks, so the largest statement
    of a report twice as long binds no more parameters (benchmarks/bench_oversized.py stores
    33,000 papers on PostgreSQL for real)."""
    sizes = parameter_counts(archive)
    result = await archive.ingest(day_of(DAY1, 0, 2 * CHUNK + 1))
    assert result.new_papers == 2 * CHUNK + 1
    largest, sizes[:] = max(sizes), []
    result = await archive.ingest(day_of(DAY2, 10_000, 4 * CHUNK + 1))
    assert result.new_papers == 4 * CHUNK + 1
    assert max(sizes) == largest <= 32_767
    shorter = Report(DAY2, day_of(DAY2, 10_000, 4 * CHUNK + 1).papers[: 3 * CHUNK])
    assert (await archive.ingest(shorter)).removed_papers == CHUNK + 1
    assert await table_counts(archive) == (2, 6 * CHUNK + 2, 5 * CHUNK + 1)
