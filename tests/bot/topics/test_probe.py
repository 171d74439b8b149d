from __future__ import annotations

import pytest

from bot.models import Paper
from bot.topics.matcher import ReportMatcher
from bot.topics.probe import TopicProbe, probe_form
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

TAXONOMY = builtin_taxonomy()
TEXTS = [
    "scaling rl for llm agents",
    "用 grpo 训练小模型的强化学习方法",
    "camera control for text to video generation with 3dgs",
    "an image editing benchmark",
    "nothing to see here",
]


def both_probes() -> tuple[TopicProbe, TopicProbe]:
    patterns = [(t.id, t.strong_patterns) for t in TAXONOMY]
    fallback = [(t.id, t.strong_probe) for t in TAXONOMY]
    return TopicProbe(patterns, fallback), TopicProbe(patterns, fallback, use_re2=False)


def test_re2_and_the_re_fallback_find_the_same_candidates() -> None:
    fast, slow = both_probes()
    assert fast.uses_re2
    assert not slow.uses_re2
    for text in TEXTS:
        assert fast.candidates(text) >= slow.candidates(text), text  # RE2's probes are never narrower
    assert "reinforcement-learning" in fast.candidates(TEXTS[1])
    assert fast.candidates(TEXTS[4]) == set() == slow.candidates(TEXTS[4])


def test_probe_form_drops_what_re2_cannot_run_and_widens_classes() -> None:
    assert probe_form("(?<!具身)代理(?!模型|任务)") == "代理"
    assert probe_form("(?-i:Lean) ?4?") == "(?:lean) ?4?"
    assert probe_form(r"generat\w* videos?") == r"generat[\pL\pN_]* videos?"


def test_the_matcher_gives_the_same_answer_with_either_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    papers: list[Paper] = [
        paper(arxiv_id=f"2601.0000{i}", title=title, domain=domain)
        for i, (title, domain) in enumerate(
            [
                ("Scaling RL for Agents", "强化学习、智能体"),
                ("Text-to-Video with Camera Control", "视频生成"),
                ("A Survey of Everything", "综述"),
            ],
            start=1,
        )
    ]
    with_re2 = ReportMatcher(papers, TAXONOMY)
    patterns = [(t.id, t.strong_patterns) for t in TAXONOMY]
    weak = [(t.id, t.weak_patterns) for t in TAXONOMY]
    monkeypatch.setitem(
        TAXONOMY.__dict__,
        "strong_probe",
        TopicProbe(patterns, [(t.id, t.strong_probe) for t in TAXONOMY], use_re2=False),
    )
    monkeypatch.setitem(
        TAXONOMY.__dict__,
        "weak_probe",
        TopicProbe(weak, [(t.id, t.weak_probe) for t in TAXONOMY], use_re2=False),
    )
    without = ReportMatcher(papers, TAXONOMY)
    for position in range(len(papers)):
        assert with_re2.topics_of(position) == without.topics_of(position)
    assert with_re2.topics_of(0).keys() >= {"reinforcement-learning", "agents"}
