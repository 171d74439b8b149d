"""Cards keep the arXiv id whole at any width; help columns line up by display width."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from bot.chat.commands import Reply
from bot.models import Interests, Report
from bot.ranking.digest import build_digest
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.render import align_columns, digest_renderable, reply_renderable
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


def test_chinese_help_rows_line_up_by_display_width() -> None:
    help_text = (
        "帮助：\n"
        "/paper 关键词  检索论文\n"
        "/paper 订阅 主题    订阅主题\n"
        "/paper 取消排除 主题 x  不再排除\n"
        "/paper list   what this channel follows\n"
        "/paper cadence daily|weekdays|weekly DAY   a row too wide keeps its own gap"
    )
    aligned = align_columns(help_text).splitlines()
    assert aligned[0] == "帮助："
    starts = {
        cell_len(line) - cell_len(line.split("  ")[-1].lstrip()) for line in aligned[1:5]
    }  # where each description starts, in cells
    assert len(starts) == 1
    assert aligned[5] == "/paper cadence daily|weekdays|weekly DAY   a row too wide keeps its own gap"


def test_the_console_help_replies_line_up_in_both_languages() -> None:
    from bot.chat.commands import HELP

    for text in HELP.values():
        shown = printed(reply_renderable(Reply(text)), 400)
        starts = {
            cell_len(line) - cell_len(line.split("  ")[-1].lstrip())
            for line in shown.splitlines()
            if line.startswith("/") and cell_len(line.split("  ")[0]) <= 34
        }
        assert len(starts) == 1, shown


def test_text_that_is_not_a_table_is_left_alone() -> None:
    text = "Subscribed.  This channel now follows: RL\n/paper help  this help"
    assert align_columns(text) == text
