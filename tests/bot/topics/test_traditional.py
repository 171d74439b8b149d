"""Traditional characters typed for topic names and command words (bot/topics/traditional.py)."""

from __future__ import annotations

import pytest

from bot.models import Interests
from bot.topics.resolve import resolve_terms
from bot.topics.taxonomy import builtin_taxonomy
from bot.topics.traditional import TRADITIONAL, to_simplified


def test_the_table_only_folds_traditional_characters() -> None:
    # A character both folded and folded to would make the fold depend on the order it runs in.
    assert not set(TRADITIONAL) & set(TRADITIONAL.values())
    assert all(len(old) == 1 and len(new) == 1 and old != new for old, new in TRADITIONAL.items())


def test_every_built_in_topic_name_is_already_simplified() -> None:
    # The taxonomy is compared folded: a name the fold changed could never be typed as written.
    for topic in builtin_taxonomy():
        for name in topic.names:
            assert to_simplified(name) == name, (topic.id, name)


@pytest.mark.parametrize(
    ("typed", "topic"),
    [
        ("機器人", "robotics"),
        ("強化學習", "reinforcement-learning"),
        ("視頻生成", "video-generation"),
        ("擴散模型", "diffusion"),
        ("語音", "speech-audio"),
        ("醫療", "medicine-biology"),
    ],
)
def test_a_topic_named_in_traditional_characters_is_that_topic(typed: str, topic: str) -> None:
    found = builtin_taxonomy().find(typed)
    assert found is not None, typed
    assert found.id == topic


def test_a_traditional_topic_list_subscribes_to_the_topics_not_keywords() -> None:
    interests = resolve_terms("機器人、強化學習，視頻生成", builtin_taxonomy())
    assert set(interests.topics) == {"robotics", "reinforcement-learning", "video-generation"}
    assert interests.keywords == ()


@pytest.mark.parametrize(
    ("typed", "topics"),
    [
        ("強化學習與視頻生成", ("reinforcement-learning", "video-generation")),
        ("強化學習和視頻生成", ("reinforcement-learning", "video-generation")),
        ("機器人及強化學習", ("robotics", "reinforcement-learning")),
    ],
)
def test_and_between_two_traditional_topic_names_names_both(typed: str, topics: tuple[str, ...]) -> None:
    # 與 is 与: `強化學習與視頻生成` was one keyword no paper says, and the channel got nothing.
    assert resolve_terms(typed, builtin_taxonomy()) == Interests(topics)


def test_folded_is_the_fold_for_long_text() -> None:
    from bot.topics.traditional import folded

    assert folded("強化學習 and RL") == to_simplified("強化學習 and RL") == "强化学习 and RL"
    assert folded("强化学习") == "强化学习"
