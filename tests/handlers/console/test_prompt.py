"""The console session outlives any command: a bad setting, a database gone mid-session, or a
reply that cannot be shown each get a line, and the next command is answered."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any, cast
from unittest.mock import patch

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import SourceError
from bot.models import ChannelRef, Report
from bot.runtime.composition import App
from bot.runtime.config import Settings
from handlers.console.prompt import run_console
from tests.factories import paper


class Script:
    """stdin for the console: lines to type, and callables run when reached (a fault injected)."""

    def __init__(self, *steps: str | Callable[[], None]) -> None:
        self.steps = list(steps)

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        while self.steps:
            step = self.steps.pop(0)
            if isinstance(step, str):
                return step + "\n"
            step()
        return ""


async def test_the_session_survives_every_kind_of_command_failure(
    engine: AsyncEngine, clean_environment: None
) -> None:
    app = App(Settings(), engine)
    real_get = app.subscriptions.get

    async def gone(channel: ChannelRef) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    def database_down() -> None:
        app.subscriptions.get = gone  # type: ignore[method-assign,assignment]

    def database_back() -> None:
        app.subscriptions.get = real_get  # type: ignore[method-assign]

    def render_once(reply: Any) -> Any:
        from handlers.console.render import reply_renderable

        render.side_effect = reply_renderable  # the next reply renders again
        raise RuntimeError("cannot render")

    out = io.StringIO()
    with patch("handlers.console.prompt.reply_renderable", side_effect=render_once) as render:
        status = await run_console(
            app,
            cast(
                Any,
                Script(
                    "/paper help",
                    "/paper set min-upvotes 99999999999",
                    database_down,
                    "/paper list",
                    database_back,
                    "/paper topics",
                ),
            ),
            out,
        )
    text = out.getvalue().replace("\n", "")  # lines are wrapped at the console's width
    assert status == 0
    assert "Something went wrong; the error was logged. / 出错了，错误已记录。" in text  # help's render
    assert "min-upvotes must be a whole number from 0 to 1000000" in text
    assert "paperbot cannot reach its database right now; try again in a minute." in text
    assert "paperbot 暂时无法连接数据库，请一分钟后再试。" in text
    assert "built-in topics" in text  # answered after all of that


async def test_a_first_day_users_near_misses_are_answered_with_the_command_they_meant(
    engine: AsyncEngine, clean_environment: None
) -> None:
    """QA: `paper help` (no slash), `/help` and `帮助` got only "Commands start with /paper", and
    `quit` / `exit`, as other REPLs take them, were answered the same instead of leaving."""
    out = io.StringIO()
    script = Script("paper help", "Paper 订阅 机器人", "/help", "帮助", "/foo", "exit", "/paper help")
    status = await run_console(App(Settings(), engine), cast(Any, script), out)
    text = out.getvalue().replace("\n", "")
    assert status == 0
    assert "Commands start with /paper — did you mean /paper help?" in text
    assert "命令以 /paper 开头 —— 你是想输入 /paper 订阅 机器人 吗？" in text
    assert text.count("did you mean /paper help?") == 2  # paper help, /help
    assert "命令以 /paper 开头 —— 你是想输入 /paper 帮助 吗？" in text
    assert "Commands start with /paper — try /paper help" in text  # /foo: nothing it could mean
    assert "/paper more-like ID" not in text  # nothing after `exit` is read: help was never shown
    assert script.steps == ["/paper help"]
    sub = await App(Settings(), engine).subscriptions.get(ChannelRef("console", "local", "demo"))
    assert sub is not None
    assert "robotics" not in sub.interests.topics  # a near miss changes nothing


class _YesterdayOnly:
    """A source whose today has no report yet (Hugging Face's list before its first paper)."""

    name = "hf-api"

    def __init__(self, today: dt.date) -> None:
        self.today = today

    async def fetch(self, day: dt.date) -> Report | None:
        if day != self.today - dt.timedelta(days=1):
            return None
        return Report(day, (paper(arxiv_id="2605.00001", title="RL for Agents", domain="强化学习"),))

    async def aclose(self) -> None:
        return None


async def test_the_demo_with_a_source_reads_yesterday_when_today_has_no_report_yet(
    engine: AsyncEngine, clean_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`PAPERBOT_REPORT_SOURCE=hf-api paperbot run` before today's list had a paper (every day
    until about 01:00 UTC) asked for today's report only: "0 papers in 0 reports", an empty demo.
    It reads today's and yesterday's, as `paperbot run`'s poller does."""
    today = dt.date(2026, 5, 6)
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", "hf-api")
    app = App(Settings(_env_file=None), engine)  # type: ignore[call-arg]
    monkeypatch.setattr(app, "report_source", lambda: _YesterdayOnly(today))
    monkeypatch.setattr("handlers.console.prompt.utc_today", lambda: today)
    out = io.StringIO()
    assert await run_console(app, cast(Any, Script("/paper RL")), out) == 0
    text = out.getvalue().replace("\n", "")
    assert "2026-05-05: 1 paper archived (1 new, 0 updated)" in text
    assert "1 paper in 1 report archived" in text
    assert "RL for Agents" in text


class _Failing(_YesterdayOnly):
    async def fetch(self, day: dt.date) -> Report | None:
        raise SourceError(f"{day}: no daily papers API at HF_ENDPOINT")


async def test_the_demo_says_once_why_a_report_could_not_be_read(
    engine: AsyncEngine, clean_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = dt.date(2026, 5, 6)
    monkeypatch.setenv("PAPERBOT_REPORT_SOURCE", "hf-api")
    app = App(Settings(_env_file=None), engine)  # type: ignore[call-arg]
    monkeypatch.setattr(app, "report_source", lambda: _Failing(today))
    monkeypatch.setattr("handlers.console.prompt.utc_today", lambda: today)
    out = io.StringIO()
    assert await run_console(app, cast(Any, Script()), out) == 0
    text = out.getvalue().replace("\n", "")
    assert (
        text.count(
            "(could not read the report of 2026-05-06: 2026-05-06: no daily papers API at HF_ENDPOINT)"
        )
        == 1
    )
    assert "(could not read the report of 2026-05-05:" in text
