"""One matcher, a field profile per kind of paper: a report's sections, or an API item's title,
AI keywords, AI summary and abstract (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.models import Interests
from bot.reports.sources.hf_api import parse_daily_papers_json
from bot.topics.matcher import (
    ABSTRACT_PROFILE,
    REPORT_PROFILE,
    ReportMatcher,
    paper_fields,
    profile_for,
    score_topic,
)
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

TAXONOMY = builtin_taxonomy()
BENCHMARKS = TAXONOMY.get("benchmarks")
REASONING = TAXONOMY.get("reasoning")
RL = TAXONOMY.get("reinforcement-learning")
SAVED_ANSWER = Path(__file__).parents[2] / "fixtures" / "hf-api" / "daily-papers-api-answer-2025-06-02.json"


def test_a_paper_with_report_sections_is_read_as_a_report_and_an_api_item_by_its_abstract() -> None:
    assert profile_for(paper(domain="强化学习", contribution="提出 RL 方法。")) is REPORT_PROFILE
    assert profile_for(paper(contribution="One line.", summary="An abstract.")) is ABSTRACT_PROFILE
    assert profile_for(paper(keywords=("reinforcement learning",))) is ABSTRACT_PROFILE
    assert profile_for(paper(title="Only a title")) is REPORT_PROFILE
    # The one-line summary of an API item is its own field, not a report's contribution.
    names = [f.name for f in paper_fields(paper(contribution="One line.", summary="An abstract."))]
    assert "summary_line" in names
    assert "contribution" not in names


def test_results_on_benchmarks_in_the_summary_and_abstract_do_not_make_a_benchmark_paper() -> None:
    method = paper(
        title="Sparse Mixture Routing for Faster Decoding",
        contribution="A routing method that achieves state-of-the-art results on standard benchmarks.",
        summary="We propose a routing method. Experiments on five benchmarks show gains over baselines.",
        keywords=("mixture of experts", "routing"),
    )
    assert score_topic(BENCHMARKS, paper_fields(method)) is None
    # The same words in a report's contribution section still count as they always did.
    report_paper = paper(
        title="Sparse Mixture Routing for Faster Decoding",
        domain="大模型 - 基准测试",
        contribution="A routing method that achieves state-of-the-art results on standard benchmarks.",
    )
    assert score_topic(BENCHMARKS, paper_fields(report_paper)) is not None


def test_a_benchmark_named_in_its_title_or_keywords_is_a_benchmark_paper() -> None:
    named = paper(
        title="DiffusionBench: On Holistic Evaluation of Diffusion Transformers",
        contribution="A unified framework for training and evaluating diffusion transformers.",
        summary="We introduce a suite of evaluations.",
    )
    assert score_topic(BENCHMARKS, paper_fields(named)) is not None
    keyworded = paper(
        title="Can Video Caption Models Follow Instructions?",
        contribution="A new benchmark evaluates video captioning models on instruction following.",
        summary="We present a benchmark of 1,400 videos.",
        keywords=("video captioning", "benchmark"),
    )
    assert score_topic(BENCHMARKS, paper_fields(keyworded)) is not None


def test_an_api_items_reason_quotes_the_words_and_names_its_fields_in_both_languages() -> None:
    report = parse_daily_papers_json(SAVED_ANSWER.read_text(encoding="utf-8"), origin=SAVED_ANSWER.name)
    prorl = next(p for p in report.papers if p.arxiv_id == "2505.24864")
    (match,) = ReportMatcher(report.papers, TAXONOMY).match(Interests(("reinforcement-learning",)))[:1]
    assert match.paper is prorl
    assert (
        match.matches[0].reason()
        == 'matched "Reinforcement Learning" in title, keywords, summary and abstract'
    )
    assert match.matches[0].reason("zh") == "标题、关键词、一句话总结、摘要命中「Reinforcement Learning」"


def test_a_keyword_acronym_finds_the_paper_that_spells_it_out_and_the_other_way_round() -> None:
    spelled = paper(
        title="Chem-R: Learning to Reason as a Chemist",
        contribution="A chemical reasoning model trained in three phases.",
        summary="The last phase uses Multi-task Group Relative Policy Optimization.",
        keywords=("Multi-task Group Relative Policy Optimization", "molecular tasks"),
        arxiv_id="2510.16880",
    )
    short = paper(title="GRPO at Scale", arxiv_id="2510.00002")
    unrelated = paper(title="Group Relative Pose Estimation", arxiv_id="2510.00003")
    matcher = ReportMatcher([spelled, short, unrelated], TAXONOMY)
    found = [m.paper.arxiv_id for m in matcher.match(Interests(keywords=("GRPO",)))]
    assert found == ["2510.00002", "2510.16880"]  # the title outweighs the keywords and abstract
    reason = matcher.match(Interests(keywords=("GRPO",)))[1].matches[0].reason()
    assert reason == 'matched "Group Relative Policy Optimization" in keywords and abstract'
    spelled_out = Interests(keywords=("group relative policy optimization",))
    assert {m.paper.arxiv_id for m in matcher.match(spelled_out)} == {"2510.16880", "2510.00002"}
    assert TAXONOMY.spellings("grpo") == ("group relative policy optimization",)
    assert TAXONOMY.spellings("no such acronym") == ()


def test_an_optional_space_in_a_pattern_matches_with_and_without_it() -> None:
    from bot.topics.taxonomy import compile_pattern

    optional = re.compile(compile_pattern("multi ?modal embeddings?"))
    assert optional.search("a multimodal embedding model")
    assert optional.search("Multi modal embeddings")  # "multi-modal", normalised
    assert not optional.search("multi  modalities")
    assert re.compile(compile_pattern("text to video")).search("text to  video")


def test_an_acronyms_table_that_is_not_names_is_refused() -> None:
    import pytest

    from bot.topics.taxonomy import parse_taxonomy

    with pytest.raises(ValueError, match="acronyms must map"):
        parse_taxonomy('[acronyms]\nGRPO = ""\n')
