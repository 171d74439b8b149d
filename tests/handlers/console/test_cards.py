"""Cards keep the arXiv id whole at any width; help columns line up by display width."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from bot.chat.commands import Reply
from bot.models import Interests, LookupHit, Report
from bot.ranking.digest import build_digest
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.render import digest_renderable, help_renderable, reply_renderable
from tests.factories import paper


def printed(renderable: object, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, highlight=False).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("title_length", [10, 37, 38, 39, 60, 101, 149, 150, 151, 300])
@pytest.mark.parametrize("chinese", [False, True])
def test_the_card_header_keeps_the_id_whole_at_every_width(title_length: int, chinese: bool) -> None:
    unit = "强化学习视频生成" if chinese else "Reinforcement Learning of Video Models "
    title = (unit * 300)[:title_length]
    items = tuple(
        paper(title=title, arxiv_id=arxiv_id, domain="RL")
        for arxiv_id in ("2611.01003", "2611.012345", "2611.01003v12")
    )
    digest = build_digest(
        Report(dt.date(2026, 11, 20), items), Interests(("reinforcement-learning",)), builtin_taxonomy()
    )
    for width in range(40, 201, 7):
        headers = [line for line in printed(digest_renderable(digest), width).splitlines() if "╭" in line]
        assert len(headers) == 3, width
        for header, item in zip(headers, digest.items, strict=True):
            assert f"[{item.arxiv_id}]" in header, (width, header)
            assert cell_len(header) <= width
            assert header.rstrip().endswith("╮")


def test_a_short_title_is_shown_whole() -> None:
    report = Report(dt.date(2026, 11, 20), (paper(title="Short RL Paper", arxiv_id="2611.01004"),))
    digest = build_digest(report, Interests(("reinforcement-learning",)), builtin_taxonomy())
    assert "1. Short RL Paper  [2611.01004]" in printed(digest_renderable(digest), 40)


def description_columns(shown: str) -> list[int]:
    """Where each printed line's description starts, in cells: after its command and a gap of
    two or more spaces, or after the indentation of a line that continues a description."""
    columns = []
    for line in shown.rstrip().splitlines():
        found = re.match(r"^(/\S.*?\S {2,}|\s{2,})\S", line)
        if found:
            columns.append(cell_len(found.group(1)))
    return columns


def test_chinese_help_rows_line_up_by_display_width() -> None:
    help_text = (
        "帮助：\n"
        "/paper 关键词  检索论文\n"
        "/paper 订阅 主题    订阅主题\n"
        "/paper 取消排除 主题 x  不再排除\n"
        "/paper list   what this channel follows\n"
        "/paper cadence daily|weekdays|weekly DAY   a row too wide: its description below"
    )
    renderable = help_renderable(help_text)
    assert renderable is not None
    shown = [line.rstrip() for line in printed(renderable, 120).splitlines()]
    assert shown[0] == "帮助："
    column = cell_len("/paper 取消排除 主题 x") + 2
    assert description_columns("\n".join(shown)) == [column] * 5
    # A command too wide for the column has its description on the next line, in the column,
    # instead of a row that a terminal would fold in the middle of the description.
    assert shown[5] == "/paper cadence daily|weekdays|weekly DAY"
    assert shown[6] == " " * column + "a row too wide: its description below"


@pytest.mark.parametrize("width", [60, 80, 100, 400])
def test_the_console_help_replies_line_up_in_both_languages_at_any_width(width: int) -> None:
    from bot.chat.commands import HELP

    for text in HELP.values():
        shown = printed(reply_renderable(Reply(text)), width)
        # Every description, and every line a long one wraps onto, starts in one column.
        assert len(set(description_columns(shown))) == 1, shown
        assert max(cell_len(line.rstrip()) for line in shown.splitlines()) <= width


def test_chinese_text_wraps_between_characters_not_only_at_spaces() -> None:
    # rich alone moves a whole run of Chinese to the next line when it does not fit what is
    # left of the line, leaving "…使用 GRPO" alone on a half-empty line.
    contribution = (
        "系统研究了在 1B–7B 小模型上使用 GRPO 进行强化学习的稳定性问题，提出组内方差归一化与长度惩罚。"
    )
    report = Report(
        dt.date(2026, 11, 20), (paper(title="GRPO-Lite", arxiv_id="2611.01003", contribution=contribution),)
    )
    digest = build_digest(report, Interests(("reinforcement-learning",)), builtin_taxonomy())
    lines = [line for line in printed(digest_renderable(digest), 60).splitlines() if "│" in line]
    body = [line.split("│")[1].rstrip() for line in lines]
    first = next(line for line in body if "系统研究了" in line)
    assert "GRPO 进" in first  # the line is filled up to the width, then breaks between characters
    assert cell_len(first) >= 55
    # No line starts with closing punctuation.
    assert not any(line.strip().startswith(("，", "。")) for line in body)


def test_text_that_is_not_a_table_is_left_alone() -> None:
    text = "Subscribed.  This channel now follows: RL\n/paper help  this help"
    assert help_renderable(text) is None


def test_a_long_lookup_result_wraps_under_itself_not_at_the_left_edge() -> None:
    hit = LookupHit(
        "2611.01003",
        "GRPO-Lite: Critic-Free Reinforcement Learning for Math Reasoning at Small Scale",
        dt.date(2026, 11, 20),
        1.0,
        url="https://huggingface.co/papers/2611.01003",
        domain="自然语言处理 - 大语言模型推理、强化学习（RL）后训练，以及更多很长的领域说明文字。",
    )
    shown = printed(reply_renderable(Reply("1 paper for GRPO:", hits=[hit])), 60).rstrip().splitlines()
    assert shown[1].startswith("  • 2611.01003  GRPO-Lite")
    # Every further line of the result (its title's end, its date, area and link) is indented
    # under the id, so the next result's bullet is the only thing at the margin.
    assert len(shown) > 4
    assert all(line.startswith("    ") and not line[4].isspace() for line in shown[2:]), shown


def test_a_long_reason_on_a_card_is_cut_after_a_whole_quoted_word() -> None:
    from dataclasses import replace

    from tests.bot.ranking.test_digest import LONG_REASON

    report = Report(dt.date(2026, 11, 20), (paper(title="Short RL Paper", arxiv_id="2611.01004"),))
    digest = build_digest(report, Interests(("reinforcement-learning",)), builtin_taxonomy())
    long_one = replace(digest, items=(replace(digest.items[0], reason=LONG_REASON),))
    shown = " ".join(printed(digest_renderable(long_one), 400).split())
    assert '"强化学习" in area, innovations and usage; LLM reasoning: matched' in shown
    assert '"推理模型" in usage…' in shown  # not 'matched "…', which quotes nothing
