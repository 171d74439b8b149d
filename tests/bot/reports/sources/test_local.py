from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.errors import BadInputError, ReportFormatError, SourceError
from bot.reports.sources.local import LocalSource, report_files
from tests.bot.reports.test_parser import HEADER, paper_block

REPORT = HEADER + paper_block("### {n}. {name}")
DAY = dt.date(2026, 4, 1)


async def test_folder_finds_the_file_named_by_date(tmp_path: Path) -> None:
    (tmp_path / "report-2026-04-01.md").write_text(REPORT, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a report", encoding="utf-8")
    report = await LocalSource(tmp_path).fetch(DAY)
    assert report is not None
    assert report.papers[0].arxiv_id == "2604.00001"
    assert await LocalSource(tmp_path).fetch(dt.date(2026, 4, 2)) is None


async def test_a_saved_empty_answer_in_a_folder_is_no_report_that_day(tmp_path: Path) -> None:
    # `[]` is what the daily_papers API answers for a weekend, and the live source reads it as
    # no report that day; a folder of saved answers failed that day instead.
    (tmp_path / "2026-04-04.json").write_text("[]\n", encoding="utf-8")
    assert await LocalSource(tmp_path).fetch(dt.date(2026, 4, 4)) is None


async def test_single_file_answers_only_for_its_own_date(tmp_path: Path) -> None:
    path = tmp_path / "any-name.md"
    path.write_text(REPORT, encoding="utf-8")
    source = LocalSource(path)
    assert await source.fetch(DAY) is not None
    assert await source.fetch(dt.date(2026, 4, 2)) is None
    assert (await source.read()).date == DAY


async def test_dateless_report_takes_the_date_in_its_file_name(tmp_path: Path) -> None:
    path = tmp_path / "2026-04-05.md"
    path.write_text(paper_block("### {n}. {name}"), encoding="utf-8")
    assert (await LocalSource(path).read()).date == dt.date(2026, 4, 5)


async def test_undecodable_file_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "2026-04-01.md"
    path.write_bytes(b"# Report\n\xff\xfe\xfa broken")
    with pytest.raises(ReportFormatError, match="not UTF-8"):
        await LocalSource(path).read()


async def test_missing_folder_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        await LocalSource(tmp_path / "gone").fetch(DAY)


def test_report_files_are_ordered_by_date(tmp_path: Path) -> None:
    for name in ("b-2026-04-02.md", "a-2026-04-03.md", "c-2026-04-01.md", "x.png"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in report_files(tmp_path)] == [
        "c-2026-04-01.md",
        "b-2026-04-02.md",
        "a-2026-04-03.md",
    ]


async def test_two_files_named_for_one_day_are_an_error_naming_both(tmp_path: Path) -> None:
    (tmp_path / "report-2026-04-01.md").write_text(REPORT, encoding="utf-8")
    (tmp_path / "2026-04-01.json").write_text('{"date": "2026-04-01", "papers": []}', encoding="utf-8")
    (tmp_path / "report-2026-04-02.md").write_text(
        REPORT.replace("2026-04-01", "2026-04-02"), encoding="utf-8"
    )
    source = LocalSource(tmp_path)
    with pytest.raises(BadInputError) as caught:
        await source.fetch(DAY)
    assert str(caught.value) == (
        f"2026-04-01: 2 report files for this day in {tmp_path} (2026-04-01.json, report-2026-04-01.md); "
        "keep one report per day in a folder"
    )
    report = await source.fetch(dt.date(2026, 4, 2))  # the other days are read as usual
    assert report is not None
    assert report.date == dt.date(2026, 4, 2)
