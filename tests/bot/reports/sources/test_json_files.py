"""A SOURCE may be a saved daily_papers JSON answer, or a URL serving one (CONTRACT.md); a folder
source reads `.md` and `.json` files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import respx

from bot.config import SAMPLE_REPORT
from bot.errors import ReportFormatError
from bot.reports.sources.local import LocalSource, report_files
from bot.reports.sources.url import fetch_report_url
from tests.bot.reports.sources.test_hf_api import BARE_ITEM, FULL_ITEM

DAY = dt.date(2026, 3, 16)
ITEMS = [FULL_ITEM, BARE_ITEM, {"paper": {"title": "no id"}}]


async def test_a_saved_answer_is_a_report_dated_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "papers-2026-03-17.json"
    path.write_text(json.dumps(ITEMS), encoding="utf-8")
    report = await LocalSource(path).read()
    assert report.date == dt.date(2026, 3, 17)
    assert [p.arxiv_id for p in report.papers] == ["2603.10001", "2603.10003"]
    assert [str(w) for w in report.warnings] == ["item 2 has no valid arXiv id (None); skipped"]


async def test_without_a_date_in_its_name_the_items_date_it(tmp_path: Path) -> None:
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(ITEMS), encoding="utf-8")
    assert (await LocalSource(path).read()).date == DAY  # FULL_ITEM's publishedAt


async def test_an_undated_answer_says_how_to_date_it(tmp_path: Path) -> None:
    path = tmp_path / "saved.json"
    path.write_text(json.dumps([BARE_ITEM]), encoding="utf-8")
    with pytest.raises(ReportFormatError, match="no date: name the file with its day"):
        await LocalSource(path).read()


async def test_a_folder_reads_markdown_and_json(tmp_path: Path) -> None:
    (tmp_path / "report-2026-02-03.md").write_bytes(SAMPLE_REPORT.read_bytes())
    (tmp_path / "2026-03-16.json").write_text(json.dumps(ITEMS), encoding="utf-8")
    assert [p.name for p in report_files(tmp_path)] == ["report-2026-02-03.md", "2026-03-16.json"]
    report = await LocalSource(tmp_path).fetch(DAY)
    assert report is not None
    assert len(report.papers) == 2


@respx.mock
async def test_a_url_serving_an_answer() -> None:
    url = "https://mirror.test/daily/2026-03-16.json"
    respx.get(url).mock(return_value=httpx.Response(200, json=ITEMS))
    report = await fetch_report_url(url)
    assert report is not None
    assert (report.date, len(report.papers)) == (DAY, 2)
