"""Upvote counts as reports give them (`(156 votes)`, `👍 42`, a votes column, the Hugging Face
API's `upvotes`): every reader takes its count through `upvote_count`, so one rule says which
counts a paper can have."""

from __future__ import annotations

# The archive's INTEGER column is 4 bytes on PostgreSQL (bot/store/limits.py's INT4_MAX; not
# imported, so parse workers load no SQLAlchemy): a larger count made it refuse the whole day's
# report. No paper has had more than a few thousand.
MAX_UPVOTES = 2**31 - 1
_MAX_DIGITS = len(str(MAX_UPVOTES))


def upvote_count(value: object) -> int | None:
    """A count of upvotes — a whole number, or its digits as text (`1,234`) — or None for anything
    no real count is: negative, past MAX_UPVOTES, not a number. Text of thousands of digits is
    refused before `int()` sees it (which raises past 4,300 digits)."""
    if isinstance(value, str):
        digits = value.replace(",", "").strip()
        if not digits.isdecimal() or len(digits) > _MAX_DIGITS:
            return None
        value = int(digits)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UPVOTES:
        return value
    return None
