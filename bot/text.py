"""Small text helpers shared by every reply and log line."""

from __future__ import annotations


def count(number: int, noun: str) -> str:
    """`1 paper`, `2 papers`: English plural by `s`, enough for the nouns paperbot prints."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
