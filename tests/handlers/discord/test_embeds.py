"""Discord rendering: every limit holds for hostile and oversized report text (no gateway, ever)."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock

import discord
import pytest

from bot.chat.commands import HELP, Reply
from bot.models import Locale, LookupHit, Paper
from bot.ranking.digest import Digest, DigestItem
from bot.reports.arxiv import paper_links
from handlers.discord.embeds import (
    PAPERS_PER_MESSAGE,
    DetailsButton,
    VoteButton,
    clip,
    details_embeds,
    digest_messages,
    embed_chars,
    escape,
    escape_lines,
    paper_view,
    reply_messages,
)
from handlers.discord.messages import (
    DETAILS_PREFIX,
    MAX_COMPONENTS,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_FOOTER,
    MAX_TITLE,
    DiscordMessage,
)

HOSTILE = (
    "@everyone @here <@1> <@!123456789012345678> <@&2> <#3> </paper:4> <t:1:R> "
    "[x](http://evil) **bold** __under__ `code` ~~strike~~ ||spoiler|| trailing\\"
)
DAY = dt.date(2026, 5, 4)


# -- what "safe" means -------------------------------------------------------------------------


def unescaped(text: str, char: str) -> list[int]:
    """Positions of `char` not escaped by a backslash (an even run of backslashes escapes none)."""
    found = []
    for match in re.finditer(re.escape(char), text):
        run = len(text[: match.start()]) - len(text[: match.start()].rstrip("\\"))
        if run % 2 == 0:
            found.append(match.start())
    return found


def assert_safe(text: str, *, own_italics: bool = False, own_links: bool = False) -> None:
    """No mention, masked link or emphasis from report text can render in `text`.

    `own_italics`: a line wrapped in `*…*` is paperbot's own italic area line."""
    if own_italics:
        text = "\n".join(line[1:-1] if re.fullmatch(r"\*.+\*", line) else line for line in text.split("\n"))
    assert "@everyone" not in text
    assert "@here" not in text
    assert not unescaped(text, "<"), text
    if not own_links:
        assert not unescaped(text, "["), text
    for marker in ("_", "`", "~", "|"):
        assert not unescaped(text, marker), (marker, text)
    assert not unescaped(text, "*"), text
    assert not re.search(r"(?<!\\)(\\\\)*\\$", text.removesuffix("…")), "a dangling escape"


def hostile_item(n: int, *, size: int = 1) -> DigestItem:
    links = paper_links(f"2605.{n:05d}")
    return DigestItem(
        arxiv_id=f"2605.{n:05d}",
        title=f"{n} {HOSTILE} " + "T" * 1000 * size,
        hf_url=links["hf"],
        arxiv_url=links["arxiv"],
        pdf_url=links["pdf"],
        domain=f"{HOSTILE} " + "领域" * 400 * size,
        contribution=f"# {HOSTILE}\n> quote\n- list " + "贡献 " * 3000 * size,
        topics=("RL", '"@everyone"', "<@1>"),
        reason=f"{HOSTILE} " + "why " * 400 * size,
        score=1.0 - n / 1000,
    )


def digest(items: list[DigestItem], *, more: int = 0, locale: str = "en") -> Digest:
    following = ("RL", '"[x](http://evil)"', '"@everyone"') * (1 + 200 * (len(items) > 50))
    return Digest(DAY, locale, total=100, items=tuple(items), more=more, following=following)


def check_message(message: DiscordMessage, *, own_links: bool = False) -> None:
    """Every Discord limit that applies to one message, and safety of every string in it."""
    assert len(message.content) <= MAX_CONTENT
    assert len(message.embeds) <= MAX_EMBEDS
    assert sum(embed_chars(e) for e in message.embeds) <= MAX_EMBED_TOTAL
    assert sum(len(e) for e in message.embeds) <= MAX_EMBED_TOTAL  # discord.py's own count
    for embed in message.embeds:
        assert len(embed.title or "") <= MAX_TITLE
        assert len(embed.description or "") <= MAX_DESCRIPTION
        assert len(embed.fields) <= MAX_FIELDS
        assert len(embed.footer.text or "") <= MAX_FOOTER
        for field in embed.fields:
            assert 0 < len(field.name or "") <= MAX_FIELD_NAME
            assert 0 < len(field.value or "") <= MAX_FIELD_VALUE
            assert_safe(field.value or "")
        assert_safe(embed.title or "")
        assert_safe(embed.description or "", own_italics=True, own_links=own_links)
    if message.view is not None:
        check_view(message.view)
        assert len(message.view.children) <= MAX_COMPONENTS
    kwargs = message.send_kwargs()
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()


def check_view(view: discord.ui.View) -> None:
    rows = view.to_components()
    assert len(rows) <= 5
    for row in rows:
        assert len(row["components"]) <= 5
    ids = [item.custom_id for item in view.children if isinstance(item, DetailsButton)]
    assert len(ids) == len(set(ids))
    assert view.timeout is None


# -- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@everyone", "@\u200beveryone"),
        ("<@123>", "\\<@123>"),
        ("<#1>", "\\<#1>"),
        ("[x](http://evil)", "\\[x](http://evil)"),
        ("[a](http://b) then [c](http://evil)", "\\[a](http://b) then \\[c](http://evil)"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("a\\[b", "a\\\\\\[b"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("  many \n\n spaces\t", "many spaces"),
    ],
)
def test_escape_shows_report_text_as_written(raw: str, shown: str) -> None:
    assert escape(raw) == shown


def test_escape_lines_keeps_bullets_as_text() -> None:
    assert escape_lines("first\n- @everyone\n\n  # <@1>") == "first\n\\- @\u200beveryone\n\\# \\<@1>"


@pytest.mark.parametrize("limit", range(1, 60))
def test_clip_never_leaves_a_dangling_escape(limit: int) -> None:
    text = escape("**__``" * 20)
    clipped = clip(text, limit)
    assert len(clipped) <= limit
    assert_safe(clipped)
    if limit >= 5:
        assert clip("short", limit) == "short"


def test_embed_chars_counts_what_discord_counts() -> None:
    embed = discord.Embed(title="t" * 10, description="d" * 20, url="https://huggingface.co/papers/x")
    embed.add_field(name="n" * 3, value="v" * 4)
    embed.set_footer(text="f" * 5, icon_url="https://example.com/i.png")
    embed.set_author(name="a" * 6, url="https://example.com")
    assert embed_chars(embed) == 48 == len(embed)
    assert embed_chars(discord.Embed()) == 0


# -- digests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_a_hostile_60_paper_digest_keeps_every_limit_and_every_paper(locale: str) -> None:
    items = [hostile_item(n) for n in range(60)]
    messages = digest_messages(digest(items, more=7, locale=locale), marker="delivery-42")

    assert len(messages) >= 60 // PAPERS_PER_MESSAGE
    shown: list[str] = []
    for number, message in enumerate(messages, start=1):
        check_message(message)
        assert message.view is not None
        assert len(message.view.children) == 5 * len(message.embeds)  # HF, arXiv, Details, 👍, 👎
        assert message.embeds[-1].footer.text == f"paperbot · delivery-42 · {number}/{len(messages)}"
        assert all(not e.footer.text for e in message.embeds[:-1])
        if number > 1:
            assert_safe(message.content)
        shown += [embed.url or "" for embed in message.embeds]
        buttons = [item.arxiv_id for item in message.view.children if isinstance(item, DetailsButton)]
        assert [paper_links(b)["hf"] for b in buttons] == [embed.url for embed in message.embeds]
        assert list(message.papers) == buttons  # what a retry's decided digest relies on
    assert shown == [item.hf_url for item in items]  # none lost, none reordered
    assert messages[0].content.startswith("**Daily Papers" if locale == "en" else "**每日论文")
    assert "@everyone" not in messages[0].content
    assert not unescaped(messages[0].content, "<")
    assert not unescaped(messages[0].content, "[")
    assert "digest" in messages[-1].content
    assert "7" in messages[-1].content
    assert all(not m.content for m in messages[1:-1])


async def test_each_card_shows_title_area_contribution_and_why() -> None:
    item = hostile_item(1)
    (message,) = digest_messages(digest([item]))
    (embed,) = message.embeds
    assert embed.url == "https://huggingface.co/papers/2605.00001"
    assert (embed.title or "").startswith("1 @\u200beveryone")
    assert len(embed.title or "") == MAX_TITLE
    description = embed.description or ""
    assert description.startswith("*@\u200beveryone")
    assert description.split("\n")[0].endswith("…*")
    assert "\n\\# @\u200beveryone" in description
    assert len(description) <= 1000
    (field,) = embed.fields
    assert field.name == "Topics · why"
    assert (field.value or "").startswith('RL, "@\u200beveryone", \\<@1>\n@\u200beveryone')
    assert message.view is not None
    hf, arxiv, details, up, down = message.view.children
    assert isinstance(up, VoteButton)
    assert isinstance(down, VoteButton)
    assert up.custom_id == f"paperbot:vote:up:{item.arxiv_id}"
    assert down.custom_id == f"paperbot:vote:down:{item.arxiv_id}"
    assert isinstance(hf, discord.ui.Button)
    assert isinstance(arxiv, discord.ui.Button)
    assert isinstance(details, DetailsButton)
    assert (hf.label, hf.url, hf.style) == ("Hugging Face", item.hf_url, discord.ButtonStyle.link)
    assert (arxiv.label, arxiv.url) == ("arXiv", item.arxiv_url)
    assert details.custom_id == DETAILS_PREFIX + item.arxiv_id
    assert digest_messages(digest([item], locale="zh"))[0].embeds[0].fields[0].name == "主题 · 原因"


async def test_a_short_digest_is_one_message_with_the_more_line_last() -> None:
    items = [hostile_item(n, size=0) for n in range(3)]
    (message,) = digest_messages(digest(items, more=4))
    check_message(message)
    lines = message.content.split("\n")
    assert lines[0] == "**Daily Papers · 2026-05-04 — 7 of 100 papers for this channel**"
    assert lines[1].startswith("Following: RL")
    assert lines[-1].startswith("…and 4 more")
    assert len(message.embeds) == 3
    assert all(not embed.footer.text for embed in message.embeds)  # no marker: a preview


async def test_an_empty_digest_is_the_header_only() -> None:
    (message,) = digest_messages(digest([]))
    assert message.content.startswith("**Daily Papers · 2026-05-04 — none of the day's 100 papers")
    assert message.embeds == []
    assert message.view is None
    (marked,) = digest_messages(digest([]), marker="d-0")
    (embed,) = marked.embeds  # the marker needs an embed to live in
    assert embed.footer.text == "paperbot · d-0 · 1/1"
    assert not embed.title
    assert not embed.description


async def test_huge_papers_get_a_message_each_and_still_fit() -> None:
    items = [hostile_item(n, size=20) for n in range(12)]
    messages = digest_messages(digest(items), marker="m")
    for message in messages:
        check_message(message)
    assert sum(len(m.embeds) for m in messages) == 12


# -- buttons -----------------------------------------------------------------------------------


async def test_paper_view_gives_each_paper_a_row_and_refuses_too_many() -> None:
    papers = [
        (f"2605.{n:05d}", f"https://huggingface.co/papers/{n}", f"https://arxiv.org/abs/{n}")
        for n in range(5)
    ]
    view = paper_view(papers, "zh")
    check_view(view)
    rows = view.to_components()
    assert len(rows) == 5
    assert [len(row["components"]) for row in rows] == [3] * 5
    assert rows[2]["components"][2]["custom_id"] == DETAILS_PREFIX + "2605.00002"
    assert rows[2]["components"][2]["label"] == "详情"
    assert len(view.children) <= MAX_COMPONENTS
    with pytest.raises(ValueError, match="rows"):
        paper_view([*papers, papers[0]], "en")


async def test_an_id_the_button_cannot_carry_gets_links_only() -> None:
    view = paper_view(
        [("not an id", "https://h", "https://a"), ("hep-th/9901001", "https://h2", "https://a2")], "en"
    )
    assert [type(item).__name__ for item in view.children] == [
        "Button",
        "Button",
        "Button",
        "Button",
        "DetailsButton",
    ]
    assert DetailsButton.accepts("hep-th/9901001")
    assert not DetailsButton.accepts("x" * 100)


class Provider:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, str]] = []

    async def show_details(self, interaction: Any, arxiv_id: str) -> None:
        self.calls.append((interaction, arxiv_id))


def clicked(client: object, locale: discord.Locale = discord.Locale.american_english) -> Any:
    mock = AsyncMock(spec=discord.Interaction)
    mock.client = client
    mock.locale = locale
    mock.response = AsyncMock()
    return mock


async def test_details_button_round_trips_its_custom_id_and_asks_the_provider() -> None:
    button = DetailsButton("2605.00042", "zh")
    assert button.custom_id == "paperbot:details:2605.00042"
    assert button.item.label == "详情"
    match = DetailsButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None
    assert match["arxiv_id"] == "2605.00042"

    interaction = clicked(Provider())
    rebuilt = await DetailsButton.from_custom_id(interaction, button.item, match)
    assert rebuilt.arxiv_id == "2605.00042"
    assert rebuilt.item.label == "详情"  # the label it was posted with
    assert rebuilt.is_persistent()

    await rebuilt.callback(interaction)
    assert interaction.client.calls == [(interaction, "2605.00042")]
    interaction.response.send_message.assert_not_awaited()


@pytest.mark.parametrize("client", [SimpleNamespace(), SimpleNamespace(show_details=lambda *_: None)])
async def test_without_a_provider_the_button_says_so_to_the_clicker(client: object) -> None:
    interaction = clicked(client, discord.Locale.chinese)
    await DetailsButton("2605.00042").callback(interaction)
    args, kwargs = interaction.response.send_message.await_args
    assert args == ("暂时无法查看论文详情。",)
    assert kwargs["ephemeral"] is True
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()


# -- replies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_help_is_a_code_block(locale: Locale) -> None:
    (message,) = reply_messages(Reply(HELP[locale], locale=locale))
    assert message.content.startswith("```\n/paper")
    assert message.content.endswith("\n```")
    assert HELP[locale] in message.content
    assert not message.embeds
    assert message.view is None


async def test_long_text_is_split_between_lines_into_several_code_blocks() -> None:
    lines = [f"• topic {n} — @everyone ``` <@1> " + "x" * (n % 90) for n in range(200)] + ["y" * 5000]
    messages = reply_messages(Reply("\n".join(lines)))
    assert len(messages) > 1
    body: list[str] = []
    for message in messages:
        assert len(message.content) <= MAX_CONTENT
        assert message.content.startswith("```\n")
        assert message.content.endswith("\n```")
        assert message.content.count("```") == 2  # a fence in the text cannot end the block
        body += message.content[4:-4].split("\n")
    assert len(body) == len(lines)
    assert body[0].startswith("• topic 0")
    assert body[-1].endswith("…")


async def test_a_line_too_long_for_one_message_goes_on_in_the_next() -> None:
    # `/paper list` of a channel following 80 long keywords: the line was cut at one message's
    # 2,000 characters, and 45 of the keywords never shown.
    keywords = [f"kw{n:02d} " + "long phrase " * 4 for n in range(80)]
    follows = "This channel follows: " + ", ".join(f'"{k.strip()}"' for k in keywords)
    messages = reply_messages(Reply(follows + "\nDigest daily at 07:30 (Asia/Shanghai)."))
    assert len(messages) == 3
    assert all(len(m.content) <= MAX_CONTENT for m in messages)
    body = "\n".join(m.content[4:-4] for m in messages)
    assert all(f'"kw{n:02d} long' in body for n in range(80))  # a break may fall inside one
    assert body.endswith("\nDigest daily at 07:30 (Asia/Shanghai).")


async def test_one_line_text_is_escaped_content() -> None:
    (message,) = reply_messages(Reply(f"No archived paper matches {HOSTILE}.", error=True))
    assert_safe(message.content)
    assert message.content.startswith("No archived paper matches @\u200beveryone")
    (long,) = reply_messages(Reply("word " * 1000))
    assert len(long.content) <= MAX_CONTENT


async def test_lookup_hits_are_embeds_with_buttons() -> None:
    hits = [
        LookupHit(f"2605.{n:05d}", f"{HOSTILE} " * 20, DAY, 0.5, "", HOSTILE * 10, HOSTILE * 50)
        for n in range(12)
    ]
    messages = reply_messages(Reply("12 papers for <@1>:", hits, locale="zh"))
    assert messages[0].content == "12 papers for \\<@1>:"
    shown: list[str] = []
    for message in messages:
        check_message(message)
        assert message.view is not None
        assert len(message.view.children) == 3 * len(message.embeds)
        shown += [embed.url or "" for embed in message.embeds]
        for embed in message.embeds:
            assert (embed.description or "").startswith("arXiv 2605.")
    assert shown == [f"https://huggingface.co/papers/2605.{n:05d}" for n in range(12)]
    assert all(not m.content for m in messages[1:])


async def test_a_reply_with_a_digest_is_the_digest() -> None:
    shown = digest([hostile_item(1)])
    messages = reply_messages(Reply(shown.header(), digest=shown))
    assert [m.content for m in messages] == [m.content for m in digest_messages(shown)]
    assert messages[0].embeds[0].url == shown.items[0].hf_url


# -- details -----------------------------------------------------------------------------------


def hostile_paper(size: int) -> Paper:
    section = "\n".join(f"- {HOSTILE} point {n} " + "z" * 300 for n in range(size // 400 + 1))[:size]
    return Paper(
        arxiv_id="2605.00007",
        title=f"{HOSTILE} " + "T" * 1000,
        url="https://evil.example/",
        domain=section,
        contribution=section,
        usage=section,
        innovations=section,
        results=section,
    )


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_details_of_a_huge_hostile_paper_fit_one_embed(locale: str) -> None:
    (embed,) = details_embeds(hostile_paper(20_000), locale)
    check_message(DiscordMessage(embeds=[embed]), own_links=True)
    assert embed.url == "https://huggingface.co/papers/2605.00007"
    assert "evil" not in (embed.url or "")
    assert_safe(embed.description or "", own_links=True)
    assert len(embed) <= MAX_EMBED_TOTAL
    assert len(embed) > MAX_EMBED_TOTAL - 300  # the room is used, not wasted
    names = [field.name or "" for field in embed.fields]
    expected = (
        ["Area", "Contribution", "How to use it", "Main innovations", "Results"]
        if locale == "en"
        else ["应用领域", "核心贡献", "使用指南", "主要创新点", "实验效果"]
    )
    for name in expected:  # every section gets a share
        assert any(n == name or n.startswith((f"{name} (", f"{name}（")) for n in names), (name, names)
    order = [next(i for i, e in enumerate(expected) if n.startswith(e)) for n in names]
    assert order == sorted(order)
    last = [f.value or "" for f in embed.fields if (f.name or "").startswith(expected[-1])][-1]
    assert last.endswith("…")


async def test_details_of_a_short_paper_show_every_section_whole() -> None:
    paper = Paper(
        arxiv_id="2605.00008",
        title="A *short* paper",
        url="",
        domain="Robotics",
        contribution="A new policy.",
        usage="- install\n- run",
        innovations="",
        results="SOTA on X.",
    )
    (embed,) = details_embeds(paper, "en")
    assert embed.title == "A \\*short\\* paper"
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Area", "Robotics"),
        ("Contribution", "A new policy."),
        ("How to use it", "\\- install\n\\- run"),
        ("Results", "SOTA on X."),
    ]
    assert "(https://arxiv.org/pdf/2605.00008)" in (embed.description or "")


async def test_one_enormous_section_is_split_across_fields_under_25() -> None:
    paper = Paper("2605.00009", "t", "", usage="\n".join(f"line {n} " + "w" * 80 for n in range(2000)))
    (embed,) = details_embeds(paper, "en")
    check_message(DiscordMessage(embeds=[embed]), own_links=True)
    assert len(embed.fields) > 1
    assert (embed.fields[0].name or "").startswith("How to use it (1/")


def test_a_chinese_card_lists_its_topics_the_chinese_way() -> None:
    item = DigestItem(
        arxiv_id="2605.00001",
        title="Reinforcement Learning for LLM Agents",
        hf_url="https://huggingface.co/papers/2605.00001",
        arxiv_url="https://arxiv.org/abs/2605.00001",
        pdf_url="https://arxiv.org/pdf/2605.00001",
        domain="",
        contribution="",
        topics=("强化学习", "智能体"),
        reason="标题命中「Reinforcement Learning」",
        score=1.0,
    )
    (field,) = digest_messages(digest([item], locale="zh"))[0].embeds[0].fields
    assert (field.value or "").startswith("强化学习、智能体\n"), field.value


def test_a_chinese_section_split_over_fields_numbers_them_in_chinese_brackets() -> None:
    paper = Paper(
        arxiv_id="2605.00002",
        title="A long paper",
        url="https://huggingface.co/papers/2605.00002",
        innovations="创新。" * 600,  # past one field's 1,024 characters
    )
    names = [field.name for embed in details_embeds(paper, "zh") for field in embed.fields]
    assert "主要创新点（1/2）" in names, names
