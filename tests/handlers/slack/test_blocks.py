from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.chat.commands import HELP, Reply
from bot.models import Interests, LookupHit, Report
from bot.ranking.digest import build_digest
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.blocks import (
    DETAILS_ACTION,
    MAX_BLOCKS,
    MAX_MESSAGE_BLOCK_CHARS,
    SHARE_ACTION,
    details_view,
    digest_messages,
    escape,
    escape_clip,
    reply_messages,
    shared_message,
)
from tests.factories import paper
from tests.handlers.slack.fake_slack import message_problem

HOSTILE = "<!channel> <!here> <@U0123> <https://evil.example|click me> & friends"
DAY = dt.date(2026, 5, 4)


def validate(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def big_report(n: int, text: str = "") -> Report:
    papers = [
        paper(
            arxiv_id=f"2605.{i:05d}",
            title=f"{text} Reinforcement Learning paper {i} " + "long " * 60,
            domain=f"强化学习 {text} " + "领域" * 200,
            contribution=f"{text} " + "贡献" * 1500,
        )
        for i in range(n)
    ]
    return Report(DAY, tuple(papers))


def test_a_60_paper_digest_splits_into_valid_messages_without_losing_a_paper() -> None:
    digest = build_digest(
        big_report(60), Interests(("reinforcement-learning",)), builtin_taxonomy(), limit=None
    )
    messages = digest_messages(digest)
    assert len(messages) > 1
    seen: list[str] = []
    for number, message in enumerate(messages, start=1):
        assert len(message.blocks) <= MAX_BLOCKS
        assert len(json.dumps(message.blocks, ensure_ascii=False)) <= MAX_MESSAGE_BLOCK_CHARS
        validate(message.blocks)
        assert message.text.startswith("Daily Papers · 2026-05-04")
        assert f"part {number} of {len(messages)}" in message.text
        shown = [
            b["block_id"].removeprefix("paper_")
            for b in message.blocks
            if b.get("block_id", "").startswith("paper_")
        ]
        assert list(message.papers) == shown  # what a retry's decided digest relies on
        seen += shown
    assert seen == [item.arxiv_id for item in digest.items]
    assert messages[0].blocks[0]["type"] == "header"
    assert all(m.blocks[0]["type"] != "header" for m in messages[1:])


def test_the_last_message_says_how_many_more() -> None:
    digest = build_digest(
        big_report(14), Interests(("reinforcement-learning",)), builtin_taxonomy(), limit=10
    )
    last = digest_messages(digest)[-1].blocks[-1]
    assert last["type"] == "context"
    assert "…and 4 more" in last["elements"][0]["text"]


def test_hostile_report_text_is_shown_never_executed() -> None:
    digest = build_digest(big_report(2, HOSTILE), Interests(("reinforcement-learning",)), builtin_taxonomy())
    for message in digest_messages(digest):
        raw = json.dumps(message.blocks, ensure_ascii=False) + message.text
        for token in ("<!channel>", "<!here>", "<@U0123>", "<https://evil.example|"):
            assert token not in raw
        assert "&lt;!channel&gt;" in raw
        assert "&amp; friends" in raw
        validate(message.blocks)
    title_link = digest_messages(digest)[0].blocks[2]["text"]["text"]
    assert title_link.startswith("*<https://huggingface.co/papers/2605.00000|")


def test_escape_clip_never_cuts_an_entity() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    clipped = escape_clip("&" * 100, 12)
    assert clipped == "&amp;&amp;…"
    assert len(escape_clip("x" * 50, 10)) == 10


def test_lookup_replies_offer_details_and_share_and_help_is_preformatted() -> None:
    hit = LookupHit("2605.00001", HOSTILE, DAY, 1.0, "u", "强化学习", "做了一件事")
    message = reply_messages(Reply("1 paper for 'x':", [hit]))[0]
    validate(message.blocks)
    actions = [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert DETAILS_ACTION in actions
    assert SHARE_ACTION in actions
    assert "<!channel>" not in json.dumps(message.blocks)
    help_message = reply_messages(Reply(HELP["en"]))[0]
    assert help_message.blocks[0]["text"]["text"].startswith("```/paper QUERY")
    validate(help_message.blocks)


def test_five_lookup_results_with_long_texts_fit_one_reply() -> None:
    # Each result's own share (title 400, area 500, contribution 1,200) five times over came to
    # ~14k characters of blocks: Slack refused the reply (msg_blocks_too_long), the caller saw nothing.
    long = LookupHit("2605.00001", "T&" * 200, DAY, 1.0, "u", "<area>" * 100, "做了&" * 400)
    hits = [dataclasses.replace(long, arxiv_id=f"2605.0000{i}") for i in range(1, 6)]
    [message] = reply_messages(Reply("x" * 3000, hits))
    assert message_problem({"text": message.text, "blocks": message.blocks}) is None
    assert len(json.dumps(message.blocks, ensure_ascii=False)) <= MAX_MESSAGE_BLOCK_CHARS
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert all(f"`2605.0000{i}`" in shown for i in range(1, 6))  # every result, shortened alike
    assert "做了&amp;" in shown
    # A reply that fits keeps each result's full share.
    [one] = reply_messages(Reply("1 paper for 'x':", hits[:1]))
    assert escape_clip("做了&" * 400, 1200) in one.blocks[1]["text"]["text"]


def test_a_text_reply_past_one_message_shortens_its_longest_line_only() -> None:
    follows = "This channel follows: " + ", ".join(f'"kw{n:03d} & <more>"' for n in range(900))
    [message] = reply_messages(Reply(follows + "\nDigest daily at 09:00 (UTC).\nPaused: x"))
    assert message_problem({"text": message.text, "blocks": message.blocks}) is None
    shown = [block["text"]["text"] for block in message.blocks]
    assert shown[0].startswith('```This channel follows: "kw000 &amp; &lt;more&gt;"')
    assert all(text.startswith("```") and text.endswith("```") for text in shown)
    assert "\n".join(text[3:-3] for text in shown).endswith(" …\nDigest daily at 09:00 (UTC).\nPaused: x")


def test_a_fence_inside_a_preformatted_reply_cannot_close_it() -> None:
    # `/paper list` of a channel following the keyword "```x``` *hi*": one block, nothing rendered.
    text = reply_messages(Reply('This channel follows: "```x``` *hi*"\nDigest daily at 09:00 (UTC).'))[0]
    shown = text.blocks[0]["text"]["text"]
    assert shown.startswith("```This channel follows:")
    assert shown.endswith("```")
    assert shown[3:-3].count("```") == 0
    assert "*hi*" in shown


def test_details_modal_leaves_out_a_report_s_blank_lines() -> None:
    # 2,000 empty lines in one section made the modal a screenful of nothing per section, the
    # rest of the paper far below; Discord's Details already left blank lines out.
    hostile = paper(usage="输入\n" + "\n" * 2000 + "   - 输出  结果\n\n\n", results="结果")
    sections = [b["text"]["text"] for b in details_view(hostile, "zh")["blocks"] if b["type"] == "section"]
    assert any(text.endswith("输入\n- 输出 结果") for text in sections)
    assert all("\n\n" not in text for text in sections)


def test_a_long_section_in_the_details_modal_keeps_its_bullets() -> None:
    # Past a section's room, the whole section was clipped as one line: 80 bullets ran together
    # into one paragraph. Whole bullets are kept while they fit, the next cut with "…".
    bullets = "\n".join(f"- result {n} & more: " + "数据" * 20 for n in range(80))
    (section,) = [
        b["text"]["text"]
        for b in details_view(paper(results=bullets), "en")["blocks"]
        if b["type"] == "section" and "result 0" in b["text"]["text"]
    ]
    lines = section.split("\n")
    assert len(section) <= 3000
    assert lines[1] == "- result 0 &amp; more: " + "数据" * 20
    assert len(lines) > 40
    assert lines[-1].endswith("…")
    assert all(line.startswith("- result ") for line in lines[1:])


def test_details_modal_and_shared_card_are_valid() -> None:
    long_paper = paper(
        title=HOSTILE * 10,
        domain="领域",
        contribution="贡献",
        usage="- 输入 <x>\n- 输出 & 结果\n" * 400,
        innovations="创新",
        results="结果",
    )
    view = details_view(long_paper, "zh")
    View(**view).validate_json()
    assert view["title"]["text"] == "论文详情"
    assert any("&lt;x&gt;" in b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    shared = shared_message(long_paper, "U42", "en")
    validate(shared.blocks)
    assert "Shared by <@U42>" in json.dumps(shared.blocks)


def test_a_chinese_card_and_its_notification_are_punctuated_as_chinese() -> None:
    # "主题: 强化学习, 智能体 · 匹配原因: …" read as typos; so did "…相关: Title" in the notification.
    report = Report(DAY, (paper(arxiv_id="2605.00001", title="Reinforcement Learning for LLM Agents"),))
    interests = Interests(("reinforcement-learning", "agents"))
    digest = build_digest(report, interests, builtin_taxonomy(), locale="zh")
    (message,) = digest_messages(digest)
    contexts = [
        element["text"]
        for block in message.blocks
        if block["type"] == "context"
        for element in block["elements"]
    ]
    why = next(text for text in contexts if text.startswith("主题"))
    assert why.startswith("主题：强化学习、智能体 · 匹配原因："), why
    assert message.text.startswith("每日论文 · 2026-05-04 —— 当日 1 篇中有 1 篇与本频道相关：Reinforcement")
