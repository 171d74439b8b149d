"""Text helpers shared by the core."""

from __future__ import annotations

import pytest

from bot.text import first_sentence, fit_lines, wrap_line


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("We train agents. They plan.", "We train agents."),
        ("Scores rise from 3.5 to 4.1! More follows.", "Scores rise from 3.5 to 4.1!"),
        ("我们训练智能体。它们会规划。", "我们训练智能体。"),
        ("No end here", "No end here"),
        # real abstracts (2404589803/hf-daily-paper-newsletter-chinese, saved daily_papers answers)
        (
            "Recent works in volume rendering, e.g. NeRF and 3D Gaussian Splatting (3DGS), "
            "significantly advance the rendering quality. Yet they cost much.",
            "Recent works in volume rendering, e.g. NeRF and 3D Gaussian Splatting (3DGS), "
            "significantly advance the rendering quality.",
        ),
        (
            'Many real-world user queries (e.g. "How do to make egg fried rice?") could benefit '
            "from systems. We build one.",
            'Many real-world user queries (e.g. "How do to make egg fried rice?") could benefit '
            "from systems.",
        ),
        (
            "Recently, Zaremba et al. demonstrated that scaling helps. We test it.",
            "Recently, Zaremba et al. demonstrated that scaling helps.",
        ),
        (
            "Text-to-music editing (i.e. by changing its style) is hard. We try.",
            "Text-to-music editing (i.e. by changing its style) is hard.",
        ),
        ("Compare A vs. B on ten tasks. B wins.", "Compare A vs. B on ten tasks."),
    ],
)
def test_the_first_sentence_does_not_end_at_an_abbreviation(text: str, sentence: str) -> None:
    assert first_sentence(text) == sentence


def test_fit_lines_shortens_the_longest_line_and_keeps_the_others_whole() -> None:
    def at_space(line: str, room: int) -> int:
        return line.rfind(" ", 0, room + 1) or room

    lines = ["follows: " + "word " * 100, "Digest daily at 09:00 (UTC).", "Paused: reason"]
    fitted = fit_lines(lines, 200, at_space)
    assert sum(len(line) + 1 for line in fitted) <= 200
    assert fitted[0].startswith("follows: word")
    assert fitted[0].endswith("word …")
    assert fitted[1:] == lines[1:]
    assert fit_lines(lines[1:], 200, at_space) == lines[1:]
    assert wrap_line("aaa bbb ccc", 7, at_space) == ["aaa bbb", "ccc"]
