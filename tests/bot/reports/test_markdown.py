"""Reading markdown the way digests write it: titles as shown, without the markup around them."""

from __future__ import annotations

import pytest

from bot.reports.markdown import clean_title


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        # Link syntax without its URL wraps the whole title (Zi-yangChen/hf-daily-papers-summarizer).
        ("1. **[EvoArena: Tracking Memory Evolution]**", "EvoArena: Tracking Memory Evolution"),
        ("**[MiniMax Sparse Attention]**", "MiniMax Sparse Attention"),
        ("【稀疏注意力】", "稀疏注意力"),
        ("[A [Nested] Title]", "A [Nested] Title"),
    ],
)
def test_a_bracket_pair_wrapping_the_whole_title_is_markup(raw: str, title: str) -> None:
    assert clean_title(raw) == title


@pytest.mark.parametrize("raw", ["[RE] Reproducing Sparse Keys", "Sparse Keys [v2]", "[A] [B]", "[]"])
def test_brackets_that_are_part_of_the_title_stay(raw: str) -> None:
    assert clean_title(raw) == raw
