from __future__ import annotations

from bot.models import Interests, Paper
from bot.topics.area import split_area
from bot.topics.matcher import ReportMatcher, keyword_pattern, paper_fields, score_keyword, score_topic
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

TAXONOMY = builtin_taxonomy()
RL = TAXONOMY.get("reinforcement-learning")
VIDEO = TAXONOMY.get("video-generation")
REASONING = TAXONOMY.get("reasoning")
MEDICINE = TAXONOMY.get("medicine-biology")


def about(topic_paper: Paper, topic: object) -> bool:
    from bot.topics.taxonomy import Topic

    assert isinstance(topic, Topic)
    return score_topic(topic, paper_fields(topic_paper)) is not None


def test_a_topic_in_the_title_or_the_area_is_what_the_paper_is_about() -> None:
    assert about(paper(title="Scaling RL for LLM Agents"), RL)
    assert about(paper(domain="自然语言处理 - 强化学习（RL）后训练"), RL)
    assert about(paper(title="Minute-Long Text-to-Video Generation"), VIDEO)


def test_a_method_in_the_contribution_and_innovations_implies_the_topic() -> None:
    grpo = paper(
        title="Stable Small Models",
        domain="自然语言处理 - 大语言模型",
        contribution="用 GRPO 训练小模型。",
        innovations="组内方差归一化的 GRPO 变体。",
    )
    match = score_topic(RL, paper_fields(grpo))
    assert match is not None
    assert "GRPO" in match.reason()


def test_words_in_passing_do_not_select_a_paper() -> None:
    # "reward" and "policy" in the long sections, RL only in the results: not an RL paper.
    assert not about(
        paper(
            title="Sharper Image Super-Resolution",
            domain="计算机视觉 - 图像超分辨率",
            contribution="提出新的超分网络。",
            usage="可选地用 reward 模型筛选输出；推理时 policy 固定。",
            results="比 RL 微调的基线高 0.3 dB。",
        ),
        RL,
    )
    # A video-understanding paper says "video" everywhere but does not generate any.
    assert not about(
        paper(
            title="Long Video Understanding with Memory",
            domain="多模态大模型 - 视频理解、视频问答",
            contribution="让视频大模型回答长视频中的问题。",
            results="在视频生成质量评测之外的问答基准上提升 5 分。",
        ),
        VIDEO,
    )


def test_noisy_substrings_do_not_match() -> None:
    assert not about(paper(title="Fixing the URL parser in real time control"), RL)
    assert not about(paper(domain="自然语言处理 - 强化学习"), MEDICINE)  # 化学 inside 强化学习
    assert not about(paper(domain="模型压缩 - 推理加速", contribution="让推理速度提升 3 倍。"), REASONING)


def test_later_items_of_the_area_count_less_than_its_subject() -> None:
    lead, rest = split_area("NLP - 大模型推理、数学证明、具身智能（通过心理模拟）")
    assert lead == "NLP - 大模型推理 ; 数学证明"
    assert rest == "具身智能（通过心理模拟）"
    # Parentheses keep their commas; a turn to specifics starts the rest.
    lead, rest = split_area("多模态 (MLLM, VLM)、视频生成，具体涉及：机器人、强化学习")
    assert lead == "多模态 (MLLM, VLM) ; 视频生成"
    assert rest.startswith("具体涉及")
    robotics = TAXONOMY.get("robotics")
    assert not about(paper(domain="多模态大语言模型、视觉问答、视觉认知推理、具身智能"), robotics)
    assert about(paper(domain="具身智能 / 机器人学习"), robotics)


def test_keywords_match_phrases_plurals_and_chinese() -> None:
    fields = paper_fields(
        paper(
            title="World-Model Planning for Robots",
            contribution="结合长视频蒸馏与 LoRA 微调。",
        )
    )
    for keyword in ("world model", "World Models", "LoRA", "蒸馏", "长视频"):
        assert score_keyword(keyword, keyword_pattern(keyword), fields) is not None, keyword
    for keyword in ("model planning robots arm", "exploration", "RA"):
        assert score_keyword(keyword, keyword_pattern(keyword), fields) is None, keyword


def test_keywords_and_topics_match_chinese_in_either_script() -> None:
    simplified = paper(
        arxiv_id="2601.00001", title="Diffusion Distillation", domain="计算机视觉 - 扩散模型蒸馏"
    )
    traditional = paper(arxiv_id="2601.00002", title="Drones", domain="機器人學習 - 強化學習、無人機")
    matcher = ReportMatcher([simplified, traditional], TAXONOMY)
    # A keyword typed in traditional characters selects the simplified report, and the other way.
    assert [m.paper.arxiv_id for m in matcher.match(Interests(keywords=("擴散模型蒸餾",)))] == ["2601.00001"]
    assert [m.paper.arxiv_id for m in matcher.match(Interests(keywords=("无人机",)))] == ["2601.00002"]
    # The taxonomy's (simplified) names find a paper written in traditional characters.
    about_rl = matcher.match(Interests(("reinforcement-learning",)))
    assert [m.paper.arxiv_id for m in about_rl] == ["2601.00002"]
    # Reasons quote the words as the paper wrote them.
    assert "「強化學習」" in about_rl[0].matches[0].reason("zh")
    keyword = matcher.match(Interests(keywords=("强化学习",)))[0].matches[0]
    assert keyword.reason() == 'matched "強化學習" in area'


def test_a_keyword_named_only_as_a_baseline_or_an_example_does_not_match() -> None:
    baseline = paper_fields(paper(results="比 GRPO 基线高 3 分。"))
    example = paper_fields(paper(usage="奖励可用于下游在线 RL（如 GRPO）训练。"))
    method = paper_fields(paper(usage="策略优化：利用 GRPO 更新模型。"))
    pattern = keyword_pattern("GRPO")
    assert score_keyword("GRPO", pattern, baseline) is None
    assert score_keyword("GRPO", pattern, example) is None
    assert score_keyword("GRPO", pattern, method) is not None


def test_reasons_name_the_words_and_fields_in_both_languages() -> None:
    match = score_topic(
        RL, paper_fields(paper(title="RL at Scale", domain="强化学习", contribution="提出 RL 方法。"))
    )
    assert match is not None
    assert match.reason() == 'matched "RL" in title and contribution, "强化学习" in area'
    assert match.reason("zh") == "标题、核心贡献命中「RL」，应用领域命中「强化学习」"


def test_the_report_matcher_ranks_by_evidence_then_report_order() -> None:
    papers = [
        paper(arxiv_id="2601.00001", title="An Agent Benchmark", domain="智能体评测"),
        paper(
            arxiv_id="2601.00002",
            title="Video Generation with RL",
            domain="视频生成、强化学习",
            contribution="用强化学习训练视频生成模型。",
        ),
        paper(arxiv_id="2601.00003", title="Tool-Using Agents", domain="智能体"),
        paper(arxiv_id="2601.00004", title="Protein Folding", domain="生物"),
    ]
    matcher = ReportMatcher(papers, TAXONOMY)
    selected = matcher.match(Interests(("video-generation", "reinforcement-learning", "agents")))
    ids = [m.paper.arxiv_id for m in selected]
    assert ids[0] == "2601.00002"  # two topics, strong evidence everywhere
    assert ids[1:] == ["2601.00001", "2601.00003"]  # equal evidence: report order
    assert [m.key for m in selected[0].matches] == ["video-generation", "reinforcement-learning"] or [
        m.key for m in selected[0].matches
    ] == ["reinforcement-learning", "video-generation"]
    assert matcher.match(Interests(keywords=("folding",)))[0].paper.arxiv_id == "2601.00004"
    assert matcher.match(Interests()) == []


def test_papers_from_the_hugging_face_api_match_on_title_summary_and_keywords() -> None:
    hf = paper(
        title="Tiny Recursive Models",
        contribution="A small model trained with reinforcement learning from verifiable rewards.",
        summary="We apply RLVR to a 7M-parameter model.",
        keywords=("reinforcement learning", "recursion"),
    )
    assert about(hf, RL)
