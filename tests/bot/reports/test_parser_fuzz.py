"""Whatever the input, the parser returns a report or raises ReportFormatError — nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ReportFormatError
from bot.models import Report
from bot.reports.parser import parse_report
from bot.runtime.config import SAMPLE_REPORT
from tests.bot.reports.test_parser import HEADER, paper_block

VALID = HEADER + paper_block("### {n}. {name}") + paper_block("{n}. **{name}**：", arxiv="2604.00002")
VALID_LINES = VALID.splitlines(keepends=True)

# Fragments that matter to the parser, so that random text often looks almost like a report.
ATOMS = st.sampled_from(
    [
        "## 📄 ",
        "# ",
        "### ",
        "**",
        "1. ",
        "应用领域",
        "实验效果",
        "Results",
        "：",
        ":",
        "\n",
        "\r\n",
        "\ufeff",
        "- **链接**: ",
        "https://huggingface.co/papers/",
        "2604.0000",
        "v2",
        "**Date**: ",
        "2026-02-30",
        "====",
        "*   ",
        "`",
        "[a](",
        ")",
        "📄",
        " ",
        "\t",
        "\x00",
        "\u202e",
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "<th>",
        '<a href="',
        '">',
        'data-arxiv-id="',
        "<!--",
    ]
)


def _check(text: str) -> None:
    try:
        report = parse_report(text)
    except ReportFormatError as exc:  # the one error the parser may raise
        line = exc.line
        assert line is None or 1 <= line <= text.count("\n") + text.count("\r") + 1
        return
    assert isinstance(report, Report)
    for paper in report.papers:
        assert paper.arxiv_id
        assert paper.title


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    _check(text)


@settings(max_examples=300)
@given(st.lists(ATOMS | st.text(max_size=5), max_size=60).map("".join))
def test_report_like_noise(text: str) -> None:
    _check(text)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=len(VALID)))
def test_truncated_report(cut: int) -> None:
    _check(VALID[:cut])


@settings(max_examples=200)
@given(st.lists(st.sampled_from(VALID_LINES), max_size=len(VALID_LINES)))
def test_shuffled_lines(lines: list[str]) -> None:
    _check("".join(lines))


SAMPLE = SAMPLE_REPORT.read_text(encoding="utf-8")


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=len(SAMPLE)), st.integers(min_value=0, max_value=len(SAMPLE)))
def test_any_slice_of_the_bundled_sample(start: int, end: int) -> None:
    _check(SAMPLE[min(start, end) : max(start, end)])
