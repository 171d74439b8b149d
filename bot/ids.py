"""What a workspace or channel id may look like on each platform: one table, checked wherever an
id enters (a chat edge, an import file, the operator channel setting) and again before a
digest is planned, so an id that no platform can have is never stored or posted to.

The rules are about shape and length, not existence: `T0123ABCD` passes whether or not such a
workspace exists (an edge checks installs). They refuse what cannot be an id at all: nothing,
an overlong string, lower case where the platform uses upper case, separators (`T1/C2`), spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.errors import BadInputError
from bot.models import ChannelRef

Part = Literal["workspace", "channel"]

# The workspace of a Discord direct message, which belongs to no server (handlers/discord/bot.py).
DISCORD_DM_WORKSPACE = "dm"

# The storage width of every id column (bot/store/tables.py); no rule may allow more.
MAX_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class IdRule:
    pattern: re.Pattern[str]
    says: str  # the rule in words, for error messages (operators and log readers)


def _rule(pattern: str, says: str) -> IdRule:
    return IdRule(re.compile(pattern), says)


# Slack: team ids start with T (an Enterprise Grid organisation's with E); conversation ids with
# C (public channel), G (private channel or old group) or D (a DM with the app); the rest is
# upper-case letters and digits. Slack's ids are 9–11 characters today and Slack says they may
# grow, so the only length bound is the storage width.
# Discord: snowflakes, 64-bit integers written in decimal, 17–20 digits for anything created
# since 2015; "dm" stands for the guild of a direct message (handlers/discord/bot.py).
# Console: names typed locally (`console:local/demo`), a looser rule: letters, digits, . _ -.
ID_RULES: dict[tuple[str, Part], IdRule] = {
    ("slack", "workspace"): _rule(r"[TE][A-Z0-9]{1,63}", "T or E, then upper-case letters and digits"),
    ("slack", "channel"): _rule(r"[CGD][A-Z0-9]{1,63}", "C, G or D, then upper-case letters and digits"),
    ("discord", "workspace"): _rule(r"[1-9][0-9]{16,19}|dm", "a server id of 17 to 20 digits"),
    ("discord", "channel"): _rule(r"[1-9][0-9]{16,19}", "a channel id of 17 to 20 digits"),
    ("console", "workspace"): _rule(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "letters, digits, '.', '_' or '-'"),
    ("console", "channel"): _rule(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "letters, digits, '.', '_' or '-'"),
}


class InvalidIdError(BadInputError):
    """An id that the platform cannot have issued."""


def id_problem(platform: str, part: Part, value: object) -> str | None:
    """Why `value` cannot be a `platform` `part` id (one line, the value shortened), or None."""
    rule = ID_RULES.get((platform, part))
    if rule is None:
        return f"unknown platform {platform!r}"
    if not isinstance(value, str) or not value:
        return f"the {platform} {part} id is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"the {platform} {part} id {value[:20]!r}… is longer than {MAX_ID_LENGTH} characters"
    if rule.pattern.fullmatch(value) is None:
        return f"{value[:40]!r} is not a {platform} {part} id ({rule.says})"
    return None


def channel_problem(ref: ChannelRef) -> str | None:
    """The first reason `ref` cannot name a real channel, or None when both ids fit their rules."""
    return id_problem(ref.platform, "workspace", ref.workspace) or id_problem(
        ref.platform, "channel", ref.channel
    )


def is_personal(ref: ChannelRef) -> bool:
    """Whether `ref` is a reader's direct message with the app (a personal digest), not a channel:
    a Slack conversation id starting with D (an IM), or a Discord channel outside any server (the
    bot's DM with one user, stored under the workspace "dm"). Told from the ids alone, so every
    part of paperbot (delivery, notices, export, the views) agrees without a column of its own."""
    if ref.platform == "slack":
        return ref.channel.startswith("D")
    return ref.platform == "discord" and ref.workspace == DISCORD_DM_WORKSPACE


def valid_channel(ref: ChannelRef) -> bool:
    return channel_problem(ref) is None


def check_channel(ref: ChannelRef) -> ChannelRef:
    """`ref` itself; raises InvalidIdError saying which id is wrong and what it should look like."""
    problem = channel_problem(ref)
    if problem is not None:
        raise InvalidIdError(problem)
    return ref
