from __future__ import annotations

import datetime as dt
import io

from rich.console import Console

from bot.chat.commands import Reply
from bot.models import Interests, LookupHit, Report
from bot.ranking.digest import build_digest
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.render import MAX_LINE, digest_renderable, reply_renderable
from tests.factories import paper

HOSTILE = "[bold red]RL[/bold red] @channel <!here> [link=https://evil.example]click[/link]"


def printed(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=200, highlight=False).print(renderable)
    return out.getvalue()


def test_report_text_is_printed_as_written_never_as_markup() -> None:
    report = Report(
        dt.date(2026, 5, 4),
        (
            paper(
                title=HOSTILE + " Reinforcement Learning",
                domain="强化学习 [/] [red]",
                contribution="x" * 1000,
            ),
        ),
    )
    text = printed(
        digest_renderable(build_digest(report, Interests(("reinforcement-learning",)), builtin_taxonomy()))
    )
    assert "[bold red]RL[/bold red]" in text
    assert "[link=https://evil.example]click[/link]" in text
    assert "强化学习 [/] [red]" in text
    # Long sections are clipped for the terminal; the full text is a lookup away.
    assert "x" * (MAX_LINE - 1) + "…" in text.replace("\n", "").replace("│", "").replace(" ", "")


def test_lookup_replies_list_each_hit_with_its_link() -> None:
    hit = LookupHit(
        "2605.00001", "[i]A Title[/i]", dt.date(2026, 5, 4), 1.0, "https://huggingface.co/papers/2605.00001"
    )
    text = printed(reply_renderable(Reply("1 paper for 'x':", [hit])))
    assert "2605.00001" in text
    assert "[i]A Title[/i]" in text
    assert "(2026-05-04)" in text
    assert "https://huggingface.co/papers/2605.00001" in text
