"""The /paper command table (bot/chat/commands.py) against every place that lists its sub-commands:
dispatch, the help in both languages, the Discord command group and the Slack manifest's hint.
Adding a verb to the table without the others (or the other way round) fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from discord import app_commands

from bot.chat.commands import (
    _TYPED_TIPS,
    CHANGES,
    COMMAND_LIST,
    COMMAND_TABLE,
    HELP,
    SUBCOMMANDS,
    VERBS,
    usage_hint,
)
from bot.i18n import locale_of_text
from bot.text import display_width
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.bot import DiscordEdge, paper_group
from tests.deploy.deploy_support import load_yaml

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yaml"


def test_typed_names_are_unique_casefolded_and_in_the_right_language() -> None:
    seen: dict[str, str] = {}
    for command in COMMAND_LIST:
        for name in (*command.names, *command.zh_names):
            assert name == name.casefold()
            assert name not in seen, f"{name!r} names both {seen[name]} and {command.verb}"
            seen[name] = command.verb
        assert all(locale_of_text(name) == "en" for name in command.names)
        assert all(locale_of_text(name) == "zh" for name in command.zh_names)
        # Every sub-command but the lookup is typed by its canonical name and has a Chinese one.
        if command.verb != "lookup":
            assert command.names[0] == command.verb
            assert command.zh_names
    assert seen == VERBS
    assert set(VERBS.values()) | {"lookup"} == SUBCOMMANDS == set(COMMAND_TABLE)


def test_votes_change_nothing_of_the_channel_and_settings_do() -> None:
    assert {"more-like", "less-like"} <= SUBCOMMANDS
    settings = {"subscribe", "unsubscribe", "exclude", "include", "schedule", "language", "set", "cadence"}
    assert settings == CHANGES


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_both_helps_have_one_aligned_line_per_sub_command(locale: str) -> None:
    lines = HELP[locale].splitlines()
    assert len(lines) == len(COMMAND_LIST)
    index = 1 if locale == "zh" else 0
    columns = set()
    for line, command in zip(lines, COMMAND_LIST, strict=True):
        usage = f"/paper {command.usage(locale)}"
        assert line.startswith(usage + "  ")
        assert line.endswith(command.help[index] + _TYPED_TIPS.get(command.verb, ("", ""))[index])
        if command.names:
            shown = command.zh_names[0] if locale == "zh" else command.verb
            assert line.split()[1] == shown
        columns.add(display_width(line[: line.index(command.help[index])]))
    assert len(columns) == 1, "the descriptions start in one column"
    # The sub-commands the console help once lacked.
    assert ("频率" if locale == "zh" else "cadence") in HELP[locale]


def test_the_discord_group_has_every_sub_command_and_guards_exactly_the_changes() -> None:
    edge = DiscordEdge(MagicMock(), MagicMock(), builtin_taxonomy())
    group = paper_group(edge)
    commands: dict[str, Any] = {command.name: command for command in group.commands}
    assert set(commands) == SUBCOMMANDS
    for verb, command in commands.items():
        assert isinstance(command, app_commands.Command)
        assert bool(command.checks) == (verb in CHANGES), verb
        takes_text = bool(COMMAND_TABLE[verb].arguments[0])
        assert bool(command.parameters) == takes_text, verb


def test_the_slack_manifest_hint_is_the_table_s() -> None:
    manifest = load_yaml(MANIFEST)
    (paper,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == "/paper"]
    assert paper["usage_hint"] == usage_hint()
    for command in COMMAND_LIST:
        assert command.usage("en") in paper["usage_hint"]
    assert len(paper["usage_hint"]) <= 1000  # Slack's limit for a usage hint
