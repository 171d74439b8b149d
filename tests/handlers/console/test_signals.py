"""Community signals on console panels: shown when the paper has them, linked only when safe."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.models import Interests, Report
from bot.ranking.digest import build_digest
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console.render import digest_renderable
from tests.factories import paper
from tests.handlers.console.test_render import printed

RL = Interests(("reinforcement-learning",))


def shown(**signals: Any) -> str:
    report = Report(dt.date(2026, 5, 4), (paper(title="Reinforcement Learning at scale", **signals),))
    return printed(digest_renderable(build_digest(report, RL, builtin_taxonomy())))


def test_signals_appear_only_when_present() -> None:
    assert "▲" not in shown()  # a markdown report's paper has none
    text = shown(upvotes=7, github_repo="https://github.com/org/rl", project_page="https://rl.example/")
    assert "▲ 7 upvotes" in text
    assert "Code: https://github.com/org/rl" in text
    assert "Project page: https://rl.example/" in text


def test_unsafe_links_are_left_out() -> None:
    text = shown(upvotes=1, github_repo="javascript:alert(1)", project_page="http://rl.example/")
    assert "▲ 1 upvote" in text
    assert "javascript" not in text
    assert "http://rl.example" not in text
