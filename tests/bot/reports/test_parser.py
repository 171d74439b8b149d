from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import ReportFormatError
from bot.models import SECTION_FIELDS
from bot.reports.parser import parse_report

HEADER = """# Hugging Face Daily Papers Report
**Date**: 2026-04-01
**Source URL**: https://huggingface.co/papers/date/2026-04-01

============================================================
"""

SECTION_NAMES = ("应用领域", "一句话核心贡献", "使用指南", "主要创新点", "实验效果")


def paper_block(heading: str, *, arxiv: str = "2604.00001", title: str = "Toy Paper: A Test") -> str:
    """A paper whose five sections use the heading style `heading` ({n} number, {name} name)."""
    sections = "\n\n".join(
        heading.format(n=n, name=name) + f"\n   第{n}节的内容。"
        for n, name in enumerate(SECTION_NAMES, start=1)
    )
    return f"""
## 📄 {title}

- **链接**: https://huggingface.co/papers/{arxiv}
- **阅读来源**: HTML

# {title}

{sections}

============================================================
"""


@pytest.mark.parametrize(
    "heading",
    [
        "### {n}. {name}",
        "{n}. **{name}**",
        "{n}. **{name}**：",
        "{n}. **{name}**:",
        "**{n}. {name}**",
        "#### {n}. {name}",
        "## {n}. {name}",
        "### {n}. **{name}**",
        "### {name}",
        "**{name}**：",
        "{n}、{name}",
    ],
)
def test_every_heading_style_fills_all_five_sections(heading: str) -> None:
    report = parse_report(HEADER + paper_block(heading))
    (paper,) = report.papers
    for n, name in enumerate(SECTION_FIELDS, start=1):
        assert getattr(paper, name) == f"第{n}节的内容。"
    assert report.warnings == ()


def test_section_text_on_the_heading_line() -> None:
    text = HEADER + paper_block("{n}. **{name}**：第{n}节同一行").replace("\n   第", "\n   另起一行第")
    (paper,) = parse_report(text).papers
    assert paper.domain == "第1节同一行\n另起一行第1节的内容。"


def test_header_fields_and_paper_metadata() -> None:
    report = parse_report(HEADER + paper_block("### {n}. {name}", arxiv="2604.01234v3", title="📄 Hidden"))
    assert report.date == dt.date(2026, 4, 1)
    assert report.source_url == "https://huggingface.co/papers/date/2026-04-01"
    (paper,) = report.papers
    assert paper.arxiv_id == "2604.01234"
    assert paper.url == "https://huggingface.co/papers/2604.01234v3"
    assert paper.title == "Hidden"
    assert paper.source == "HTML"


def test_english_headings_and_keys() -> None:
    block = """
## 📄 Learning to Fold

- **Link**: https://arxiv.org/abs/2604.00777v2
- **Reading Source**: ArXiv Abs

### 1. Application Area
Protein design.

**2. Core Contribution**
A folding model.

3. **How to Use**: pip install it.

#### 4. Key Innovations
- A new loss.

## 5. Experimental Results
Better than baselines.
"""
    (paper,) = parse_report(HEADER + block).papers
    assert (paper.arxiv_id, paper.source) == ("2604.00777", "ArXiv Abs")
    assert paper.domain == "Protein design."
    assert paper.contribution == "A folding model."
    assert paper.usage == "pip install it."
    assert paper.innovations == "- A new loss."
    assert paper.results == "Better than baselines."


def test_crlf_bom_and_trailing_whitespace_are_ignored() -> None:
    text = "\ufeff" + (HEADER + paper_block("### {n}. {name}")).replace("\n", "   \r\n")
    report = parse_report(text)
    assert report.date == dt.date(2026, 4, 1)
    assert report.papers[0].results == "第5节的内容。"


def test_markdown_emphasis_is_removed_but_lines_and_bullets_kept() -> None:
    block = """
## 📄 Emphasis

- **链接**: https://huggingface.co/papers/2604.00002

### 3. 使用指南
*   **输入**：一张图片和 `prompt`。
*   **输出**：*视频*。
    *   **子项**：见 [GitHub 链接](https://github.com/example/repo)
"""
    (paper,) = parse_report(HEADER + block).papers
    assert paper.usage == (
        "- 输入：一张图片和 prompt。\n- 输出：视频。\n  - 子项：见 GitHub 链接 (https://github.com/example/repo)"
    )


def test_math_and_snake_case_survive() -> None:
    block = """
## 📄 Math

- **链接**: https://huggingface.co/papers/2604.00003

### 5. 实验效果
准确率 $r=-0.94$，使用 pi_beta 与 a * b 的乘积。
"""
    (paper,) = parse_report(HEADER + block).papers
    assert paper.results == "准确率 $r=-0.94$，使用 pi_beta 与 a * b 的乘积。"


def test_missing_section_is_empty_with_a_warning() -> None:
    text = HEADER + paper_block("### {n}. {name}").replace("### 4. 主要创新点\n   第4节的内容。", "")
    report = parse_report(text)
    assert report.papers[0].innovations == ""
    assert report.papers[0].results == "第5节的内容。"
    assert any("innovations" in w.message and "2604.00001" in w.message for w in report.warnings)


def test_a_paper_without_a_link_is_skipped_with_its_line_and_the_rest_kept() -> None:
    text = HEADER + paper_block("### {n}. {name}") + "\n## 📄 Lost Paper\n\n### 1. 应用领域\n无链接。\n"
    line = text.splitlines().index("## 📄 Lost Paper") + 1
    report = parse_report(text, origin="day.md")
    assert [p.arxiv_id for p in report.papers] == ["2604.00001"]
    (skipped,) = [w for w in report.warnings if "Lost Paper" in w.message]
    assert skipped.line == line
    assert not skipped.detail
    assert skipped.message.endswith("skipped")


def test_a_link_that_names_no_paper_skips_that_paper_only() -> None:
    bad = paper_block("### {n}. {name}", arxiv="2604.00002").replace(
        "https://huggingface.co/papers/2604.00002", "https://example.com/blog"
    )
    text = HEADER + paper_block("### {n}. {name}") + bad
    report = parse_report(text)
    assert [p.arxiv_id for p in report.papers] == ["2604.00001"]
    (skipped,) = [w for w in report.warnings if "example.com" in w.message]
    assert "names no arXiv paper" in skipped.message
    assert skipped.line == text.splitlines().index("- **链接**: https://example.com/blog") + 1


def test_a_report_whose_only_paper_names_none_is_an_error_at_its_link() -> None:
    text = HEADER + paper_block("### {n}. {name}").replace(
        "https://huggingface.co/papers/2604.00001", "https://example.com/blog"
    )
    with pytest.raises(ReportFormatError, match="names no arXiv paper") as caught:
        parse_report(text)
    assert caught.value.line == text.splitlines().index("- **链接**: https://example.com/blog") + 1


def test_an_impossible_id_is_named_in_the_warning() -> None:
    text = HEADER + paper_block("### {n}. {name}") + paper_block("### {n}. {name}", arxiv="2613.00001")
    report = parse_report(text)
    assert [p.arxiv_id for p in report.papers] == ["2604.00001"]
    assert any("impossible arXiv id (month 13 does not exist)" in w.message for w in report.warnings)


def test_not_a_report_is_an_error_at_line_one() -> None:
    with pytest.raises(ReportFormatError, match="not a Daily Papers report") as caught:
        parse_report("# My project\n\nSome notes about something else.\n")
    assert caught.value.line == 1


def test_invalid_date_is_an_error() -> None:
    with pytest.raises(ReportFormatError, match="invalid report date"):
        parse_report(HEADER.replace("2026-04-01", "2026-13-40") + paper_block("### {n}. {name}"))


def test_missing_date_uses_default_or_fails() -> None:
    body = paper_block("### {n}. {name}")
    assert parse_report(body, default_date=dt.date(2026, 5, 5)).date == dt.date(2026, 5, 5)
    with pytest.raises(ReportFormatError, match="no date"):
        parse_report(body)


def test_empty_report_is_valid_but_warns_nothing_about_papers() -> None:
    report = parse_report(HEADER)
    assert report.papers == ()
    assert report.date == dt.date(2026, 4, 1)


def test_repeated_paper_is_kept_once_with_a_warning() -> None:
    block = paper_block("### {n}. {name}")
    report = parse_report(HEADER + block + block)
    assert len(report.papers) == 1
    assert any("repeated" in w.message for w in report.warnings)


def test_reports_without_emoji_use_level_two_headings() -> None:
    block = paper_block("### {n}. {name}").replace("## 📄 ", "## ")
    report = parse_report(HEADER + block + block.replace("2604.00001", "2604.00009"))
    assert [p.arxiv_id for p in report.papers] == ["2604.00001", "2604.00009"]


def test_json_shape_matches_the_contract() -> None:
    data = parse_report(HEADER + paper_block("### {n}. {name}")).to_json()
    assert set(data) == {"date", "source_url", "papers"}
    papers = data["papers"]
    assert isinstance(papers, list)
    # CONTRACT.md's keys, extended with the original title and the extra text of other digests
    assert set(papers[0]) == {
        "arxiv_id",
        "title",
        "url",
        "source",
        *SECTION_FIELDS,
        "summary",
        "original_title",
        "extra",
    }


def test_reference_report_every_paper_and_section(reference_report: str) -> None:
    report = parse_report(reference_report)
    assert report.date == dt.date(2026, 2, 3)
    assert len(report.papers) == 44
    assert len({p.arxiv_id for p in report.papers}) == 44
    assert report.warnings == ()
    for paper in report.papers:
        assert not paper.title.startswith("📄")
        for name in SECTION_FIELDS:
            assert getattr(paper, name), f"{paper.arxiv_id} lacks {name}"
            assert "**" not in getattr(paper, name)


def test_fixture_in_english() -> None:
    from tests.conftest import REPORTS

    report = parse_report((REPORTS / "english-2026-03-10.md").read_text(encoding="utf-8"))
    assert [p.arxiv_id for p in report.papers] == ["2603.04101", "2603.04102"]
    assert report.warnings == ()
    first, second = report.papers
    assert (
        first.usage
        == "Upload a photo of a sketch; receive a glTF scene.\n- Runs on one consumer GPU in about a minute."
    )
    assert second.source == "ArXiv Abs"
    assert second.innovations.splitlines() == [
        "- A length-controlled decoding protocol.",
        "- A predictor of the optimal budget from the question alone.",
    ]


def test_fixture_with_crlf_bom_and_a_missing_section() -> None:
    from tests.conftest import REPORTS

    raw = (REPORTS / "crlf-bom-missing-section-2026-03-11.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    report = parse_report(raw.decode("utf-8"))
    (paper,) = report.papers
    assert paper.domain == "自动驾驶 - 夜间感知。"
    assert paper.usage == "- 输入：摄像头图像与激光雷达点云。\n- 输出：三维检测框。"
    assert paper.innovations == ""
    # one summary line by default; the per-paper detail behind it for --verbose
    assert [(w.message, w.detail) for w in report.warnings] == [
        ("papers lacking a section, of 1: innovations 1 (--verbose lists them)", False),
        ("paper 2603.05101: section 'innovations' is missing or empty", True),
    ]


def test_bundled_sample_report_is_complete() -> None:
    from bot.runtime.config import SAMPLE_REPORT

    report = parse_report(SAMPLE_REPORT.read_text(encoding="utf-8"))
    assert report.date == dt.date(2026, 11, 20)
    assert len(report.papers) == 14
    assert report.warnings == ()
    assert report.papers[7].url == "https://arxiv.org/abs/2611.01008v2"
    assert report.papers[7].arxiv_id == "2611.01008"


def test_control_and_bidi_characters_are_removed() -> None:
    text = HEADER + paper_block("### {n}. {name}", title="Safe\x1b[31m Title\u202e").replace(
        "第5节的内容。", "结果\x07\u2066很好\u2069。"
    )
    (paper,) = parse_report(text).papers
    assert paper.title == "Safe[31m Title"
    assert paper.results == "结果很好。"


def test_a_long_section_on_the_heading_line_is_read() -> None:
    long_text = "提出一种方法，" * 60  # 420 characters after the heading
    block = paper_block("{n}. **{name}**：", title="Long Lines")
    text = HEADER + block.replace("**：\n   第1节的内容。", "**：" + long_text, 1)
    paper = parse_report(text).papers[0]
    assert paper.domain == long_text.strip()


def test_a_report_whose_every_paper_link_is_empty_is_refused_saying_so() -> None:
    # 2404589803/hf-daily-paper-newsletter-chinese, 2025-01-08 to 01-10: `**论文链接：** []()`
    # under every paper and no id anywhere. It read as "0 papers", exit 0: a day lost in silence.
    from tests.conftest import REPORTS

    text = (REPORTS / "zh-hf-newsletter-empty-links-2025-01-08.md").read_text(encoding="utf-8")
    with pytest.raises(ReportFormatError) as raised:
        parse_report(text)
    assert "has an empty link ('**论文链接：** []()')" in str(raised.value)


def test_an_empty_link_error_names_the_first_paper_even_if_its_title_holds_a_label_word() -> None:
    # `### 1. REINFORCE++：…对齐方法` was read as a label (方法) of `## 📝 论文详情`, so the error
    # named paper 2 (line 32), not paper 1.
    from tests.conftest import REPORTS

    text = (REPORTS / "zh-hf-newsletter-empty-links-2025-01-08.md").read_text(encoding="utf-8")
    with pytest.raises(ReportFormatError) as raised:
        parse_report(text)
    assert raised.value.line == 19
    assert "'REINFORCE++：一种简单高效的大型语言模型对齐方法'" in str(raised.value)


def test_a_paper_title_holding_a_label_word_is_a_paper_not_a_label() -> None:
    # 2404589803/hf-daily-paper-newsletter-chinese, 2025-01-22: `### 1. MMVU：…评估` (评估 names a
    # results section) was a label of `## 📝 论文详情`, and paper 1 was published titled "论文详情".
    from tests.conftest import REPORTS

    text = (REPORTS / "zh-hf-newsletter-label-word-titles-2025-01-22.md").read_text(encoding="utf-8")
    papers = parse_report(text).papers
    assert [(p.arxiv_id, p.title) for p in papers] == [
        ("2501.12380", "MMVU：专家级多学科视频理解评估"),
        ("2501.11425", "Agent-R：通过迭代自训练训练语言模型代理进行反思"),
    ]
    assert papers[0].original_title == "MMVU: Measuring Expert-Level Multi-Discipline Video Understanding"
    assert papers[0].summary.startswith("我们介绍了MMVU")
    assert "Agent-R" not in papers[0].summary


@pytest.mark.parametrize(
    "title",
    ["Code：让模型读懂代码的方法", "一种面向长视频理解与生成的统一评估框架与基准测试方法研究"],
)
def test_a_lone_numbered_paper_whose_title_reads_as_one_is_a_paper(title: str) -> None:
    report = parse_report(
        "# 论文日报 2025-01-21\n\n## 📝 论文详情\n\n"
        f"### 1. {title}\n\n**论文链接：** [arXiv](https://arxiv.org/abs/2501.08325)\n"
    )
    assert [(p.arxiv_id, p.title) for p in report.papers] == [("2501.08325", title)]


_LINKS_TABLE_DIGEST = """# 🤗 Daily Hugging Face Paper Digest - 2026-01-13

## 📰 Summary of Papers

## 1. BabyVision: Visual Reasoning Beyond Language *(156 votes)*

**Tác giả:** Liang Chen

### I. Main Problem:
MLLM hiện đại vẫn phụ thuộc nhiều vào các tiên nghiệm ngôn ngữ.

### II. Main Idea:
BABYVISION gồm 388 câu hỏi.

### {links}

| Nền tảng | Đường dẫn |
| :--- | :--- |
| Hugging Face | [https://huggingface.co/papers/2601.06521](https://huggingface.co/papers/2601.06521) |
| ArXiv Abstract | [https://arxiv.org/abs/2601.06521](https://arxiv.org/abs/2601.06521) |
| PDF Download | [https://arxiv.org/pdf/2601.06521.pdf](https://arxiv.org/pdf/2601.06521.pdf) |

## 2. PaCoRe: Learning to Scale Test-Time Compute *(65 votes)*

### I. Main Problem:
Giới hạn của các mô hình ngôn ngữ.

### {links}

| Nền tảng | Đường dẫn |
| :--- | :--- |
| Hugging Face | [https://huggingface.co/papers/2601.05593](https://huggingface.co/papers/2601.05593) |
| ArXiv Abstract | [https://arxiv.org/abs/2601.05593](https://arxiv.org/abs/2601.05593) |
"""


@pytest.mark.parametrize("links", ["Các đường dẫn liên quan", "Related Links"])
def test_a_table_of_one_papers_links_under_a_sub_heading_names_the_paper_above(links: str) -> None:
    # kpollz/daily_papers_tool: every day read as "0 papers", exit 0, without a warning.
    report = parse_report(_LINKS_TABLE_DIGEST.format(links=links))
    assert [(p.arxiv_id, p.title, p.upvotes) for p in report.papers] == [
        ("2601.06521", "BabyVision: Visual Reasoning Beyond Language", 156),
        ("2601.05593", "PaCoRe: Learning to Scale Test-Time Compute", 65),
    ]
    first = report.papers[0]
    assert "388 câu hỏi" in first.contribution  # every part of the paper, sub-headings and all
    assert "Giới hạn" not in first.contribution  # paper 2's text stays paper 2's


@pytest.mark.parametrize(
    ("votes", "count"), [("99999999999", None), ("9" * 5000, None), ("2,147,483,647", 2**31 - 1)]
)
def test_a_vote_count_no_paper_can_have_is_no_count(votes: str, count: int | None) -> None:
    # `(99999999999 votes)` made PostgreSQL refuse the whole day's report (SQLite took it), and
    # 5,000 digits made int() raise: `paperbot ingest` failed the day on either database.
    text = _LINKS_TABLE_DIGEST.format(links="Related Links").replace("156 votes", f"{votes} votes")
    first, _second = parse_report(text).papers
    assert first.title == "BabyVision: Visual Reasoning Beyond Language"
    assert first.upvotes == count


def test_a_table_listing_several_papers_is_still_a_list_of_papers() -> None:
    report = parse_report(
        "# Daily Papers 2026-01-13\n\n## Papers\n\n| Title | Link |\n| --- | --- |\n"
        "| BabyVision | https://huggingface.co/papers/2601.06521 |\n"
        "| PaCoRe | https://huggingface.co/papers/2601.05593 |\n"
    )
    assert [p.arxiv_id for p in report.papers] == ["2601.06521", "2601.05593"]


def test_a_paper_whose_link_is_empty_is_named_and_the_others_are_read() -> None:
    report = parse_report(
        "# 论文日报 2025-01-08\n\n"
        "### 1. 面向物理AI的Cosmos世界基础模型平台\n\n**论文链接：** []()\n\n---\n\n"
        "### 2. MotionBench：细粒度视频运动理解\n\n**论文链接：** [arXiv](https://arxiv.org/abs/2501.02955)\n"
    )
    assert [p.arxiv_id for p in report.papers] == ["2501.02955"]
    assert any(
        "paper '面向物理AI的Cosmos世界基础模型平台' has an empty link" in w.message for w in report.warnings
    )


@pytest.mark.parametrize("field", ["- **代码**: []()", "**Usage**:", "- **Project page**: 无"])
def test_an_empty_field_that_is_no_link_changes_nothing(field: str) -> None:
    text = (
        "# 论文日报 2025-01-08\n\n## 📄 MotionBench\n- **链接**: https://arxiv.org/abs/2501.02955\n\n"
        f"## 资源\n{field}\n"
    )
    report = parse_report(text)
    assert [p.arxiv_id for p in report.papers] == ["2501.02955"]
    assert not any("empty link" in w.message for w in report.warnings)
