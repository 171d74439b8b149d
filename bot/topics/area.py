"""Reading a report's application area: its subject first, what it also touches after."""

from __future__ import annotations

import re

# Areas read "NLP - main topic、secondary、…，具体涉及：…". The subject is the first items of
# the list (split at list punctuation outside parentheses); the later items, and whatever
# follows a turn to specifics ("具体涉及", "mainly applied to"), are what it also touches.
_SPECIFICS = re.compile(
    r"具体涉及|具体针对|具体聚焦|主要应用于|\b(?:specifically|in particular|mainly applied to)\b",
    re.IGNORECASE,
)
# List punctuation, unless a closing parenthesis comes before the next opening one (then the
# punctuation is inside parentheses: "多模态 (MLLM, VLM)").
_ITEM_BREAK = re.compile(r"[、，,;；。/|\n](?![^(（\[【]*[)）\]】])")
LEAD_ITEMS = 2


def split_area(area: str) -> tuple[str, str]:
    """The application area's subject (its first items) and the rest, each `;`-joined."""
    head, tail = area, ""
    turn = _SPECIFICS.search(area)
    if turn:
        head, tail = area[: turn.start()], area[turn.start() :]
    items = [item.strip(" ：:") for item in _ITEM_BREAK.split(head)]
    items = [item for item in items if item]
    rest = " ; ".join([*items[LEAD_ITEMS:], tail.strip()]).strip(" ;")
    return " ; ".join(items[:LEAD_ITEMS]), rest
