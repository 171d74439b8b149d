from __future__ import annotations

import datetime as dt

from bot.models import Interests, Report
from bot.ranking.digest import build_digest, clip_reason
from bot.topics.taxonomy import builtin_taxonomy
from tests.factories import paper

TAXONOMY = builtin_taxonomy()
DAY = dt.date(2026, 5, 4)


def report(n_video: int = 3) -> Report:
    papers = [
        paper(arxiv_id=f"2605.0000{i}", title=f"Text-to-Video Generation, part {i}", domain="视频生成")
        for i in range(1, n_video + 1)
    ]
    papers.append(paper(arxiv_id="2605.09999", title="Protein Folding", domain="生物"))
    return Report(DAY, tuple(papers))


def test_a_digest_holds_the_matched_papers_with_links_topics_and_reasons() -> None:
    digest = build_digest(report(), Interests(("video-generation",)), TAXONOMY)
    assert digest.total == 4
    assert digest.matched == 3
    assert digest.more == 0
    item = digest.items[0]
    assert item.arxiv_id == "2605.00001"
    assert item.hf_url == "https://huggingface.co/papers/2605.00001"
    assert item.arxiv_url == "https://arxiv.org/abs/2605.00001"
    assert item.pdf_url == "https://arxiv.org/pdf/2605.00001"
    assert item.topics == ("video generation",)
    assert item.reason == 'matched "Text-to-Video" in title, "视频生成" in area'
    assert digest.header() == "Daily Papers · 2026-05-04 — 3 of 4 papers for this channel"
    assert item.to_json()["topics"] == ["video generation"]


def test_a_capped_digest_says_how_many_more_and_how_to_see_them() -> None:
    digest = build_digest(report(5), Interests(("video-generation",)), TAXONOMY, limit=2)
    assert len(digest.items) == 2
    assert digest.more == 3
    assert digest.more_line() == "…and 3 more — type /paper digest 2026-05-04 all to see every match"
    assert build_digest(report(5), Interests(("video-generation",)), TAXONOMY, limit=None).more == 0


def test_labels_follow_the_channel_language() -> None:
    digest = build_digest(report(), Interests(("video-generation",), ("folding",)), TAXONOMY, locale="zh")
    assert digest.header() == "每日论文 · 2026-05-04 —— 当日 4 篇中有 4 篇与本频道相关"
    assert digest.following == ("视频生成", "「folding」")
    assert digest.following_line() == "订阅主题：视频生成、「folding」"
    assert digest.items[0].topics == ("视频生成",)
    assert "标题命中" in digest.items[0].reason


def test_a_day_without_matches_says_so() -> None:
    digest = build_digest(report(), Interests(("robotics",)), TAXONOMY)
    assert digest.items == ()
    assert digest.matched == 0
    assert "none of the day's 4 papers" in digest.header()
    assert digest.more_line() is None


def test_a_day_of_one_paper_is_worded_for_one_and_no_header_says_today() -> None:
    # `/paper digest 2026-05-04` shows a past day under the same header: no "today" in it.
    single = Report(DAY, report(1).papers[:1])
    one = build_digest(single, Interests(("video-generation",)), TAXONOMY)
    assert one.header() == "Daily Papers · 2026-05-04 — 1 of 1 paper for this channel"
    none = build_digest(single, Interests(("robotics",)), TAXONOMY)
    assert (
        none.header()
        == "Daily Papers · 2026-05-04 — the day's one paper does not match this channel's topics"
    )
    for locale in ("en", "zh"):
        for interests in (("video-generation",), ("robotics",)):
            header = build_digest(report(), Interests(interests), TAXONOMY, locale=locale).header()
            assert "today" not in header, header
            assert "今日" not in header, header


# A reason as cards show it for a paper three of a channel's topics and keywords selected.
LONG_REASON = (
    'reinforcement learning: matched "GRPO" in title and contribution, "强化学习" in area, innovations '
    'and usage; LLM reasoning: matched "Math Reasoning" in title, "数学推理" in contribution, "推理模型" '
    'in usage; "GRPO": matched "GRPO" in title and contribution'
)
LONG_REASON_ZH = (
    "强化学习: 标题、核心贡献命中「GRPO」，应用领域、创新点、使用指南命中「强化学习」；"
    "推理: 标题命中「Math Reasoning」，核心贡献命中「数学推理」，使用指南命中「推理模型」；"
    '"GRPO": 标题、核心贡献命中「GRPO」'
)


def test_a_shortened_reason_ends_after_a_whole_quoted_word_never_inside_a_quotation() -> None:
    # From the first place it can be cut (shorter, it is cut where it must be).
    for limit in range(LONG_REASON.index(", ") + 2, len(LONG_REASON)):
        cut = clip_reason(LONG_REASON, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        assert cut.count('"') % 2 == 0, cut  # every quotation it opens, it closes
        assert LONG_REASON.startswith(cut[:-1])
    assert clip_reason(LONG_REASON, 150) == (
        'reinforcement learning: matched "GRPO" in title and contribution, "强化学习" in area, innovations '
        "and usage…"
    )
    for limit in range(LONG_REASON_ZH.index("，") + 2, len(LONG_REASON_ZH)):
        cut = clip_reason(LONG_REASON_ZH, limit)
        assert len(cut) <= limit
        assert cut.count("「") == cut.count("」"), cut
    assert clip_reason(LONG_REASON, len(LONG_REASON)) == LONG_REASON


def test_a_week_without_a_match_says_none_as_a_day_does_in_both_languages() -> None:
    from dataclasses import replace

    week = replace(report(), first_date=DAY - dt.timedelta(days=6))
    robots = Interests(("robotics",))
    assert build_digest(week, robots, TAXONOMY).header() == (
        "Weekly Papers · 2026-04-28 – 2026-05-04 — none of the week's 4 papers match this channel's topics"
    )
    assert build_digest(week, robots, TAXONOMY, locale="zh").header() == (
        "每周论文 · 2026-04-28 – 2026-05-04 —— 本周 4 篇论文中没有与本频道主题相关的"
    )
    video = build_digest(week, Interests(("video-generation",)), TAXONOMY)
    assert video.header() == "Weekly Papers · 2026-04-28 – 2026-05-04 — 3 of 4 papers for this channel"


def test_a_chinese_reason_for_two_topics_names_them_the_chinese_way() -> None:
    # "视频生成: 标题命中…" put an ASCII colon after a Chinese name, and a keyword was "video".
    digest = build_digest(report(), Interests(("video-generation",), ("video",)), TAXONOMY, locale="zh")
    item = digest.items[0]
    assert item.topics == ("视频生成", "「video」")
    first, second = item.reason.split("；")
    assert first.startswith("视频生成：标题命中"), item.reason
    assert second.startswith("「video」："), item.reason
    english = build_digest(report(), Interests(("video-generation",), ("video",)), TAXONOMY).items[0]
    assert english.reason.startswith('video generation: matched "Text-to-Video" in title'), english.reason
    assert '; "video": matched' in english.reason
