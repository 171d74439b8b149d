"""docs/benchmarks.md's counts of the real-digest corpus are the corpus's: the page said "nine
real digests" long after the folder held more. What each digest is stays in one table, the
folder's README (tests/bot/reports/test_digest_corpus.py checks it names every file)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.digests import FILES, expected

PAGE = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def _corpus() -> tuple[int, int, int]:
    """Digests, papers listed, and papers with a word for the lookup check."""
    papers = [paper for path in FILES for paper in expected(path)["papers"]]
    return len(FILES), len(papers), sum(1 for paper in papers if paper["word"])


def _paragraph() -> str:
    text = PAGE.read_text(encoding="utf-8")
    return " ".join(text.split("**Reading other people's digests**", 1)[1].split("\n\n", 1)[0].split())


def test_the_digest_evaluation_counts_what_the_corpus_holds() -> None:
    digests, papers, words = _corpus()
    paragraph = _paragraph()
    assert f"over the {digests} real digests in `tests/fixtures/digests/`" in paragraph
    assert f"{papers} of {papers} papers with their own arXiv id and title" in paragraph
    assert f"for {words} of {words}." in paragraph


def test_the_parse_benchmark_row_counts_what_the_corpus_holds() -> None:
    digests, papers, _words = _corpus()
    row = re.compile(r"^\| (\d+) real digests of other shapes, (\d+) papers \|", re.MULTILINE)
    rows = row.findall(PAGE.read_text(encoding="utf-8"))
    assert rows == [(str(digests), str(papers))]


def test_no_number_of_digests_is_spelled_out() -> None:
    # "the nine real digests": a count in words escapes the checks above.
    text = PAGE.read_text(encoding="utf-8")
    words = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    assert not re.search(rf"\b(?:{words}) (?:small )?real digests\b", text)
