"""The reader's language on Discord: zh-CN and zh-TW clients read Chinese, everyone else English.

The same goes for what Discord itself shows of `/paper` (its sub-commands' and options'
descriptions): `ChineseDescriptions` gives Discord their Chinese text when the commands are
synced, and Discord shows it to readers whose client is in Chinese.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation, TranslationContextTypes, locale_str

from bot.chat.commands import COMMAND_TABLE
from bot.models import Locale

CHINESE = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})
# Discord refuses a description longer than this (its application command structure).
MAX_DESCRIPTION = 100


def language_of(interaction: discord.Interaction[Any]) -> Locale:
    return "zh" if interaction.locale in CHINESE else "en"


class ChineseDescriptions(app_commands.Translator):
    """Chinese descriptions for Chinese clients (description_localizations): a sub-command's is its
    Chinese help line from the command table; the group's and each option's are written beside
    the English one, as `locale_str(english, zh=chinese)`. Names stay English (as typed in help)."""

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: TranslationContextTypes
    ) -> str | None:
        if locale not in CHINESE:
            return None
        chinese: str | None = string.extras.get("zh")
        if context.location is TranslationContextLocation.command_description and chinese is None:
            command = COMMAND_TABLE.get(getattr(context.data, "name", ""))
            chinese = command.help[1] if command is not None else None
        if chinese is None or len(chinese) > MAX_DESCRIPTION:
            return None  # Discord shows the English one
        return chinese
