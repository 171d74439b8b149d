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
    "stylebench: evaluating thinking styles in large language models",
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
    assert "benchmarks" in fast.candidates(TEXTS[5])  # a "…Bench:" title


def test_probe_form_drops_what_re2_cannot_run_and_widens_classes() -> None:
    assert probe_form("(?<!具身)代理(?!模型|任务)") == "代理"
    assert probe_form("(?-i:Lean) ?4?") == "(?:lean) ?4?"
    assert probe_form(r"generat\w* videos?") == r"generat[\pL\pN_]* videos?"
    # Inside a class the Unicode spelling goes in without brackets of its own: "[[\pL\pN_] ]"
    # would be another class, and RE2 missed every "StyleBench:" title (issue 18).
    assert probe_form(r"^[\w ]{0,30}Bench\w*:") == r"^[\pL\pN_ ]{0,30}bench[\pL\pN_]*:"
    assert probe_form(r"\d+[\d.]*x") == r"[\pN]+[\pN.]*x"


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


def test_the_probe_finds_every_topic_whose_exact_patterns_match_real_papers() -> None:
    # The probe must be a superset, or a topic is silently never scored (a "…Bench:" title was
    # missed this way). Checked on every field of real API items: titles, keywords, abstracts.
    from benchmarks.eval_topics import EVAL
    from bot.reports.sources.hf_api import parse_daily_papers_json
    from bot.topics.matcher import paper_fields

    strong, weak = TAXONOMY.strong_probe, TAXONOMY.weak_probe
    days = sorted((EVAL / "api").glob("*.json"))[:6]
    checked = 0
    for day in days:
        report = parse_daily_papers_json(day.read_text(encoding="utf-8"), origin=day.name)
        for field in (f for p in report.papers for f in paper_fields(p)):
            found_strong, found_weak = strong.candidates(field.lower), weak.candidates(field.lower)
            for topic in TAXONOMY:
                if topic.strong.search(field.text):
                    assert topic.id in found_strong, (topic.id, field.text[:80])
                    checked += 1
                if topic.weak is not None and topic.weak.search(field.text):
                    assert topic.id in found_weak, (topic.id, field.text[:80])
    assert checked > 500
