"""Completions of topic lists and time zones (bot/chat/completion.py): Discord's autocomplete and
the console's tab."""

from __future__ import annotations

import pytest

from bot.chat.completion import complete_topics
from bot.topics.taxonomy import builtin_taxonomy

TAXONOMY = builtin_taxonomy()


@pytest.mark.parametrize(
    ("typed", "locale", "value"),
    [
        ("RL, vid", "en", "RL, video generation"),
        ("RL,vid", "en", "RL, video generation"),
        # A Chinese list is separated as the help says (、 or ，): the last item is completed.
        ("强化学习、视频", "zh", "强化学习、视频生成"),
        ("强化学习，视频", "zh", "强化学习，视频生成"),
        ("强化学习；视频", "zh", "强化学习；视频生成"),
        ("视频", "zh", "视频生成"),
    ],
)
def test_the_last_item_of_a_topic_list_is_completed(typed: str, locale: str, value: str) -> None:
    values = [choice for _label, choice in complete_topics(typed, TAXONOMY, locale)]
    assert value in values, values
