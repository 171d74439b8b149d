"""Reading markdown the way digests write it: titles as shown, without the markup around them."""

from __future__ import annotations

import pytest

from bot.reports.markdown import clean_title, key_value, plain_text


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


def test_markup_alone_on_a_line_leaves_no_blank_at_either_end_of_a_text() -> None:
    lines = ["</font>**", "> Safety-aligned LLMs.", "<br>"]
    assert plain_text(lines, first_inline=True) == "Safety-aligned LLMs."


def test_html_tags_around_a_label_are_no_part_of_it_nor_of_its_value() -> None:
    pair = key_value("**<font color=#1a73e8>作者：</font>** Daniel Kuznetsov")
    assert pair is not None
    assert (pair.key, pair.value, pair.emphasised) == ("作者", "Daniel Kuznetsov", True)
    assert key_value("<font color=red>Note</font> that this is text") is None
