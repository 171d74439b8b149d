"""Small text helpers shared by every reply and log line."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at the end with an ellipsis (every platform's limits)."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + "…"


def count(number: int, noun: str) -> str:
    """`1 paper`, `2 papers`: English plural by `s`, enough for the nouns paperbot prints."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
