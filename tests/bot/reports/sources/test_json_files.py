"""A SOURCE may be a saved daily_papers JSON answer, or a URL serving one (CONTRACT.md); a folder
source reads `.md` and `.json` files and notes the others."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from bot.errors import BadInputError, ReportFormatError
from bot.ports import ReportSource
from bot.reports.resolve import resolve
from bot.reports.sources.hf_api import LIST_KEYS
from bot.reports.sources.http import HttpFetcher, MemoryValidatorCache
from bot.reports.sources.local import LocalSource, date_in_name, report_files, scan_folder
from bot.reports.sources.url import UrlTemplateSource, fetch_report_url
from bot.runtime.cli import main
from bot.runtime.config import SAMPLE_REPORT
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


# Real saved answers (tests/fixtures/hf-api/README.md names their sources).
FIXTURES = Path(__file__).parents[3] / "fixtures" / "hf-api"
API_ANSWER = FIXTURES / "daily-papers-api-answer-2025-06-02.json"
WRAPPED = FIXTURES / "mirror-index-wrapped-papers-2026-10-03.json"
API_ITEMS: list[Any] = json.loads(API_ANSWER.read_text(encoding="utf-8"))
WRAPPED_ITEMS: list[Any] = json.loads(WRAPPED.read_text(encoding="utf-8"))["papers"]
SCRAPED = FIXTURES / "scraped-records-2026-04-09.json"
PYTHON_REPR = FIXTURES / "python-repr-items-2024-12-11.json"
NO_AI_SUMMARY = FIXTURES / "abstract-without-ai-summary-2024-10-04.json"


def _expected(items: list[Any]) -> list[tuple[str, str]]:
    """Each item's (id, title) as a saved answer holds them, whitespace collapsed as titles are."""
    papers = [item.get("paper", item) for item in items]
    return [(paper["id"], " ".join(paper["title"].split())) for paper in papers]


@pytest.mark.parametrize(("path", "items"), [(API_ANSWER, API_ITEMS), (WRAPPED, WRAPPED_ITEMS)])
async def test_every_item_of_a_real_saved_answer_comes_out(path: Path, items: list[Any]) -> None:
    report = await LocalSource(path).read()
    assert [(p.arxiv_id, p.title) for p in report.papers] == _expected(items)
    assert report.date == date_in_name(path.name)
    assert not report.warnings


async def test_the_api_answer_keeps_summaries_keywords_and_authors() -> None:
    paper = (await LocalSource(API_ANSWER).read()).papers[0]
    assert paper.contribution.startswith("Prolonged reinforcement learning training (ProRL)")
    assert "KL divergence control" in paper.keywords
    assert paper.authors == ("Mingjie Liu", "Shizhe Diao", "Ximing Lu")


async def test_string_authors_and_a_missing_repository_are_read() -> None:
    report = await LocalSource(WRAPPED).read()
    assert report.papers[0].authors[:2] == ("Delong Li", "Xu Wang")
    assert report.papers[0].github_repo == "https://github.com/OniReimu/Edge-Computing-JEV"
    assert report.papers[1].github_repo is None


async def test_a_scrapers_flat_records_are_read_by_their_links() -> None:
    """No `paper` object and no `id`: the id is in `paper_url` (and `details.arxiv_page_url`)."""
    report = await LocalSource(SCRAPED).read()
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2604.07023", "MARS: Enabling Autoregressive Models Multi-Token Generation"),
        ("2604.06268", "RAGEN-2: Reasoning Collapse in Agentic RL"),
    ]
    assert not report.warnings
    mars, ragen = report.papers
    assert mars.authors[:2] == ("Aixin Sun", "Ziwei Luo")
    assert mars.summary.startswith("We release MARS (Mask AutoRegression)")  # details.abstract
    assert mars.github_repo is None
    assert ragen.github_repo == "https://github.com/mll-lab-nu/RAGEN"  # details.github_links[0]


async def test_items_saved_as_the_text_python_prints_for_them_are_read() -> None:
    """2404589803/hf-daily-paper-newsletter-chinese saved 22 days as `str(item)` strings."""
    report = await LocalSource(PYTHON_REPR).read()
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2412.07730", "STIV: Scalable Text and Image Conditioned Video Generation"),
        ("2412.07282", "HARP: Hesitation-Aware Reframing in Transformer Inference Pass"),
    ]
    assert not report.warnings
    stiv = report.papers[0]
    assert stiv.authors[:3] == ("Zongyu Lin", "Wei Liu", "Chen Chen")
    assert stiv.summary.startswith("The field of video generation has made remarkable advancements")
    assert stiv.upvotes is not None


async def test_without_an_ai_summary_the_contribution_is_the_abstracts_whole_first_sentence() -> None:
    (paper,) = (await LocalSource(NO_AI_SUMMARY).read()).papers
    assert paper.keywords == ()
    assert paper.contribution == (
        "Recent works in volume rendering, e.g. NeRF and 3D Gaussian Splatting (3DGS), significantly "
        "advance the rendering quality and efficiency with the help of the learned implicit neural "
        "radiance field or 3D Gaussians."
    )


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("2412.07730", "item 0 is a string, not a paper object"),
        ("{'paper': {'id': __import__('os').getcwd()}}", "item 0 is a string, not a paper object"),
        ("{'paper': " * 300 + "1" + "}" * 300, "item 0 is a string, not a paper object"),
        (["2412.07730"], "item 0 is a list, not a paper object"),
    ],
)
async def test_an_item_that_is_no_object_nor_the_text_of_one_is_named_as_what_it_is(
    tmp_path: Path, item: Any, message: str
) -> None:
    path = tmp_path / "2024-12-11.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    with pytest.raises(ReportFormatError, match=re.escape(message)):
        await LocalSource(path).read()


@pytest.mark.parametrize(
    "record",
    [
        {"title": "T", "url": "https://arxiv.org/abs/2604.07023v2"},
        {"title": "T", "details": {"arxiv_page_url": "https://arxiv.org/abs/2604.07023"}},
        {"title": "T", "link": "not a paper", "pdf_url": "https://arxiv.org/pdf/2604.07023"},
    ],
)
async def test_the_id_of_a_flat_record_comes_from_its_first_paper_link(
    tmp_path: Path, record: dict[str, Any]
) -> None:
    path = tmp_path / "2026-04-09.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    assert [p.arxiv_id for p in (await LocalSource(path).read()).papers] == ["2604.07023"]


async def test_a_real_answer_without_a_dated_name_is_dated_by_its_daily_papers_day(tmp_path: Path) -> None:
    # Its items' own publishedAt are arXiv dates (05-29, 05-30); submittedOnDailyAt is the day.
    path = tmp_path / "saved.json"
    path.write_bytes(API_ANSWER.read_bytes())
    assert (await LocalSource(path).read()).date == dt.date(2025, 6, 2)


async def test_a_list_of_bare_papers_comes_out_whole(tmp_path: Path) -> None:
    """What scrapers keep of each item: `item["paper"]`."""
    path = tmp_path / "papers.json"
    path.write_text(json.dumps([item["paper"] for item in API_ITEMS]), encoding="utf-8")
    report = await LocalSource(path).read()
    assert report.date == dt.date(2025, 6, 2)  # submittedOnDailyAt
    assert [(p.arxiv_id, p.title) for p in report.papers] == _expected(API_ITEMS)
    assert report.papers[0].upvotes == API_ITEMS[0]["paper"]["upvotes"]


@pytest.mark.parametrize("key", LIST_KEYS)
async def test_a_wrapped_list_is_found_under_each_documented_key(tmp_path: Path, key: str) -> None:
    path = tmp_path / "2026-03-17.json"
    path.write_text(
        json.dumps({"date": "2026-03-18", "note": ["not", "papers"], key: ITEMS}), encoding="utf-8"
    )
    report = await LocalSource(path).read()
    assert report.date == dt.date(2026, 3, 18)  # the object's own date beats the file name
    assert [p.arxiv_id for p in report.papers] == ["2603.10001", "2603.10003"]


async def test_the_first_documented_key_holding_a_list_wins(tmp_path: Path) -> None:
    path = tmp_path / "2026-03-17.json"
    path.write_text(
        json.dumps({"data": [BARE_ITEM], "papers": "none", "items": [FULL_ITEM]}), encoding="utf-8"
    )
    assert [p.arxiv_id for p in (await LocalSource(path).read()).papers] == ["2603.10001"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[{"paper": ', r"invalid JSON \(Expecting value at line 1\)"),
        (
            json.dumps({"date": "2026-03-17", "entries": [FULL_ITEM], "count": 1}),
            r"expected a JSON list of papers, or an object holding one under papers, daily_papers, "
            r"items, data, results; got an object with keys date, entries, count",
        ),
        (json.dumps({"papers": {"2603.10001": FULL_ITEM}}), "got an object with keys papers"),
        ('"2603.10001"', "got a string"),
        ("42", "got a number"),
        (json.dumps({"papers": [{"title": "t"}, "x"]}), "none of the 2 items is usable"),
        (json.dumps([None]), "item 0 is null, not a paper object"),
        (
            json.dumps({"papers": [{"title": "t", "url": "https://example.org/t"}]}),
            r"item 0 has no 'paper' object, no arXiv 'id' and no paper link \(paper_url, url, ",
        ),
        (json.dumps({"papers": []}), "the JSON lists no papers"),
        ("[]", "the JSON lists no papers"),
        ("# Daily Papers 2026-03-17\n", r"named \.json but not JSON \(it starts '# Daily Papers"),
    ],
)
async def test_unusable_json_is_a_format_error_naming_the_file(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "2026-03-17.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ReportFormatError, match=message) as caught:
        await LocalSource(path).read()
    assert str(path) in str(caught.value)


@respx.mock
async def test_a_template_serving_json_is_not_read_as_markdown() -> None:
    # A body that does not start as JSON does, served as JSON: the content type decides.
    url = "https://mirror.test/daily/2026-03-16"
    respx.get(url).mock(
        return_value=httpx.Response(200, text='"rate limited"', headers={"Content-Type": "application/json"})
    )
    with pytest.raises(ReportFormatError, match="got a string"):
        await UrlTemplateSource("https://mirror.test/daily/{date}").fetch(DAY)


@respx.mock
@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.papers+json"])
async def test_a_json_content_type_with_a_markdown_body_is_a_clear_error(content_type: str) -> None:
    url = "https://mirror.test/daily/2026-03-16.json"
    respx.get(url).mock(
        return_value=httpx.Response(
            200, text="# Daily Papers 2026-03-16\n\n## 📄 A paper\n", headers={"Content-Type": content_type}
        )
    )
    with pytest.raises(ReportFormatError, match=r"served as .*json.* but not JSON \(it starts '# Daily"):
        await fetch_report_url(url)
    with pytest.raises(ReportFormatError, match="but not JSON"):
        await UrlTemplateSource("https://mirror.test/daily/{date}.json").fetch(DAY)


@respx.mock
async def test_a_json_template_answering_304_from_the_validator_cache_is_still_json() -> None:
    url = "https://mirror.test/daily/2026-03-16"
    respx.get(url).mock(
        side_effect=[
            httpx.Response(200, json={"papers": ITEMS, "date": "2026-03-16"}, headers={"ETag": '"v1"'}),
            httpx.Response(304),
        ]
    )
    source = UrlTemplateSource("https://mirror.test/daily/{date}", HttpFetcher(cache=MemoryValidatorCache()))
    first, second = await source.fetch(DAY), await source.fetch(DAY)
    assert first is not None
    assert first == second
    assert len(first.papers) == 2


def _mixed_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "report-2026-02-03.md").write_bytes(SAMPLE_REPORT.read_bytes())
    (folder / "2026-03-16.json").write_text(json.dumps(ITEMS), encoding="utf-8")
    for name in ("notes.txt", "image.png", "old-2026-01-01.markdown", "README"):
        (folder / name).write_text("not a report\n", encoding="utf-8")
    for hidden in (".DS_Store", "._report-2026-02-04.md"):  # macOS litter, with a report's suffix too
        (folder / hidden).write_bytes(b"\x00\x05\x16\x07")
    (folder / "drafts").mkdir()
    (folder / "drafts" / "2026-02-05.md").write_bytes(SAMPLE_REPORT.read_bytes())
    return folder


def test_a_folder_lists_reports_and_names_the_other_visible_files(tmp_path: Path) -> None:
    contents = scan_folder(_mixed_folder(tmp_path / "reports"))
    assert [p.name for p in contents.reports] == ["report-2026-02-03.md", "2026-03-16.json"]
    assert [p.name for p in contents.ignored] == [
        "README",
        "image.png",
        "notes.txt",
        "old-2026-01-01.markdown",
    ]


def test_resolving_a_mixed_folder_notes_what_it_ignored(tmp_path: Path) -> None:
    folder = _mixed_folder(tmp_path / "reports")
    notes: list[str] = []
    jobs = resolve(str(folder), _no_source, on_note=notes.append)
    assert [job.label for job in jobs] == [
        str(folder / "report-2026-02-03.md"),
        str(folder / "2026-03-16.json"),
    ]
    assert notes == [f"{folder}: ignored 4 files that are not .md or .json (README, image.png, notes.txt, …)"]


def test_one_ignored_file_is_named_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "2026-03-16.json").write_text(json.dumps(ITEMS), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    notes: list[str] = []
    resolve(str(tmp_path), _no_source, on_note=notes.append)
    assert notes == [f"{tmp_path}: ignored 1 file that is not .md or .json (notes.txt)"]


def test_a_folder_without_md_or_json_says_so(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "report.markdown").write_text("x", encoding="utf-8")
    (tmp_path / ".DS_Store").write_text("x", encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        resolve(str(tmp_path), _no_source)
    assert str(caught.value) == (
        f"{tmp_path}: no report files (.md or .json) in this folder "
        "(only 2 other files: notes.txt, report.markdown)"
    )
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "report.markdown").unlink()
    with pytest.raises(BadInputError, match=r"no report files \(\.md or \.json\) in this folder$"):
        resolve(str(tmp_path), _no_source)


def _no_source() -> ReportSource:
    raise AssertionError("a folder needs no configured source")


def test_ingest_of_a_mixed_folder_prints_one_note_and_archives_the_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    for name in ("PAPERBOT_REPORT_SOURCE", "SLACK_BOT_TOKEN", "DISCORD_TOKEN", "PAPERBOT_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    folder = _mixed_folder(tmp_path / "reports")
    status = main(["ingest", str(folder)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "2026-03-16: 2 papers archived" in out
    notes = [line for line in err.splitlines() if "ignored" in line]
    assert notes == [f"{folder}: ignored 4 files that are not .md or .json (README, image.png, notes.txt, …)"]
