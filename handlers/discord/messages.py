"""A Discord message as paperbot sends it: content, embeds and buttons, within Discord's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

# Discord limits (PLATFORM_FACTS.md): message content 2,000; ≤ 10 embeds per message and
# 6,000 characters across them; embed title 256, description 4,096, ≤ 25 fields (name 256,
# value 1,024), footer 2,048; ≤ 5 action rows of ≤ 5 buttons (25 components).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_COMPONENTS = 25
# An embed's thumbnail: an http(s) URL (discord.py's Embed.set_thumbnail); Discord documents no
# length of its own for it, so the URL bound of an embed's other links (2,048) is kept.
MAX_URL = 2048
# A thread's name: 1-100 characters (Start Thread from Message). A compact digest's card starts
# one named after its paper.
MAX_THREAD_NAME = 100

# Persistent "Details" buttons: a fixed custom_id scheme, re-registered at start-up, so buttons
# on digests posted before a restart keep working.
DETAILS_PREFIX = "paperbot:details:"
# Persistent 👍 / 👎 buttons on digest cards: `paperbot:vote:up:<arXiv id>`, `…:down:…`.
VOTE_PREFIX = "paperbot:vote:"


@dataclass
class DiscordMessage:
    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    # A compact digest's card: sent as a reply to the digest's first message (part 0).
    reply_to_first: bool = False
    # A compact digest's card: once posted, a public thread is started from it under this name
    # (at most MAX_THREAD_NAME characters), where it can. Empty: no thread.
    thread_name: str = ""
    # A digest's part: the arXiv ids of the papers it shows (what a retry must not move).
    papers: tuple[str, ...] = ()

    def send_kwargs(self) -> dict[str, Any]:
        """Arguments for `send()`: report text can never mention anyone."""
        kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs
