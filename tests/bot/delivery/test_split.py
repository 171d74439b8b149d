from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.delivery.split import pack


def test_items_are_packed_in_order_within_both_limits() -> None:
    chunks = pack([5, 5, 5, 5, 5], size=lambda n: n, max_size=12, max_count=10)
    assert chunks == [[5, 5], [5, 5], [5]]
    chunks = pack([1] * 7, size=lambda n: n, max_size=100, max_count=3)
    assert chunks == [[1, 1, 1], [1, 1, 1], [1]]


def test_the_first_chunk_leaves_room_for_a_header() -> None:
    assert pack([4, 4, 4], size=lambda n: n, max_size=10, max_count=5, first_overhead=(3, 0)) == [
        [4],
        [4, 4],
    ]
    assert pack([1, 1, 1], size=lambda n: n, max_size=10, max_count=3, first_overhead=(0, 2)) == [[1], [1, 1]]


def test_an_oversized_item_travels_alone() -> None:
    assert pack([2, 50, 2], size=lambda n: n, max_size=10, max_count=5) == [[2], [50], [2]]
    assert pack([], size=lambda n: n, max_size=10, max_count=5) == []


@given(st.lists(st.integers(min_value=1, max_value=20), max_size=60), st.integers(1, 8))
def test_nothing_is_lost_reordered_or_over_a_limit(sizes: list[int], max_count: int) -> None:
    chunks = pack(sizes, size=lambda n: n, max_size=25, max_count=max_count)
    assert [n for chunk in chunks for n in chunk] == sizes
    for chunk in chunks:
        assert len(chunk) <= max_count
        assert sum(chunk) <= 25 or len(chunk) == 1
