"""Small text helpers shared by every reply and log line."""

from __future__ import annotations

import re
import unicodedata


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis (every platform's limits)."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + "…"


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` columns (`str.ljust` counts a CJK character as one)."""
    return text + " " * max(0, width - display_width(text))


def count(number: int, noun: str) -> str:
    """`1 paper`, `2 papers`: English plural by `s`, enough for the nouns paperbot prints."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# A sentence ends at `.`, `!` or `?` before a space (not in "e.g" or "3.5"), or at a full-width
# `。！？`, which Chinese text follows with no space.
_FIRST_SENTENCE = re.compile(r"^(.+?(?:[.!?](?=\s|$)|[。！？]))", re.S)


def first_sentence(text: str) -> str:
    """The first sentence of a text (an abstract's, for a card's one-line contribution); the whole
    text when it has no sentence end."""
    found = _FIRST_SENTENCE.match(text)
    return found.group(1) if found else text
