from __future__ import annotations

import re

import pytest

from bot.models import Paper
from bot.topics.matcher import paper_fields, score_topic
from bot.topics.taxonomy import builtin_taxonomy, compile_pattern, normalise, parse_taxonomy


def matches(pattern: str, text: str) -> bool:
    return re.search(compile_pattern(pattern), normalise(text)) is not None


def test_the_builtin_taxonomy_is_bilingual_and_broad() -> None:
    taxonomy = builtin_taxonomy()
    assert len(taxonomy) >= 25
    for topic in taxonomy:
        assert topic.name.isascii()
        assert topic.name
        assert topic.zh
        assert all(re.search(r"[\u4e00-\u9fff]", name) for name in topic.zh[:1])
    for name in ("video generation", "RL", "强化学习", "agents", "智能体", "robotics", "具身智能", "机器人"):
        assert taxonomy.find(name) is not None, name


def test_every_name_finds_its_own_topic() -> None:
    taxonomy = builtin_taxonomy()
    for topic in taxonomy:
        for name in topic.names:
            assert taxonomy.find(name) is topic
            assert taxonomy.find(name.upper()) is topic  # case does not matter for names
    assert taxonomy.find("Video-Generation") is taxonomy.get("video-generation")
    assert taxonomy.find("ｒｌ") is taxonomy.get("reinforcement-learning")  # full-width input


@pytest.mark.parametrize("topic", builtin_taxonomy().topics, ids=lambda t: t.id)
def test_a_paper_named_after_a_topic_is_about_it(topic: object) -> None:
    # A title with the English name and an area with the Chinese name must be enough for
    # every topic: otherwise a topic's evidence patterns do not cover its own names.
    from bot.topics.taxonomy import Topic

    assert isinstance(topic, Topic)
    paper = Paper("2601.00001", f"Advances in {topic.name}", "u", domain=f"{topic.zh[0]}。")
    assert score_topic(topic, paper_fields(paper)) is not None


def test_acronyms_are_case_sensitive_whole_words() -> None:
    assert matches("RL", "RL-based post-training")
    assert matches("RL", "使用RL训练")
    assert not matches("RL", "paste the URL here")
    assert not matches("RL", "a curl request")
    assert not matches("RL", "rl")


def test_words_match_whole_words_in_any_case_and_spelling() -> None:
    assert matches("agents?", "Agents that write tools")
    assert not matches("agents?", "a chemical reagent")
    assert matches("text to video", "Text-to-Video Generation")
    assert matches("text to video", "text‑to‑video")  # non-breaking hyphens
    assert matches("视频生成", "长视频生成模型")


def test_a_name_shared_by_two_topics_is_refused() -> None:
    text = """
[[topic]]
id = "a"
name = "alpha"
aliases = ["shared"]
strong = ["alpha"]

[[topic]]
id = "b"
name = "beta"
aliases = ["Shared"]
strong = ["beta"]
"""
    with pytest.raises(ValueError, match=r"(?i)shared"):
        parse_taxonomy(text)


def test_a_topic_without_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match="strong patterns"):
        parse_taxonomy('[[topic]]\nid = "a"\nname = "alpha"\n')


def test_every_built_in_pattern_compiles_and_a_bad_one_fails_when_compiled() -> None:
    import re

    for topic in builtin_taxonomy():
        assert topic.compile()[0] is not None  # strong evidence, always
    broken = parse_taxonomy('[[topic]]\nid = "a"\nname = "alpha"\nstrong = ["(unclosed"]\n')
    (topic,) = broken
    with pytest.raises(re.error):
        topic.compile()
