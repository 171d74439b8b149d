"""What Discord shows of /paper to a reader whose client is in Chinese (handlers/discord/locale.py)."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import pytest

from bot.chat.commands import COMMAND_TABLE
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.discord.locale import MAX_DESCRIPTION, ChineseDescriptions

CHINESE_CLIENTS = ("zh-CN", "zh-TW")


@pytest.fixture
async def synced() -> dict[str, Any]:
    """The /paper group as the bot syncs it to Discord (its payload with localisations)."""
    bot = PaperBot(DiscordEdge(MagicMock(), MagicMock(), builtin_taxonomy()))
    translator = ChineseDescriptions()
    await bot.tree.set_translator(translator)
    (group,) = bot.tree.get_commands()
    payload: dict[str, Any] = await group.get_translated_payload(bot.tree, translator)
    return payload


async def test_chinese_clients_read_every_description_in_chinese(synced: dict[str, Any]) -> None:
    # Discord showed a Chinese reader /paper's English descriptions only.
    described = [synced, *synced["options"]]
    described += [option for command in synced["options"] for option in command.get("options", [])]
    for item in described:
        localised = item.get("description_localizations", {})
        for client in CHINESE_CLIENTS:
            assert client in localised, (item["name"], client)
            assert localised[client] != item["description"]
            assert len(localised[client]) <= MAX_DESCRIPTION
        assert "ja" not in localised  # other languages read the English one
    by_name = {command["name"]: command for command in synced["options"]}
    for verb, command in by_name.items():
        assert command["description_localizations"]["zh-CN"] == COMMAND_TABLE[verb].help[1]
    # Names stay as typed in the help (`/paper subscribe topics:`).
    assert not any(command.get("name_localizations") for command in synced["options"])
