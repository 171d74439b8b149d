from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from bot.errors import ReportFormatError
from bot.reports.sources import source_from_setting
from bot.reports.sources.hf_api import PAGE_SIZE, HuggingFaceApiSource, parse_daily_papers_json
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
    return respx.get(API).mock(side_effect=[httpx.Response(200, json=page) for page in pages])


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


@respx.mock
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"error": "rate limited"}), "expected a JSON list"),
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
