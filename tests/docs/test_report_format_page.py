"""The report-format page shows a short example of each form a digest may take, and says which
papers each one yields. Readers copy those examples to check their own digests, so each must
really parse to exactly the papers its `<!-- parses: … -->` comment names, in that order: a parser
change that breaks a documented form fails here until the page says what the parser now does."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.reports.parser import parse_report

PAGE = Path(__file__).resolve().parents[2] / "docs" / "report-format.md"
# `<!-- parses: ID, ID -->` on the line right before a ```markdown fenced block.
_EXAMPLE = re.compile(r"^<!-- parses: (?P<ids>[^>]*?) -->\n```markdown\n(?P<body>.*?)^```$", re.M | re.S)


def _examples() -> list[tuple[int, list[str], str]]:
    """(line of the comment, ids it names, the block's markdown) of each example on the page."""
    text = PAGE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, found.start()) + 1, [i.strip() for i in found["ids"].split(",")], found["body"])
        for found in _EXAMPLE.finditer(text)
    ]


EXAMPLES = _examples()


def test_the_page_has_an_example_of_each_form() -> None:
    assert len(EXAMPLES) >= 6


def test_every_markdown_block_says_what_it_parses_to() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert text.count("```markdown\n") == len(EXAMPLES)


@pytest.mark.parametrize(("line", "ids", "body"), EXAMPLES, ids=[f"line {line}" for line, _, _ in EXAMPLES])
def test_each_example_yields_the_papers_it_names(line: int, ids: list[str], body: str) -> None:
    report = parse_report(body, origin=f"docs/report-format.md:{line}", default_date=dt.date(2026, 1, 1))
    assert [paper.arxiv_id for paper in report.papers] == ids
