"""The chat commands page and the Slack page are held to the one command table (bot/chat/commands.py):
every verb has a row with its English and Chinese name, and the list of verbs that change a
channel names exactly the verbs that do (the README once listed 4 of 8)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CHANGES, COMMAND_LIST, Command, CommandContext, handle_paper_command
from bot.models import ChannelRef
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def rows() -> dict[str, str]:
    """The commands page's table rows, by verb (`| /paper subscribe TOPICS | 订阅 | … |`)."""
    found: dict[str, str] = {}
    for line in (DOCS / "commands.md").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\| `/paper ([a-z-]+)", line):
            found[match.group(1)] = line
    return found


NAMED = [command for command in COMMAND_LIST if command.names]  # a lookup has no name: `/paper QUERY`


@pytest.mark.parametrize("command", NAMED, ids=[c.verb for c in NAMED])
def test_every_verb_has_a_row_with_its_chinese_name(rows: dict[str, str], command: Command) -> None:
    assert command.verb in rows, f"docs/commands.md has no row for /paper {command.verb}"
    assert any(f"`{name}" in rows[command.verb] for name in command.zh_names), command.zh_names


def test_the_page_lists_no_verb_the_table_lacks(rows: dict[str, str]) -> None:
    assert set(rows) <= {command.verb for command in COMMAND_LIST}


def test_who_may_change_names_exactly_the_changing_verbs() -> None:
    slack = (DOCS / "slack.md").read_text(encoding="utf-8")
    section = slack.split("## Who may change subscriptions", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"`([a-z-]+)`", section.split("change a channel")[0]))
    assert named == set(CHANGES)


async def test_the_time_zone_samples_are_what_the_bot_says(engine: AsyncEngine) -> None:
    """Each command of the "Times and time zones" sample, typed in a subscribed channel, gets
    the reply printed under it."""
    section = (DOCS / "commands.md").read_text(encoding="utf-8").split("## Times and time zones", 1)[1]
    lines = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    samples = list(zip(lines[::2], lines[1::2], strict=True))
    assert len(samples) >= 3
    ctx = CommandContext(
        Archive(engine), SubscriptionStore(engine), builtin_taxonomy(), ChannelRef("slack", "T1", "C1")
    )
    await handle_paper_command(ctx, "subscribe RL")
    for command, reply in samples:
        assert (await handle_paper_command(ctx, command.removeprefix("/paper "))).text == reply


async def test_the_week_samples_are_what_the_bot_says(engine: AsyncEngine) -> None:
    """The replies of "A week's digest" to a week with nothing to show, typed on Tuesday 5 January
    2027 (12:00 in Shanghai) in a Shanghai channel whose archive holds no report."""
    section = (DOCS / "commands.md").read_text(encoding="utf-8").split("## A week's digest", 1)[1]
    lines = section.split("```text\n", 2)[2].split("```", 1)[0].splitlines()
    samples = list(zip(lines[::2], lines[1::2], strict=True))
    assert len(samples) == 4
    tuesday = dt.datetime(2027, 1, 5, 4, tzinfo=dt.UTC)
    ctx = CommandContext(
        Archive(engine, clock=lambda: tuesday),
        SubscriptionStore(engine),
        builtin_taxonomy(),
        ChannelRef("slack", "T1", "C1"),
        default_tz="Asia/Shanghai",
    )
    await handle_paper_command(ctx, "subscribe RL")
    for command, reply in samples:
        assert (await handle_paper_command(ctx, command.removeprefix("/paper "))).text == reply
