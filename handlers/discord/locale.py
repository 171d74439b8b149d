"""The reader's language on Discord: zh-CN and zh-TW clients read Chinese, everyone else English."""

from __future__ import annotations

from typing import Any

import discord

from bot.models import Locale

_CHINESE = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})


def language_of(interaction: discord.Interaction[Any]) -> Locale:
    return "zh" if interaction.locale in _CHINESE else "en"
