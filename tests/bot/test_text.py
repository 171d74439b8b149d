"""Text helpers shared by the core."""

from __future__ import annotations

import pytest

from bot.text import first_sentence


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
