"""One generic splitter for every chat platform's message limits.

A digest is a list of cards; a platform allows so many blocks (Slack) or embeds (Discord) and
so many characters per message. `pack` fills messages in order, never reordering and never
splitting a card, so each platform only says how big a card is and what its limits are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def pack(
    items: Sequence[T],
    *,
    size: Callable[[T], int],
    max_size: int,
    count: Callable[[T], int] = lambda _item: 1,
    max_count: int,
    first_overhead: tuple[int, int] = (0, 0),
) -> list[list[T]]:
    """Group `items`, in order, into chunks whose summed `size` stays within `max_size` and summed
    `count` within `max_count`. `first_overhead` is the (size, count) the first chunk already
    uses (a header). An item too big for an empty chunk gets a chunk of its own: callers clip
    items to fit, and the platform's own check is the last word."""
    chunks: list[list[T]] = []
    current: list[T] = []
    used_size, used_count = first_overhead
    for item in items:
        item_size, item_count = size(item), count(item)
        if current and (used_size + item_size > max_size or used_count + item_count > max_count):
            chunks.append(current)
            current, used_size, used_count = [], 0, 0
        current.append(item)
        used_size += item_size
        used_count += item_count
    if current:
        chunks.append(current)
    return chunks
