from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from bot.errors import BadInputError, ReportFormatError
from bot.reports.sources.http import HttpFetcher, MemoryValidatorCache
from bot.reports.sources.url import UrlTemplateSource, fetch_report_url
from tests.bot.reports.test_parser import HEADER, paper_block

TEMPLATE = "https://reports.test/daily/{date}.md"
DAY = dt.date(2026, 4, 1)
REPORT = HEADER + paper_block("### {n}. {name}")


async def no_sleep(_seconds: float) -> None:
    return None


@respx.mock
async def test_fetches_and_parses_the_days_report() -> None:
    route = respx.get("https://reports.test/daily/2026-04-01.md").mock(
        return_value=httpx.Response(200, text=REPORT)
    )
    source = UrlTemplateSource(TEMPLATE)
    report = await source.fetch(DAY)
    await source.aclose()
    assert route.called
    assert report is not None
    assert [p.arxiv_id for p in report.papers] == ["2604.00001"]


@respx.mock
async def test_not_published_yet_is_none() -> None:
    respx.get("https://reports.test/daily/2026-04-02.md").mock(return_value=httpx.Response(404))
    assert await UrlTemplateSource(TEMPLATE).fetch(dt.date(2026, 4, 2)) is None


@respx.mock
async def test_report_without_a_date_takes_the_requested_day() -> None:
    body = paper_block("### {n}. {name}")
    respx.get("https://reports.test/daily/2026-04-03.md").mock(return_value=httpx.Response(200, text=body))
    report = await UrlTemplateSource(TEMPLATE).fetch(dt.date(2026, 4, 3))
    assert report is not None
    assert report.date == dt.date(2026, 4, 3)


@respx.mock
async def test_unchanged_report_is_not_downloaded_again() -> None:
    url = "https://reports.test/daily/2026-04-01.md"
    route = respx.get(url).mock(
        side_effect=[httpx.Response(200, text=REPORT, headers={"ETag": "W/1"}), httpx.Response(304)]
    )
    source = UrlTemplateSource(TEMPLATE, HttpFetcher(cache=MemoryValidatorCache(), sleep=no_sleep))
    first, second = await source.fetch(DAY), await source.fetch(DAY)
    assert first == second
    assert route.calls[1].response.status_code == 304


@respx.mock
async def test_html_error_page_is_a_format_error_naming_the_url() -> None:
    respx.get("https://reports.test/daily/2026-04-01.md").mock(
        return_value=httpx.Response(200, text="<html><body>Login required</body></html>")
    )
    with pytest.raises(ReportFormatError, match=r"https://reports.test/daily/2026-04-01.md:1: not a Daily"):
        await UrlTemplateSource(TEMPLATE).fetch(DAY)


@pytest.mark.parametrize(
    ("template", "message"),
    [("https://reports.test/latest.md", "no {date} placeholder"), ("ftp://x/{date}.md", "not an http")],
)
def test_bad_templates(template: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        UrlTemplateSource(template)


@respx.mock
async def test_single_url() -> None:
    respx.get("https://reports.test/one.md").mock(return_value=httpx.Response(200, text=REPORT))
    report = await fetch_report_url("https://reports.test/one.md")
    assert report is not None
    assert report.date == DAY
