"""Reading the console's lines: history and completion at a terminal, plain lines from a pipe,
and the demo digest on the first start only."""

from __future__ import annotations

import asyncio
import io
import sys
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime.composition import App
from bot.runtime.config import Settings
from bot.topics.taxonomy import builtin_taxonomy
from handlers.console import lines
from handlers.console.lines import PlainReader, ReadlineReader, complete_line, make_reader
from handlers.console.prompt import run_console
from tests.stdin import ScriptedStdin

TAXONOMY = builtin_taxonomy()
UP = "\x1b[A"


def test_verbs_and_the_command_complete() -> None:
    assert complete_line("/pa", TAXONOMY) == (3, ["/paper "])
    assert complete_line("/paper ", TAXONOMY)[1][0]  # every verb offered on an empty word
    length, values = complete_line("/paper sub", TAXONOMY)
    assert (length, values) == (3, ["sub ", "subscribe "])
    assert complete_line("/paper 订", TAXONOMY) == (1, ["订阅 "])
    assert complete_line("/paper more", TAXONOMY) == (4, ["more-like "])
    assert "--help " not in complete_line("/paper ", TAXONOMY)[1]
    assert complete_line("hello", TAXONOMY) == (0, [])
    assert complete_line("/paper list x", TAXONOMY) == (0, [])


def test_topic_names_complete_after_a_topic_verb() -> None:
    length, values = complete_line("/paper subscribe video g", TAXONOMY)
    assert length == len("video g")
    assert values[0] == "video generation"
    length, values = complete_line("/paper 订阅 RL, 视频", TAXONOMY)
    assert length == len("RL, 视频")
    assert "RL, 视频生成" in values  # the earlier items are kept, the last is completed in Chinese
    assert complete_line("/paper exclude robo", TAXONOMY)[1][0] == "robotics & embodied AI"
    # A list separated the Chinese way, after a name typed in traditional characters (訂閱).
    assert "强化学习、视频生成" in complete_line("/paper 訂閱 强化学习、视频", TAXONOMY)[1]


async def test_arrow_up_recalls_the_previous_line_and_tab_completes() -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        reader = lines.ToolkitReader(TAXONOMY, input=pipe, output=DummyOutput())
        pipe.send_text("/paper list\r")
        assert await reader.read() == "/paper list"
        pipe.send_text("/paper topics\r")
        assert await reader.read() == "/paper topics"
        pipe.send_text(UP + UP + "\r")  # two lines back
        assert await reader.read() == "/paper list"
        reading = asyncio.ensure_future(reader.read())
        pipe.send_text("/paper subscr\t")  # Tab completes in the background: wait for it
        buffer = reader.session.default_buffer
        async with asyncio.timeout(10):
            while buffer.text != "/paper subscribe ":  # noqa: ASYNC110 (no event to wait on)
                await asyncio.sleep(0.01)
        pipe.send_text("\r")
        assert await reading == "/paper subscribe "
        pipe.send_text("\x04")  # Ctrl-D on an empty line: the end of the session
        assert await reader.read() is None


def test_readline_completes_whole_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    readline = pytest.importorskip("readline")
    state: dict[str, Any] = {}
    monkeypatch.setattr(readline, "set_completer", lambda f: state.update(complete=f))
    monkeypatch.setattr(readline, "set_completer_delims", lambda d: state.update(delims=d))
    monkeypatch.setattr(readline, "parse_and_bind", lambda s: state.update(bind=s))
    monkeypatch.setattr(readline, "get_line_buffer", lambda: "/paper subscribe video g")
    monkeypatch.setattr(readline, "get_endidx", lambda: len("/paper subscribe video g"))
    ReadlineReader(TAXONOMY, readline)
    assert (state["delims"], state["bind"]) == ("", "tab: complete")
    assert state["complete"]("", 0) == "/paper subscribe video generation"


def test_a_pipe_is_read_plainly_with_no_prompt() -> None:
    out = io.StringIO()
    assert isinstance(make_reader(cast(Any, ScriptedStdin("x\n")), out, TAXONOMY), PlainReader)
    # Even a terminal stdin gets plain reading when it is not the process's own stdin.
    assert isinstance(make_reader(cast(Any, ScriptedStdin("")), sys.stdout, TAXONOMY), PlainReader)


async def test_plain_lines_come_as_typed() -> None:
    out = io.StringIO()
    reader = PlainReader(cast(Any, ScriptedStdin("/paper help\r\n  /paper list  \n")), out)
    assert await reader.read() == "/paper help"
    assert await reader.read() == "  /paper list  "
    assert await reader.read() is None
    assert out.getvalue() == ""  # no prompt written to a pipe


async def test_the_demo_digest_is_shown_on_the_first_start_only(
    engine: AsyncEngine, clean_environment: None
) -> None:
    app = App(Settings(), engine)
    header = "Daily Papers · "
    starts = []
    for script in ("/quit\n", "/quit\n", "/paper digest\n"):
        out = io.StringIO()
        assert await run_console(app, cast(Any, ScriptedStdin(script)), out) == 0
        starts.append(out.getvalue())
    assert starts[0].count(header) == 1
    assert "Subscribed the demo channel" in starts[0]
    assert starts[1].count(header) == 0
    assert "Type /paper digest for today's digest of #demo" in starts[1]
    assert starts[2].count(header) == 1  # /paper digest shows it again
