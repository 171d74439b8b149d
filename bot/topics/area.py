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
_PUNCTUATION = frozenset("、，,;；。/|\n")
_OPEN, _CLOSE = frozenset("(（[【"), frozenset(")）]】")
LEAD_ITEMS = 2


def split_area(area: str) -> tuple[str, str]:
    """The application area's subject (its first items) and the rest, each `;`-joined."""
    head, tail = area, ""
    turn = _SPECIFICS.search(area)
    if turn:
        head, tail = area[: turn.start()], area[turn.start() :]
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in head:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and char in _PUNCTUATION:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    items = [item.strip(" ：:") for item in items if item.strip(" ：:")]
    rest = " ; ".join([*items[LEAD_ITEMS:], tail.strip()]).strip(" ;")
    return " ; ".join(items[:LEAD_ITEMS]), rest
