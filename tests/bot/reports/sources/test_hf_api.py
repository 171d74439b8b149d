from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from bot.errors import ReportFormatError, SourceError
from bot.reports.sources import source_from_setting
from bot.reports.sources.hf_api import PAGE_SIZE, HuggingFaceApiSource, api_day, parse_daily_papers_json
from bot.reports.sources.url import UrlTemplateSource, fetch_report_url
from bot.runtime.config import Settings
from bot.store.archive import Archive

API = "https://huggingface.co/api/daily_papers"
DAY = dt.date(2026, 3, 16)

FULL_ITEM: dict[str, Any] = {
    "title": "Sparse Mixtures for Speech",
    "summary": "Top-level summary.",
    "publishedAt": "2026-03-16T08:00:00.000Z",
    "numComments": 3,
    "submittedBy": {"name": "someone"},
    "paper": {
        "id": "2603.10001",
        "title": "Sparse  Mixtures\nfor Speech",
        "summary": "We route audio tokens to experts. It is fast.",
        "authors": [{"name": "Ada Wong", "_id": "1"}, {"name": "Li Hua", "_id": "2"}, {"_id": "3"}],
        "publishedAt": "2026-03-13T00:00:00.000Z",
        "upvotes": 42,
        "ai_summary": "Experts make speech models faster.",
        "ai_keywords": ["mixture of experts", "speech"],
        "githubRepo": "https://github.com/example/sparse-speech",
        "githubStars": 120,
        "projectPage": "https://example.org/sparse",
    },
}
BARE_ITEM: dict[str, Any] = {"title": "Bare", "paper": {"id": "2603.10003v2", "title": "Bare Paper"}}


def respond(*pages: list[Any]) -> respx.Route:
    """The day's pages, then the empty page that ends it."""
    return respx.get(API).mock(side_effect=[httpx.Response(200, json=page) for page in (*pages, [])])


@respx.mock
async def test_items_map_onto_papers() -> None:
    route = respond(
        [FULL_ITEM, {"paper": {"id": "2603.10002", "title": "Plain", "summary": "One. Two."}}, BARE_ITEM]
    )
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert route.calls[0].request.url.params["date"] == "2026-03-16"
    assert report.source_url == "https://huggingface.co/papers/date/2026-03-16"
    full, plain, bare = report.papers
    assert full.arxiv_id == "2603.10001"
    assert full.title == "Sparse Mixtures for Speech"
    assert full.url == "https://huggingface.co/papers/2603.10001"
    assert full.contribution == "Experts make speech models faster."
    assert full.summary == "We route audio tokens to experts. It is fast."
    assert full.authors == ("Ada Wong", "Li Hua")
    assert (full.upvotes, full.github_repo, full.project_page) == (
        42,
        "https://github.com/example/sparse-speech",
        "https://example.org/sparse",
    )
    assert full.keywords == ("mixture of experts", "speech")
    assert plain.contribution == "One."
    assert (bare.arxiv_id, bare.title, bare.summary, bare.upvotes, bare.authors) == (
        "2603.10003",
        "Bare Paper",
        "",
        None,
        (),
    )


def test_control_and_bidi_characters_are_removed_as_from_a_markdown_report() -> None:
    # An API answer is report text too: ESC sequences reached `paperbot parse` and the console
    # (a window title, a cleared screen), and U+202E turned a title around on Slack and Discord.
    hostile = {
        "paper": {
            "id": "2603.10004",
            "title": "Safe\x1b]0;owned\x07\x1b[31m Title\u202e",
            "summary": "Clear\x1b[2J text. More.",
            "ai_summary": "Fast \u2066models\u2069.",
            "authors": [{"name": "Ada\x1b[5m Wong"}],
            "ai_keywords": ["speech\x7f"],
        }
    }
    (paper,) = parse_daily_papers_json(json.dumps([hostile]), origin="x.json", default_date=DAY).papers
    assert paper.title == "Safe]0;owned[31m Title"
    assert (paper.summary, paper.contribution) == ("Clear[2J text. More.", "Fast models.")
    assert (paper.authors, paper.keywords) == (("Ada[5m Wong",), ("speech",))


@pytest.mark.parametrize(
    ("upvotes", "count"),
    [(99_999_999_999, None), (2**31, None), (-5, None), (1.5, None), (True, None), (None, None), ("12", 12)],
)
def test_an_upvote_count_no_paper_can_have_is_no_count(upvotes: object, count: int | None) -> None:
    item = {"paper": {"id": "2603.10005", "title": "Counted", "upvotes": upvotes}}
    (paper,) = parse_daily_papers_json(json.dumps([item]), origin="x.json", default_date=DAY).papers
    assert paper.upvotes == count


async def test_an_answer_with_an_impossible_count_is_archived_on_every_database(archive: Archive) -> None:
    # 99,999,999,999 upvotes made PostgreSQL's INTEGER refuse the insert: the whole day failed
    # to ingest there (SQLite took it), and no channel got that day's digest.
    items = [
        {"paper": {"id": "2603.10006", "title": "Loud", "upvotes": 99_999_999_999}},
        {"paper": {"id": "2603.10007", "title": "Real", "upvotes": 2**31 - 1}},
    ]
    report = parse_daily_papers_json(json.dumps(items), origin="x.json", default_date=DAY)
    await archive.ingest(report)
    loud, real = await archive.paper("2603.10006"), await archive.paper("2603.10007")
    assert loud is not None
    assert real is not None
    assert (loud.upvotes, real.upvotes) == (None, 2**31 - 1)


async def test_a_lone_surrogate_is_dropped_so_the_day_is_archived(archive: Archive) -> None:
    # `"\ud800"` is valid JSON but no character: `paperbot parse` crashed printing it, and the
    # archive could not encode it, so the whole day failed to ingest (UnicodeEncodeError).
    body = '[{"paper": {"id": "2603.10008", "title": "Lone \\ud800 half", "authors": ["A\\udfffB"]}}]'
    report = parse_daily_papers_json(body, origin="x.json", default_date=DAY)
    (paper,) = report.papers
    assert (paper.title, paper.authors) == ("Lone half", ("AB",))
    await archive.ingest(report)
    assert await archive.paper("2603.10008") == paper


@respx.mock
async def test_empty_day_is_not_published() -> None:
    respond([])
    assert await HuggingFaceApiSource().fetch(DAY) is None


@respx.mock
async def test_full_pages_are_followed() -> None:
    first = [{"paper": {"id": f"2603.{n:05d}", "title": f"P{n}"}} for n in range(PAGE_SIZE)]
    route = respond(first, [BARE_ITEM])
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert len(report.papers) == PAGE_SIZE + 1
    assert route.calls[1].request.url.params["p"] == "1"


def serve(papers: int, *, cap: int, paged: bool = True) -> respx.Route:
    """A day of `papers` items behind a server that returns at most `cap` per page whatever
    `limit` asks ("a page can hold fewer"), and that ignores `p` unless `paged`."""
    listed = [{"paper": {"id": f"2603.{n:05d}", "title": f"P{n}"}} for n in range(papers)]

    def page(request: httpx.Request) -> httpx.Response:
        size = min(int(request.url.params.get("limit", "50")), cap)
        start = int(request.url.params.get("p", "0")) * size if paged else 0
        return httpx.Response(200, json=listed[start : start + size])

    return respx.get(API).mock(side_effect=page)


@respx.mock
async def test_a_day_longer_than_a_capped_page_is_read_to_its_end() -> None:
    """A server answering 50 items to `limit=100` (the API's default page, or a mirror's cap):
    paperbot took the short page for the last and archived 50 of the day's 70 papers."""
    route = serve(70, cap=50)
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert len(report.papers) == 70
    assert [call.request.url.params.get("p") for call in route.calls] == [None, "1"]


@respx.mock
async def test_a_server_that_ignores_the_page_number_is_read_once() -> None:
    route = serve(60, cap=100, paged=False)
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert len(report.papers) == 60
    assert route.call_count == 2  # the second page repeats the first: the end


@respx.mock
async def test_a_server_that_ignores_the_page_number_is_read_once_while_upvotes_change() -> None:
    """Upvotes go on changing while a day is read: the repeated page differs from the first in
    its counts only, and was taken for new papers, page after page, MAX_PAGES requests."""
    requests = 0

    def page(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        papers = [{"id": f"2603.{n:05d}", "title": f"P{n}", "upvotes": requests} for n in range(60)]
        return httpx.Response(200, json=[{"paper": paper} for paper in papers])

    route = respx.get(API).mock(side_effect=page)
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert len(report.papers) == 60
    assert route.call_count == 2


@respx.mock
async def test_a_short_day_costs_one_request() -> None:
    route = serve(30, cap=100)
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert len(report.papers) == 30
    assert route.call_count == 1


@respx.mock
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"error": "rate  limited"}), "the answer is an error, not papers: 'rate limited'"),
        (json.dumps({"detail": "?"}), "expected a JSON list.*; got an object with keys detail"),
        (json.dumps([{"title": "no paper"}]), "item 0 has no 'paper' object"),
        (
            json.dumps([{"paper": {"title": "no id"}}]),
            r"none of the 1 items is usable \(item 0 has no valid arXiv id",
        ),
    ],
)
async def test_malformed_payloads_are_format_errors(body: str, message: str) -> None:
    respx.get(API).mock(return_value=httpx.Response(200, text=body))
    with pytest.raises(ReportFormatError, match=message):
        await HuggingFaceApiSource().fetch(DAY)


@respx.mock
async def test_a_malformed_item_is_skipped_with_a_warning() -> None:
    respond([FULL_ITEM, {"paper": {"title": "no id"}}, "not an object", BARE_ITEM])
    report = await HuggingFaceApiSource().fetch(DAY)
    assert report is not None
    assert [p.arxiv_id for p in report.papers] == ["2603.10001", "2603.10003"]
    assert [str(w) for w in report.warnings] == [
        "item 1 has no valid arXiv id (None); skipped",
        "item 2 is a string, not a paper object; skipped",
    ]


@respx.mock
async def test_a_web_page_answered_with_200_is_said_to_be_one() -> None:
    """A captive portal (or a proxy) answering the API's URL with its login page: the error was
    "invalid JSON (Expecting value at line 1)", which sent the operator to look at the API."""
    portal = "<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head><body>Log in</body></html>"
    respx.get(API).mock(return_value=httpx.Response(200, text=portal, headers={"Content-Type": "text/html"}))
    with pytest.raises(SourceError) as raised:
        await HuggingFaceApiSource().fetch(DAY)
    assert str(raised.value) == (
        f"{API}?date=2026-03-16&limit=100: the answer is not JSON (text/html, it starts"
        " '<!DOCTYPE html> <html><head><title>Hotel Wi-Fi</title></head'): a proxy's or"
        " captive portal's page, or HF_ENDPOINT is not a Hugging Face Hub"
    )


@respx.mock
async def test_no_api_at_the_endpoint_is_an_error_not_a_day_without_papers() -> None:
    """A mirror's path mistyped in HF_ENDPOINT answers 404: taken for "not published yet", every
    day went without papers and without a word. The API answers [] for a day without papers."""
    respx.get("http://mirror.test/wrong/api/daily_papers").mock(return_value=httpx.Response(404))
    source = HuggingFaceApiSource("http://mirror.test/wrong/")
    with pytest.raises(
        SourceError,
        match=r"not found \(HTTP 404\): no daily papers API at HF_ENDPOINT=http://mirror.test/wrong ",
    ):
        await source.fetch(DAY)
    await source.aclose()


@respx.mock
async def test_no_api_at_a_url_names_what_gave_the_url_not_hf_endpoint() -> None:
    # A URL template or a URL given to `paperbot ingest` was said to come from HF_ENDPOINT,
    # which the operator had not set: they went looking for the wrong setting.
    respx.get("http://mirror.test/wrong/api/daily_papers").mock(return_value=httpx.Response(404))
    url = "http://mirror.test/wrong/api/daily_papers?date={date}"
    template = UrlTemplateSource(url)
    with pytest.raises(
        SourceError, match=r"no daily papers API at PAPERBOT_REPORT_SOURCE=http://mirror.test/wrong "
    ):
        await template.fetch(DAY)
    await template.aclose()
    with pytest.raises(SourceError, match=r"no daily papers API at http://mirror.test/wrong ") as raised:
        await fetch_report_url(url.format(date=DAY))
    assert "HF_ENDPOINT" not in str(raised.value)


@pytest.mark.usefixtures("clean_environment")
async def test_hf_endpoint_points_the_source_at_a_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://mirror.test/hub/")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.hf_endpoint == "http://mirror.test/hub"
    source = source_from_setting("hf-api", hf_endpoint=settings.hf_endpoint)
    assert isinstance(source, HuggingFaceApiSource)
    with respx.mock:
        route = respx.get("http://mirror.test/hub/api/daily_papers").mock(
            return_value=httpx.Response(200, json=[BARE_ITEM])
        )
        report = await source.fetch(DAY)
        await source.aclose()
    assert route.called
    assert report is not None
    assert report.papers[0].url == "https://huggingface.co/papers/2603.10003"  # links stay canonical


@pytest.mark.usefixtures("clean_environment")
def test_hf_endpoint_must_be_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "mirror.test")
    with pytest.raises(ValidationError, match="is not an http"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@respx.mock
async def test_a_daily_papers_url_is_read_to_the_end_of_its_day() -> None:
    """`paperbot ingest https://huggingface.co/api/daily_papers?date=…` (or that URL as a
    template) fetched one page: the API's default 50 papers, and a busy day lost the rest."""
    route = serve(70, cap=50)
    report = await fetch_report_url(f"{API}?date=2026-03-16")
    assert report is not None
    assert (report.date, len(report.papers)) == (DAY, 70)
    assert route.calls[0].request.url.params["limit"] == "100"
    source = UrlTemplateSource(f"{API}?date={{date}}")
    templated = await source.fetch(DAY)
    await source.aclose()
    assert templated is not None
    assert len(templated.papers) == 70


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/api/daily_papers?date=2026-03-16", ("https://huggingface.co", DAY)),
        (
            "https://hf-mirror.test/hub/api/daily_papers/?date=2026-03-16&sort=trending",
            ("https://hf-mirror.test/hub", DAY),
        ),
        ("https://huggingface.co/api/daily_papers?date=2026-03-16&p=2", None),  # one page, as asked
        ("https://huggingface.co/api/daily_papers?week=2026-W12", None),
        ("https://huggingface.co/api/daily_papers", None),
        ("https://huggingface.co/api/daily_papers?date=2026-03-16T00:00:00.000Z", None),
        ("https://example.org/reports/daily_papers?date=2026-03-16", None),
    ],
)
def test_which_urls_are_a_days_list_of_the_api(url: str, expected: tuple[str, dt.date] | None) -> None:
    assert api_day(url) == expected


REAL_ANSWER = Path(__file__).parents[3] / "fixtures" / "hf-api" / "daily-papers-api-answer-2025-06-02.json"


@respx.mock
async def test_a_real_days_answer_served_live_lands_on_the_day_asked_for() -> None:
    """The real answer of 2025-06-02 (tests/fixtures/hf-api/README.md): its items' top-level
    publishedAt is the arXiv date (2025-05-29/30) and authors carry `hidden`; served as the API
    serves it (gzip, JSON), every paper lands on the day asked for, titles on one line."""
    body = gzip.compress(REAL_ANSWER.read_bytes())
    headers = {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}
    respx.get(API).mock(return_value=httpx.Response(200, content=body, headers=headers))
    day = dt.date(2025, 6, 2)
    report = await HuggingFaceApiSource().fetch(day)
    assert report is not None
    assert report.date == day
    assert [p.arxiv_id for p in report.papers] == ["2505.24864", "2505.24098", "2505.24293"]
    assert report.papers[0].title == (
        "ProRL: Prolonged Reinforcement Learning Expands Reasoning Boundaries in Large Language Models"
    )
    assert report.papers[0].authors == ("Mingjie Liu", "Shizhe Diao", "Ximing Lu")
    assert report.warnings == ()
