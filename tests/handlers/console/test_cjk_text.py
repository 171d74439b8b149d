"""Where the console may break a line of mixed Chinese and English text."""

from __future__ import annotations

import itertools

from rich.cells import cell_len

from handlers.console.cjk_text import break_offsets, pieces


def lines_of(text: str, width: int) -> list[str]:
    offsets = [0, *break_offsets(text, width), len(text)]
    return [text[start:end] for start, end in itertools.pairwise(offsets)]


def test_each_chinese_character_is_a_piece_and_english_words_stay_whole() -> None:
    assert [piece for _, piece in pieces("使用 GRPO 训练")] == ["使", "用 ", "GRPO ", "训", "练"]


def test_punctuation_stays_with_the_character_it_belongs_to() -> None:
    # Closing punctuation never starts a line; opening punctuation never ends one.
    assert [piece for _, piece in pieces("模型（RL）。视频「生成」，")] == [
        "模",
        "型",
        "（RL）。",
        "视",
        "频",
        "「生",
        "成」，",
    ]


def test_lines_fill_the_width_and_never_exceed_it() -> None:
    text = "系统研究了在 1B–7B 小模型上使用 GRPO 进行强化学习的稳定性问题，提出组内方差归一化与长度惩罚。"
    for width in range(6, 60):
        lines = lines_of(text, width)
        assert "".join(lines) == text
        assert all(cell_len(line.rstrip()) <= width for line in lines), width


def test_a_word_wider_than_a_line_is_folded() -> None:
    lines = lines_of("see https://huggingface.co/papers/2611.01004 now", 12)
    assert "".join(lines) == "see https://huggingface.co/papers/2611.01004 now"
    assert all(cell_len(line.rstrip()) <= 12 for line in lines)
