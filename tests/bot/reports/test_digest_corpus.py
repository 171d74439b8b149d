"""Real digests of other shapes (tests/fixtures/digests, sources in each *.expected.json): every
paper comes out with its own id and title, none merged or invented, no report is rejected, the
fields each format carries are filled, and a word from each paper's body finds it in the archive.

The expectations were written by reading each digest (titles as shown, a distinctive word of
each paper's body), not by running the parser; `filled` (how many papers have each field) was
checked by hand against what each excerpt carries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.chat.paper_lookup import lookup
from bot.models import SECTION_FIELDS, Report
from bot.reports.sources.local import read_report_file
from bot.store.archive import Archive
from tests.digests import DIGESTS, FILES, expected, same_title


def titles(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(arxiv_id, same_title(title)) for arxiv_id, title in items]


def test_the_corpus_holds_at_least_six_formats_in_three_languages() -> None:
    assert len(FILES) >= 6
    assert {expected(path)["language"] for path in FILES} >= {"zh", "en", "ko"}
    for path in FILES:
        source = expected(path)["source"]
        assert source["repo"]
        assert source["path"]
        assert source["url"].startswith("https://github.com/")


def test_the_folder_readme_names_every_digest_and_its_source() -> None:
    readme = (DIGESTS / "README.md").read_text(encoding="utf-8")
    for path in FILES:
        assert f"`{path.name}`" in readme
        assert expected(path)["source"]["url"] in readme
        # The table's Papers column, which docs/benchmarks.md sends readers to.
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{path.name}` |"))
        assert row.split("|")[3].strip() == str(len(expected(path)["papers"]))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_paper_with_its_own_id_and_title(path: Path) -> None:
    want = expected(path)
    report = read_report_file(path)
    assert report.date == dt.date.fromisoformat(want["date"])
    got = titles([(p.arxiv_id, p.title) for p in report.papers])
    assert got == titles([(p["arxiv_id"], p["title"]) for p in want["papers"]])


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_the_fields_each_format_carries_are_filled(path: Path) -> None:
    report = read_report_file(path)
    filled = {name: sum(1 for p in report.papers if getattr(p, name)) for name in SECTION_FIELDS}
    assert filled == expected(path)["filled"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_warnings_are_a_few_summary_lines(path: Path) -> None:
    report = read_report_file(path)
    shown = [w for w in report.warnings if not w.detail]
    assert len(shown) <= 2, shown  # what was skipped as context, and which sections papers lack
    assert all(w.line == 0 for w in shown)


@pytest.fixture
async def corpus(archive: Archive) -> list[Report]:
    reports = [read_report_file(path) for path in FILES]
    for report in reports:
        await archive.ingest(report)
    return reports


async def test_a_word_from_each_papers_body_finds_it(archive: Archive, corpus: list[Report]) -> None:
    missed = []
    for path in FILES:
        for paper in expected(path)["papers"]:
            if paper["word"] is None:  # a table row with no text of its own
                continue
            hits = await lookup(archive, paper["word"], limit=10)
            if paper["arxiv_id"] not in {hit.arxiv_id for hit in hits}:
                missed.append((path.stem, paper["arxiv_id"], paper["word"]))
    assert missed == []


async def test_a_translated_paper_is_found_by_its_original_title(
    archive: Archive, corpus: list[Report]
) -> None:
    # zh-hf-newsletter titles FilmAgent in Chinese and keeps 原文标题 beside it
    hits = await lookup(archive, "End-to-End Film Automation", limit=5)
    assert hits
    assert hits[0].arxiv_id == "2501.12909"
