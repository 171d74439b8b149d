"""Each form a digest writes a paper in, and what is not a paper, as small synthetic cases (the real
digests behind each form are in test_digest_corpus.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import ReportFormatError
from bot.models import Report
from bot.reports.parser import parse_report
from bot.reports.sources.local import read_report_file
from tests.digests import DIGESTS

DAY = dt.date(2026, 8, 1)


def parse(text: str) -> Report:
    return parse_report(text, default_date=DAY)


def ids(report: Report) -> list[str]:
    return [paper.arxiv_id for paper in report.papers]


def test_a_linked_heading_with_a_thumbnail_under_it() -> None:
    report = parse(
        "## Daily Papers (2026-08-01)\n\n"
        "### [Sketch2Scene: Napkin Drawings to Rooms](https://arxiv.org/abs/2608.05987)\n\n"
        "![](https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.05987.png)\n\n"
        "Vote: 12\n\n"
        "- ***What's New***: A diffusion model lifts floor plans into rooms.\n\n"
        "- ***Technical Details***: Layout tokens keep walls straight.\n\n"
        "- ***Performance Highlights***: 31% fewer layout errors.\n\n"
        "### [Counting Tokens](https://arxiv.org/abs/2608.05990)\n\n"
        "- **What's New**: Accuracy peaks at a task-dependent length.\n"
    )
    assert ids(report) == ["2608.05987", "2608.05990"]
    first, second = report.papers
    assert first.title == "Sketch2Scene: Napkin Drawings to Rooms"
    assert (
        first.innovations
        == "A diffusion model lifts floor plans into rooms.\n\nLayout tokens keep walls straight."
    )
    assert first.results == "31% fewer layout errors."
    assert "Vote: 12" in first.extra
    assert second.innovations == "Accuracy peaks at a task-dependent length."


@pytest.mark.parametrize("votes", ["99999999999", "9" * 5000])
def test_a_thumbs_up_or_votes_column_count_no_paper_can_have_is_no_count(votes: str) -> None:
    # Past PostgreSQL's INTEGER the whole day failed to archive there; past 4,300 digits int()
    # raised and the report failed to parse anywhere.
    listed = parse(
        "# Papers of 2026-08-01\n\n"
        "- [Counting Tokens](https://arxiv.org/abs/2608.05990v2)\n"
        f"1. **GUI Critics at Scale** - 👍 {votes}\n"
        "   - [HF page](https://huggingface.co/papers/2608.05991)\n"
    )
    assert [(p.title, p.upvotes) for p in listed.papers][1] == ("GUI Critics at Scale", None)
    table = parse(
        "# Papers of 2026-08-01\n\n| Title | Votes | arXiv |\n| --- | --- | --- |\n"
        f"| Counting Tokens | {votes} | 2608.05990 |\n| GUI Critics | 1,204 | 2608.05991 |\n"
    )
    assert [(p.title, p.upvotes) for p in table.papers] == [("Counting Tokens", None), ("GUI Critics", 1204)]


def test_list_items_naming_a_paper_each() -> None:
    report = parse(
        "# Papers of 2026-08-01\n\n"
        "- [2608.05987 — Sketch2Scene: Napkin Drawings to Rooms](https://huggingface.co/papers/2608.05987): "
        "lifts floor plans into furnished rooms\n"
        "- [Counting Tokens](https://arxiv.org/abs/2608.05990v2)\n"
        "1. **GUI Critics at Scale** - 👍 904\n"
        "   - [HF page](https://huggingface.co/papers/2608.05991)\n"
        "   - Abstract: We verify milestones. Then we judge.\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2608.05987", "Sketch2Scene: Napkin Drawings to Rooms"),
        ("2608.05990", "Counting Tokens"),
        ("2608.05991", "GUI Critics at Scale"),
    ]
    first, _, third = report.papers
    assert first.contribution == "lifts floor plans into furnished rooms"
    assert third.upvotes == 904
    assert third.summary == "We verify milestones. Then we judge."
    assert third.contribution == "We verify milestones."  # its abstract's first sentence


def test_a_numbered_analysis_with_its_link_at_the_end_and_sections_by_meaning() -> None:
    report = parse(
        "# 【2026-08-01】每日论文速览\n\n"
        "## 论文详情\n\n"
        + "".join(
            f"### {n}. 第{n}篇论文的中文标题\n\n"
            f"**原文标题：** Paper Number {n}: A Long English\n  Title That Wraps\n\n"
            f"1. **本文的主要工作：**\n\n提出了方法{n}。\n\n"
            f"**2. 工作的主要亮点**\n\n- 亮点{n}\n\n"
            f"一、核心关键词\n\n- 关键词{n}\n\n"
            f"[到 Huggingface 论文主页查看详情](https://huggingface.co/papers/2608.0598{n})\n\n"
            for n in range(1, 6)
        )
    )
    # five papers, not one "论文详情" with the first paper's id (the report)
    assert ids(report) == [f"2608.0598{n}" for n in range(1, 6)]
    third = report.papers[2]
    assert third.title == "第3篇论文的中文标题"
    assert third.original_title == "Paper Number 3: A Long English Title That Wraps"
    assert third.contribution == "提出了方法3。"
    assert "亮点3" in third.innovations
    assert "关键词3" in third.innovations
    assert third.url == "https://huggingface.co/papers/2608.05983"


def test_a_labelled_arxiv_id_names_the_paper() -> None:
    report = parse(
        "## Paper of the day\n\n- Title: GUI Critics at Scale\n- arXiv ID: 2608.05991\n\n"
        "It verifies milestones.\n"
    )
    (paper,) = report.papers
    assert (paper.arxiv_id, paper.title) == ("2608.05991", "GUI Critics at Scale")
    assert paper.url == "https://arxiv.org/abs/2608.05991"
    assert paper.contribution == "It verifies milestones."


def test_details_blocks_are_papers() -> None:
    report = parse(
        "## 🔥 Today's Trending Papers\n\n"
        "<details>\n<summary><b>1. EnvHarness: Static Worlds for Agents</b> ⭐ 66</summary>\n\n"
        "**🔗 Links:** [🤗 HuggingFace](https://huggingface.co/papers/2608.19880) • "
        "[📄 arXiv](https://arxiv.org/abs/2608.19880)\n\n> Agents learn in static worlds.\n\n</details>\n\n"
        "<details>\n<summary><b>2. FACET: Terminal Task Synthesis</b> ⭐ 23</summary>\n\n"
        "**🔗 Links:** [🤗 HuggingFace](https://huggingface.co/papers/2608.18580)\n\n</details>\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2608.19880", "EnvHarness: Static Worlds for Agents"),
        ("2608.18580", "FACET: Terminal Task Synthesis"),
    ]
    assert report.papers[0].contribution == "Agents learn in static worlds."


def test_rows_of_a_papers_table_and_a_row_that_also_has_its_own_heading() -> None:
    report = parse(
        "## 📋 논문 목록\n\n"
        "| # | 제목 | 트랙 | 링크 |\n|---|---|---|---|\n"
        "| 1 | RLVR Directions | RL for LLMs | [arXiv](https://arxiv.org/abs/2603.22117) |\n"
        "| 2 | PivotRL: Cheap Agentic Post-Training | Post-training "
        "| [arXiv](https://arxiv.org/abs/2603.21383) |\n\n"
        "## 📝 상세 분석\n\n"
        "### 1. RLVR Directions\n\n**트랙**: RL for LLMs | **링크**: [arXiv](https://arxiv.org/abs/2603.22117)\n\n"
        "🧪 Evaluation\n\nAIME-24 에서 실험.\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2603.22117", "RLVR Directions"),
        ("2603.21383", "PivotRL: Cheap Agentic Post-Training"),
    ]
    first, second = report.papers
    assert (first.domain, first.results) == ("RL for LLMs", "AIME-24 에서 실험.")
    assert second.domain == "Post-training"


def test_a_table_row_wrapped_over_two_lines() -> None:
    report = parse(
        "## Papers for 2026-08-01\n\n| Title | Summary |\n|---|---|\n"
        "| JanusCoder: Towards a Foundational Interface for\n"
        "  Code Intelligence (Read more on [arXiv](https://arxiv.org/abs/2510.23538)) "
        "| Unifies code from visuals. |\n"
    )
    (paper,) = report.papers
    assert paper.title == "JanusCoder: Towards a Foundational Interface for Code Intelligence"
    assert paper.contribution == "Unifies code from visuals."


def test_context_is_skipped_and_named_in_one_line() -> None:
    report = parse(
        "# Hugging Face 2026-08-01 论文日报\n\n## 📊 今日论文统计\n- 总论文数：1\n\n"
        "## Executive summary\nAgents everywhere, see [one](https://huggingface.co/papers/2608.05991).\n\n"
        "## 📄 GUI Critics at Scale\n\n- **链接**: https://huggingface.co/papers/2608.05991\n\n"
        "### 1. 应用领域\nGUI 智能体。\n\n## How to read this\nRead it.\n"
    )
    assert ids(report) == ["2608.05991"]
    assert report.papers[0].domain == "GUI 智能体。"
    assert "Read it" not in report.papers[0].extra
    skipped = [w.message for w in report.warnings if w.message.startswith("skipped")]
    assert skipped == [
        "skipped 3 parts that are not papers: '📊 今日论文统计' (line 3), 'Executive summary' (line 6), "
        "'How to read this' (line 16)"
    ]


def test_a_block_naming_two_different_papers_is_reported_not_merged() -> None:
    report = parse(
        "## 📄 Two in one\n\n- **链接**: https://huggingface.co/papers/2608.05987\n"
        "- **Link**: https://arxiv.org/abs/2608.05990\n\n"
        "## 📄 Counting Tokens\n\n- **链接**: https://huggingface.co/papers/2608.05991\n"
    )
    assert ids(report) == ["2608.05991"]
    (warning,) = [w for w in report.warnings if "different papers" in w.message]
    assert warning.line == 1
    assert "2608.05987, 2608.05990" in warning.message


def test_labels_in_three_languages_by_meaning() -> None:
    report = parse(
        "## 📄 A Paper\n\n- **链接**: https://huggingface.co/papers/2608.05987\n**作者**: 张三 等\n\n"
        "一、核心贡献与创新点\n提出新方法。\n\n"
        "**Key caveat**: only tested in English.\n\n"
        "### 핵심 기여\n한국어 설명.\n\n"
        "#### 실험 결과\n성능 향상.\n"
    )
    (paper,) = report.papers
    assert paper.contribution == "提出新方法。\n\n한국어 설명."
    assert paper.results == "only tested in English.\n\n성능 향상."
    assert paper.extra == "作者: 张三 等"


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("# Daily AI Papers - 2026年2月20日", dt.date(2026, 2, 20)),
        ("**Last Updated:** August 22, 2026", dt.date(2026, 8, 22)),
        ("## Papers for 2025-10-30", dt.date(2025, 10, 30)),
    ],
)
def test_dates_as_digests_write_them(line: str, day: dt.date) -> None:
    text = f"{line}\n\n## [A Paper](https://arxiv.org/abs/2608.05987)\n"
    assert parse_report(text).date == day


def test_front_matter_dates_the_report_and_is_not_read_as_text() -> None:
    text = "---\ntitle: Hugging Face Daily Papers\ndate: 2025-11-02 09:15:00 +0900\n---\n\n## [A Paper](https://arxiv.org/abs/2608.05987)\n"
    report = parse_report(text)
    assert report.date == dt.date(2025, 11, 2)
    assert report.papers[0].extra == ""


def test_only_a_text_without_any_paper_is_refused() -> None:
    with pytest.raises(ReportFormatError, match="no paper found") as caught:
        parse("# Notes\n\n## Executive summary\nNothing today about [arXiv](https://arxiv.org/list/cs.AI).\n")
    assert caught.value.line == 1


def test_missing_sections_are_one_summary_line_with_detail_behind_it() -> None:
    report = parse(
        "".join(f"## [Paper {n}](https://arxiv.org/abs/2608.0598{n})\n\nA blurb.\n\n" for n in range(1, 4))
    )
    shown = [w.message for w in report.warnings if not w.detail]
    assert shown == [
        "papers lacking a section, of 3: domain 3, usage 3, innovations 3, results 3 (--verbose lists them)"
    ]
    detail = [w for w in report.warnings if w.detail]
    assert len(detail) == 12
    assert detail[0].message == "paper 2608.05981: section 'domain' is missing or empty"


def test_a_sentence_with_a_colon_is_text_not_a_label() -> None:
    report = parse(
        "## [P](https://arxiv.org/abs/2602.01234)\n\nWe read arXiv:2602.01234 today. It trains.\n\n"
        "The method, in short: five stages.\n"
    )
    (paper,) = report.papers
    assert paper.contribution == "We read arXiv:2602.01234 today. It trains."
    assert paper.extra == "The method, in short: five stages."


def test_context_right_after_a_papers_link_line_is_not_taken_for_its_title() -> None:
    report = parse(
        "## 📄 SPARKLING\n\n- **链接**: https://huggingface.co/papers/2602.02472\n\n"
        "## 📖 如何阅读本日报\n先看一句话贡献，再看亮点。\n\n"
        "## 📄 B\n\n- **链接**: https://huggingface.co/papers/2602.02473\n"
    )
    assert [p.extra for p in report.papers] == ["", ""]
    assert "'📖 如何阅读本日报' (line 5)" in report.warnings[0].message


def test_a_closing_summary_at_the_papers_level_is_not_the_last_papers() -> None:
    report = parse(
        "## [A](https://arxiv.org/abs/2602.01234)\n\n### Overview\nA policy.\n\n"
        "## [B](https://arxiv.org/abs/2602.01235)\n\n### Overview\nOne policy for many robots.\n\n"
        "## Summary\nRobots today.\n"
    )
    assert report.papers[1].contribution == "One policy for many robots."
    assert "'Summary' (line 11)" in report.warnings[0].message


def test_a_post_about_one_paper_keeps_its_labelled_parts() -> None:
    report = parse(
        "## [Green-VLA](https://arxiv.org/abs/2602.01234)\n\n## Method\nStaged.\n\n"
        "## 实验与分析\n成功率高。\n\n## 我的看法\n不错。\n"
    )
    (paper,) = report.papers
    assert (paper.innovations, paper.results) == ("Staged.", "成功率高。")
    assert "'我的看法' (line 9)" in report.warnings[0].message


def test_a_title_in_link_brackets_without_a_url_is_shown_without_them() -> None:
    report = parse(
        "### 1. **[EvoArena: Tracking Memory Evolution]**\n"
        "- **论文链接**: [https://huggingface.co/papers/2606.13681](https://huggingface.co/papers/2606.13681)\n\n"
        "### 2. [RE] Sparse Keys\n- **链接**: https://huggingface.co/papers/2606.13679\n"
    )
    assert [p.title for p in report.papers] == ["EvoArena: Tracking Memory Evolution", "[RE] Sparse Keys"]


@pytest.mark.parametrize(
    ("first", "second", "field", "text", "extra"),
    [
        (
            "- **研究机构/作者**: 团队",
            "- **核心痛点与创新点**: 记忆演化。",
            "innovations",
            "记忆演化。",
            "研究机构/作者: 团队",
        ),
        (
            "**作者：** D. Kuznetsov",
            "**arXiv所属领域：** Cryptography",
            "domain",
            "Cryptography",
            "作者: D. Kuznetsov",
        ),
        # The other order always worked: the unknown label is then text of the section above it.
        (
            "- **核心痛点与创新点**: 记忆演化。",
            "- **研究机构/作者**: 团队",
            "innovations",
            "记忆演化。\n- 研究机构/作者: 团队",
            "",
        ),
    ],
)
def test_a_label_known_by_its_words_opens_its_section_after_an_unknown_label(
    first: str, second: str, field: str, text: str, extra: str
) -> None:
    report = parse(
        f"### 1. EvoArena\n- **论文链接**: https://huggingface.co/papers/2606.13681\n{first}\n{second}\n"
    )
    (paper,) = report.papers
    assert (getattr(paper, field), paper.extra) == (text, extra)


def test_under_a_heading_of_no_section_bold_items_stay_its_text() -> None:
    report = parse(
        "## [EvoArena](https://arxiv.org/abs/2606.13681)\n\n### 研究背景\n"
        "1. **记忆方法的局限**：丢弃过时记忆很难。\n2. **评估方法**：一个基准。\n"
    )
    (paper,) = report.papers
    assert paper.innovations == ""
    assert paper.extra == "研究背景: 1. 记忆方法的局限：丢弃过时记忆很难。\n2. 评估方法：一个基准。"


def test_labels_wrapped_in_html_leave_no_stray_whitespace() -> None:
    # shuita2333/Arxiv-daily-paper colours its labels: `**<font color=#1a73e8>作者：</font>** …`
    report = read_report_file(DIGESTS / "zh-shuita-arxiv-font-labels.md")
    first = report.papers[0]
    assert first.domain == "Cryptography and Security"
    assert first.extra == "作者: Daniel Kuznetsov, Ofir Cohen, Karin Shistik 等 5 位作者"
    assert first.contribution.startswith("Safety-aligned LLMs go through refusal training")
    assert first.summary.startswith("Safety-aligned LLMs")
    for paper in report.papers:
        for name in ("domain", "contribution", "summary", "extra"):
            text = getattr(paper, name)
            assert text == text.strip()
            assert "  " not in text


def test_a_label_in_html_tags_is_read_as_the_label() -> None:
    report = parse(
        "### 1. [Other](https://arxiv.org/abs/2604.05432)\n\n"
        "<b>作者</b>: 张三\n"
        '- **<span style="color:red">Domain</span>**: NLP\n'
        "**<font color=#5f6368>摘要：</font>**\n> Tool-use agents are deployed. Second sentence.\n"
    )
    (paper,) = report.papers
    assert (paper.domain, paper.summary, paper.contribution) == (
        "NLP",
        "Tool-use agents are deployed. Second sentence.",
        "Tool-use agents are deployed.",
    )
    assert paper.extra == "作者: 张三"


def test_bold_labels_of_no_section_are_siblings_and_a_list_starts_under_its_label() -> None:
    report = parse(
        "### 1. P\n- **链接**: https://huggingface.co/papers/2606.13681\n"
        "- **作者**: 张三\n- **机构**: 清华\n- **应用领域**: 机器人\n\n"
        "### 2. Q\n- **链接**: https://huggingface.co/papers/2606.13682\n"
        "**作者**:\n- 张三\n- 李四\n"
    )
    assert [(p.extra, p.domain) for p in report.papers] == [
        ("作者: 张三\n机构: 清华", "机器人"),
        ("作者:\n- 张三\n- 李四", ""),
    ]


@pytest.mark.parametrize(
    "title",
    [
        "# 日报 · 2026-05-02",
        "# 📚 每日 arXiv 论文精选 | 2026年05月02日",
        "# 论文推荐 2026-05-02",
        "# Daily Paper Digest — 2026-05-02",
        "# 每日论文 2026-05-02",
    ],
)
def test_a_day_without_papers_is_a_report_of_none(title: str) -> None:
    report = parse_report(f"{title}\n\n- 当次推荐总数：0\n\n## 精读区\n- 本次无精读推荐。\n")
    assert (report.date, report.papers) == (dt.date(2026, 5, 2), ())


def test_a_real_empty_day_is_a_report_of_none() -> None:
    # Canyon-netizen/daily-paper-reader on a day it recommended nothing
    report = read_report_file(DIGESTS / "zh-canyon-empty-day.md")
    assert (report.date, report.papers) == (dt.date(2026, 5, 2), ())


def test_a_text_titled_otherwise_without_papers_is_still_no_report() -> None:
    with pytest.raises(ReportFormatError, match="not a Daily Papers report"):
        parse_report("# 工作笔记 2026-05-02\n\n- 今日无事。\n")


GLANCE = (
    "## Papers at a glance\n\n| Paper | Core contribution | Links |\n|---|---|---|\n"
    "| **2607.11683 — RAGU** | Graph retrieval. | [HF](https://huggingface.co/papers/2607.11683) |\n"
    "| **2607.16051 — Loopie** | Layers applied twice. | [HF](https://huggingface.co/papers/2607.16051) |\n"
)
DETAILED = (
    "## Detailed paper analyses\n\n"
    "- [2607.11683 — RAGU: A Multi-Step GraphRAG Engine](2026-07-20/2607.11683.md)\n"
    "- [2607.16051 — Loop the Loopies!](2026-07-20/2607.16051.md)\n"
)


@pytest.mark.parametrize("text", [GLANCE + "\n" + DETAILED, DETAILED + "\n" + GLANCE])
def test_a_paper_listed_twice_keeps_its_fuller_title_and_the_fields_of_both(text: str) -> None:
    report = parse(text)
    assert [(p.title, p.contribution) for p in report.papers] == [
        ("RAGU: A Multi-Step GraphRAG Engine", "Graph retrieval."),
        ("Loop the Loopies!", "Layers applied twice."),
    ]
    assert not [w for w in report.warnings if "repeated" in w.message]  # an index is how digests are written


def test_a_papers_own_heading_comes_first_and_a_row_fills_what_it_lacks() -> None:
    report = parse(
        "| Paper | Summary | Category |\n|---|---|---|\n"
        "| [Green-VLA: Staged Vision-Language-Action Model](https://arxiv.org/abs/2602.01234) "
        "| One policy. | Robotics |\n\n"
        "## 📄 Green-VLA\n- **链接**: https://huggingface.co/papers/2602.01234\n"
        "- **一句话总结**: 分五个阶段训练一个通用策略。\n"
    )
    (paper,) = report.papers
    assert (paper.title, paper.contribution, paper.domain) == (
        "Green-VLA: Staged Vision-Language-Action Model",
        "分五个阶段训练一个通用策略。",
        "Robotics",
    )


def test_a_paper_with_two_headings_is_merged_with_a_warning_and_keeps_its_first_title() -> None:
    report = parse(
        "## 📄 绿色VLA：分阶段训练\n- **链接**: https://huggingface.co/papers/2602.01234\n"
        "- **应用领域**: 机器人\n\n"
        "## 📄 Green-VLA: Staged Training\n- **链接**: https://huggingface.co/papers/2602.01234\n"
        "- **应用领域**: Robotics\n- **实验结果**: 成功率 75%。\n"
    )
    (paper,) = report.papers
    assert (paper.title, paper.domain, paper.results) == ("绿色VLA：分阶段训练", "机器人", "成功率 75%。")
    (warning,) = [w for w in report.warnings if "repeated" in w.message]
    assert (warning.line, warning.message) == (
        5,
        "paper 2602.01234 repeated (first at line 1); merged into it",
    )


# -- bold numbered paragraphs (yupengtang/Daily-AI-Trend-Reporter: no markdown heading at all) ---


@pytest.mark.parametrize("number", ["1.", "1)"])
def test_a_bold_numbered_paragraph_followed_by_its_link_is_a_paper(number: str) -> None:
    report = parse(
        "Keywords: generative video, watermarking\n\n"
        f"**{number} GameFactory: Creating New Games with Generative Interactive Videos**  \n"
        " [Read Paper](https://huggingface.co/papers/2501.08325)  \n"
        " Summary: Games from video models.\n\n"
        f"**{number.replace('1', '2')} SEAL: Entangled White-box Watermarks on Low-Rank Adaptation**\n"
        "[HF](https://huggingface.co/papers/2501.09284) | [arXiv](https://arxiv.org/abs/2501.09284)\n\n"
        "Watermarks that survive merging.\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2501.08325", "GameFactory: Creating New Games with Generative Interactive Videos"),
        ("2501.09284", "SEAL: Entangled White-box Watermarks on Low-Rank Adaptation"),
    ]
    assert report.papers[0].contribution == "Games from video models."
    assert report.papers[0].url == "https://huggingface.co/papers/2501.08325"
    assert report.papers[1].contribution == "Watermarks that survive merging."


def test_a_bold_numbered_paragraph_may_carry_its_link_on_its_own_line() -> None:
    report = parse(
        "# AI papers, 2026-08-01\n\n"
        "**1. GameFactory** [Read Paper](https://huggingface.co/papers/2501.08325)\n"
        "Games from video models.\n\n"
        "**2. [SEAL: Entangled Watermarks](https://arxiv.org/abs/2501.09284)**\n"
        "Watermarks that survive merging.\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2501.08325", "GameFactory"),
        ("2501.09284", "SEAL: Entangled Watermarks"),
    ]


def outcome(text: str) -> list[tuple[str, str]] | str:
    """The papers a text holds (id, title), or why it is refused."""
    try:
        return [(paper.arxiv_id, paper.title) for paper in parse(text).papers]
    except ReportFormatError as exc:
        return str(exc)


GAME = "https://huggingface.co/papers/2501.08325"
SEAL = "https://huggingface.co/papers/2501.09284"


@pytest.mark.parametrize(
    "text",
    [
        # a section label or a link label, whatever follows it
        f"## 📄 GameFactory\n- **链接**: {GAME}\n\n**1. 使用指南**\n[HF]({GAME})\n",
        f"## 📄 GameFactory\n\n**1. 论文链接**\n[HF]({GAME})\n",
        # not at the start of a paragraph
        f"# Papers 2026-08-01\n\nWe compare with:\n**1. SEAL**\n[HF]({SEAL})\n",
        # followed by text naming a paper, not by a link line
        f"# Papers 2026-08-01\n\n**1. Prior work**\nSEAL ([arXiv]({SEAL})) watermarks adapters.\n",
        # a paragraph that starts in bold and goes on
        f"# Papers 2026-08-01\n\n**1. SEAL** is related.\n[HF]({SEAL})\n",
        # the link comes after a blank line, in another paragraph
        f"# Papers 2026-08-01\n\n**1. SEAL**\n\n[HF]({SEAL})\n",
        # followed by links to two papers
        f"# Papers 2026-08-01\n\n**1. Two related papers**\n[A]({GAME}) [B]({SEAL})\n",
    ],
)
def test_other_bold_numbered_lines_are_read_as_before(text: str) -> None:
    # As the same line without its number, which was never taken for a heading.
    assert outcome(text) == outcome(text.replace("**1. ", "**"))


def test_bold_numbered_section_labels_under_paper_headings_are_read_as_before() -> None:
    report = parse(
        "## 📄 GameFactory\n- **链接**: https://huggingface.co/papers/2501.08325\n\n"
        "**1. 应用领域**\n视频生成\n\n**2. 一句话核心贡献**\n从视频模型生成游戏。\n"
    )
    (paper,) = report.papers
    assert (paper.domain, paper.contribution) == ("视频生成", "从视频模型生成游戏。")


# -- HTML tables (shiyibihua/arxiv-daily: ids only in data-arxiv-id attributes) ------------------


def html_row(n: int, arxiv_id: str, title: str, point: str, *, link: bool = False) -> str:
    href = f"https://arxiv.org/abs/{arxiv_id}" if link else f"./papers/{arxiv_id.replace('.', '')}-x.html"
    return (
        "<tr>\n"
        f"  <td>{n}</td>\n"
        f'  <td><a href="{href}">{title}</a></td>\n'
        f"  <td>{point}</td>\n"
        '  <td class="tags-cell"><span>reinforcement learning</span> <span>offline RL</span></td>\n'
        f"  <td>{'✅' if n == 2 else ''}</td>\n"
        f'  <td><button data-arxiv-id="{arxiv_id}v2" title="收藏">☆</button></td>\n'
        "</tr>\n"
    )


HTML_HEAD = "<tr><th>#</th><th>题目</th><th>一句话要点</th></tr>\n"
HTML_TABLE = (
    "# cs.LG（2025-08-09）\n\n"
    '<h2 id="rl">🔬 RL (2 篇)</h2>\n\n'
    "<table>\n<thead>\n"
    "<tr><th>#</th><th>题目</th><th>一句话要点</th><th>标签</th><th>🔗</th><th>⭐</th></tr>\n"
    "</thead>\n<tbody>\n"
    + html_row(1, "2508.07029", "From Imitation to Optimization", "提出离线强化学习方法")
    + html_row(2, "2508.06767", "PANAMA: A Network-Aware MARL Framework", "提出PANAMA框架")
    + "</tbody>\n</table>\n"
)


def test_each_row_of_an_html_table_is_a_paper_read_as_a_markdown_row() -> None:
    report = parse_report(HTML_TABLE)  # no **Date** line: the page title dates it
    assert report.date == dt.date(2025, 8, 9)
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2508.07029", "From Imitation to Optimization"),
        ("2508.06767", "PANAMA: A Network-Aware MARL Framework"),
    ]
    first, second = report.papers
    assert first.contribution == "提出离线强化学习方法"  # 一句话要点, as a markdown column would be
    assert first.extra == "标签: reinforcement learning offline RL"
    assert first.url == "https://arxiv.org/abs/2508.07029"
    # columns headed by a symbol alone (🔗, ⭐) have no words to map: their ✅ and ☆ are dropped
    assert "✅" not in repr(second)
    assert "☆" not in repr(first)
    assert [str(w) for w in report.warnings if not w.detail] == [
        "papers lacking a section, of 2: domain 2, usage 2, innovations 2, results 2 (--verbose lists them)"
    ]


def test_html_rows_with_arxiv_links_under_the_page_title_are_papers_not_one_heading() -> None:
    # the page title named both papers (`names 2 different papers`), or became the one paper's title
    rows = html_row(1, "2508.07029", "From Imitation", "x", link=True) + html_row(
        2, "2508.06767", "PANAMA", "y", link=True
    )
    two = parse_report(f"# cs.LG（2025-08-09）\n\n<table>\n{rows}</table>\n")
    assert [(p.arxiv_id, p.title) for p in two.papers] == [
        ("2508.07029", "From Imitation"),
        ("2508.06767", "PANAMA"),
    ]
    row = html_row(1, "2508.07029", "From Imitation", "x", link=True)
    one = parse_report(f"# cs.LG（2025-08-09）\n\n<table>\n{row}</table>\n")
    assert [(p.arxiv_id, p.title) for p in one.papers] == [("2508.07029", "From Imitation")]
    assert one.date == dt.date(2025, 8, 9)


def test_character_references_in_an_html_table_bring_back_no_bidi_override() -> None:
    # The report's lines lose U+202E and friends before parsing, but html.parser converts
    # `&#x202e;` after that: the override reached the archive and turned titles around in chat.
    row = html_row(1, "2508.07029", "Evil&#x202e;txt &#x2066;end&#x2069;", "提出&#8238;方法")
    link = '<tr><td>2</td><td><a href="https://arxiv.org/abs/2508.06767#&#x202e;x">PANAMA</a></td></tr>\n'
    report = parse_report(f"# cs.LG（2025-08-09）\n\n<table>\n{HTML_HEAD}{row}{link}</table>\n")
    first, second = report.papers
    assert (first.title, first.contribution) == ("Eviltxt end", "提出方法")
    assert second.url == "https://arxiv.org/abs/2508.06767#x"


def test_an_html_table_without_headers_gives_each_paper_its_title_and_id_only() -> None:
    report = parse(
        "# Papers\n\n<table>\n"
        "<tr><td>1</td><td>2508.07029</td><td>From Imitation to Optimization</td><td>A note.</td></tr>\n"
        '<tr><td>2</td><td><a href="https://huggingface.co/papers/2508.06767">PANAMA</a></td></tr>\n'
        "</table>\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2508.07029", "From Imitation to Optimization"),
        ("2508.06767", "PANAMA"),
    ]
    assert all(not p.contribution and not p.extra for p in report.papers)


def test_an_html_table_naming_no_paper_stays_text_and_fenced_tables_are_code() -> None:
    report = parse(
        "## 📄 GameFactory\n- **链接**: https://huggingface.co/papers/2501.08325\n\n"
        "<table><tr><th>Model</th><th>Score</th></tr><tr><td>Ours</td><td>91.2</td></tr></table>\n\n"
        '```html\n<table><tr><td><a href="https://arxiv.org/abs/2501.09284">SEAL</a></td></tr></table>\n```\n'
    )
    (paper,) = report.papers
    assert "91.2" in paper.contribution


def test_a_papers_own_heading_comes_first_and_its_html_row_fills_what_it_lacks() -> None:
    report = parse(
        "# Papers 2026-08-01\n\n<table>\n<tr><th>Title</th><th>TL;DR</th></tr>\n"
        '<tr><td><a href="https://arxiv.org/abs/2501.08325">GameFactory</a></td>'
        "<td>Games from video.</td></tr>\n"
        "</table>\n\n"
        "## GameFactory: Creating New Games\n- **Link**: https://arxiv.org/abs/2501.08325\n"
        "- **Results**: Playable.\n"
    )
    (paper,) = report.papers
    assert (paper.title, paper.contribution, paper.results) == (
        "GameFactory: Creating New Games",
        "Games from video.",
        "Playable.",
    )


def test_a_row_whose_html_never_ends_is_skipped_with_its_line_and_the_others_read() -> None:
    crafted = '<a b="x>y" ' * 50
    report = parse(
        "# Papers\n\n<table>\n"
        f'<tr><td><a href="https://arxiv.org/abs/2501.09284">SEAL</a> {crafted}\n'
        '<tr><td><a href="https://arxiv.org/abs/2501.08325">GameFactory</a></td></tr>\n'
        "</table>\n"
    )
    assert ids(report) == ["2501.08325"]
    assert "line 4: table row not read: its HTML has tags that never end; skipped" in [
        str(w) for w in report.warnings
    ]


def test_a_table_column_headed_by_a_symbol_alone_is_not_read() -> None:
    report = parse(
        "| Title | 🔗 | Summary |\n|---|---|---|\n"
        "| [GameFactory](https://arxiv.org/abs/2501.08325) | ✅ | Games from video. |\n"
    )
    (paper,) = report.papers
    assert (paper.contribution, paper.extra) == ("Games from video.", "")


def test_a_bold_numbered_title_wrapped_onto_the_next_line_is_one_paper_with_its_whole_title() -> None:
    # yupengtang/Daily-AI-Trend-Reporter wraps long titles: the `**` closes on the next line
    report = parse(
        "Keywords: test-time scaling\n\n"
        "**1. Can 1B LLM Surpass 405B LLM? Rethinking Compute-Optimal Test-Time\n"
        "  Scaling**  \n"
        " [Read Paper](https://huggingface.co/papers/2502.06703)  \n"
        " Summary: Small models win with search.\n\n"
        "**2. The Curse of Depth in Large Language Models**  \n"
        " [Read Paper](https://huggingface.co/papers/2502.05795)  \n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [
        ("2502.06703", "Can 1B LLM Surpass 405B LLM? Rethinking Compute-Optimal Test-Time Scaling"),
        ("2502.05795", "The Curse of Depth in Large Language Models"),
    ]
    assert report.papers[0].contribution == "Small models win with search."


@pytest.mark.parametrize(
    "text",
    [
        # the bold never closes: a paragraph, not a title
        f"# Papers 2026-08-01\n\n**1. SEAL watermarks\nadapters\n[HF]({SEAL})\n",
        # it closes and a sentence goes on
        f"# Papers 2026-08-01\n\n**1. SEAL watermarks\nadapters** and more.\n[HF]({SEAL})\n",
    ],
)
def test_other_bold_lines_that_run_on_are_read_as_before(text: str) -> None:
    assert outcome(text) == outcome(text.replace("**1. ", "**"))


def test_style_sheets_and_scripts_in_a_report_are_no_text_of_its_papers() -> None:
    report = parse(
        "# Daily Papers 2026-01-05\n\n<style>\n.paper-card { border: 1px solid #ddd; }\n</style>\n\n"
        "## 1. Agents That Plan\n[HF](https://huggingface.co/papers/2601.00001)\n\n"
        "<script>window.dataLayer = window.dataLayer || [];</script>\n"
        'Summary: <span style="color:red">Agents</span> that plan. <style>.x{color:red}</style>\n\n'
        "## 2. Diffusion Again\n[HF](https://huggingface.co/papers/2601.00002)\n"
        '<div class="card">\n<style>\n.x { color: red; }\n</style>\nDiffusion that samples fast.\n</div>\n'
    )
    assert [(p.contribution, p.extra) for p in report.papers] == [
        ("Agents that plan.", ""),
        ("Diffusion that samples fast.", ""),
    ]
