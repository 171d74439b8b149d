"""The reader's language on Discord: zh-CN and zh-TW clients read Chinese, everyone else English."""

from __future__ import annotations

from typing import Any

import discord

_CHINESE = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})


def language_of(interaction: discord.Interaction[Any]) -> str:
    return "zh" if interaction.locale in _CHINESE else "en"
