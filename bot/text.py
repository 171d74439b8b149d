"""Small text helpers shared by every reply and log line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Control characters (other than tab and newline) and bidirectional overrides and isolates can
# corrupt a terminal (`ESC [2J`, a window title) or disguise text in chat (U+202E turns what
# follows it around); report text is untrusted, so no reader of a report lets them in. A lone
# surrogate (JSON's `"\ud800"`, valid JSON) is no character at all: no UTF-8 text can hold it, so
# the archive could not store it, nor a terminal print it.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffc\ud800-\udfff]")


def without_unsafe(text: str) -> str:
    """`text` minus the UNSAFE characters."""
    return UNSAFE.sub("", text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis (every platform's limits)."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + "…"


def text_lines(text: str) -> list[str]:
    """A section's lines (its bullets) as a card shows them: spacing within each collapsed, blank
    lines left out, so a report cannot push the rest of a card out of sight with empty lines."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def wrap_line(line: str, room: int, cut: Callable[[str, int], int]) -> list[str]:
    """`line` in pieces of at most `room` characters; `cut(line, room)` says where a piece may end
    (at a space near the end, never inside a platform's escape)."""
    pieces: list[str] = []
    while len(line) > room:
        at = cut(line, room)
        pieces.append(line[:at].rstrip())
        line = line[at:].lstrip()
    pieces.append(line)
    return pieces


def fit_lines(lines: list[str], budget: int, cut: Callable[[str, int], int]) -> list[str]:
    """`lines` in at most `budget` characters, line breaks counted, by shortening the longest line
    (ending it with " …"): the short ones, a schedule or a pause reason, always stay whole."""
    excess = sum(len(line) + 1 for line in lines) - budget
    if excess <= 0 or not lines:
        return lines
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    line = lines[longest]
    kept = line[: cut(line, max(len(line) - excess - 2, 1))].rstrip()
    return [*lines[:longest], kept + " …", *lines[longest + 1 :]]


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` columns (`str.ljust` counts a CJK character as one)."""
    return text + " " * max(0, width - display_width(text))


def count(number: int, noun: str) -> str:
    """`1 paper`, `2 papers`: English plural by `s`, enough for the nouns paperbot prints."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# A sentence may end at `.`, `!` or `?` before a space (not in "e.g" or "3.5"), or at a full-width
# `。！？`, which Chinese text follows with no space.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")
# Abbreviations that end in a full stop within a sentence of an abstract ("Recent works in volume
# rendering, e.g. NeRF", "Recently, Zaremba et al. (2025) showed"): no end of it.
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|cf|vs|viz|resp|approx|fig|figs|eq|eqs|sec|ref|refs)\.)$", re.I
)
_LOWER_NEXT = re.compile(r"\s+[a-z]")


def first_sentence(text: str) -> str:
    """The first sentence of a text (an abstract's, for a card's one-line contribution); the whole
    text when it has no sentence end. A full stop after an abbreviation, or before a word in
    lower case, ends none."""
    for found in _SENTENCE_END.finditer(text):
        end = found.end()
        if found.group() == "." and (
            _ABBREVIATION.search(text, max(0, end - 8), end) or _LOWER_NEXT.match(text, end)
        ):
            continue
        return text[:end]
    return text
