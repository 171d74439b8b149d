"""👍 / 👎 on Discord digest cards: persistent buttons within Discord's limits, a click records
the clicker's vote for the channel and is answered to them alone; community signals on embeds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock

import discord
import pytest

from bot.chat.use_cases import subscribe
from bot.ranking.digest import Digest, DigestItem
from bot.ranking.feedback import DOWN, UP
from bot.store.votes import VoteStore
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.discord.embeds import (
    MAX_ACTION_ROWS,
    MAX_CUSTOM_ID,
    VoteButton,
    digest_embed,
    digest_messages,
)
from handlers.discord.messages import MAX_COMPONENTS, VOTE_PREFIX
from tests.handlers.discord.test_bot import REF, interaction
from tests.handlers.discord.test_bot import edge as edge

PAPER = "2611.01001"


def item(arxiv_id: str = PAPER, **signals: object) -> DigestItem:
    base = DigestItem(
        arxiv_id=arxiv_id,
        title="TempoWeave @everyone",
        hf_url=f"https://huggingface.co/papers/{arxiv_id}",
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        domain="video",
        contribution="something",
        topics=("video generation",),
        reason="title",
        score=3.0,
    )
    return replace(base, **signals)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
async def subscribed(edge: DiscordEdge) -> None:
    """Cards, and so their buttons, are posted where a digest comes: the votes tune it."""
    await subscribe(edge.store, edge.taxonomy, REF, "video generation")


async def standing(edge: DiscordEdge) -> list[tuple[str, str, int]]:
    return [(v.paper, v.user, v.direction) for v in await VoteStore(edge.archive.engine).votes(REF)]


def answer_of(mock: Any) -> dict[str, Any]:
    call = mock.response.send_message.await_args
    assert call is not None
    return {"text": call.args[0] if call.args else call.kwargs.get("content"), **call.kwargs}


async def click(bot: PaperBot, custom_id: str, **kwargs: Any) -> Any:
    """What discord.py does with a click on a persistent button: match the custom_id against
    the registered templates, rebuild the item, run its callback."""
    mock = interaction(**kwargs)
    mock.client = bot
    match = VoteButton.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None
    button = discord.ui.Button[Any](custom_id=custom_id, label="👍 More like this")
    rebuilt = await VoteButton.from_custom_id(mock, button, match)
    await rebuilt.callback(mock)
    return mock


async def test_a_click_records_the_vote_and_answers_the_clicker_alone(edge: DiscordEdge) -> None:
    bot = PaperBot(edge)
    up = await click(bot, f"{VOTE_PREFIX}up:{PAPER}")
    answer = answer_of(up)
    assert answer["ephemeral"] is True
    assert answer["allowed_mentions"].everyone is False
    assert str(answer["text"]).startswith("Noted: more papers like this one")
    assert await standing(edge) == [(PAPER, "333", UP)]
    down = await click(bot, f"{VOTE_PREFIX}down:{PAPER}", locale=discord.Locale.chinese)
    assert str(answer_of(down)["text"]).startswith("已记录")
    assert await standing(edge) == [(PAPER, "333", DOWN)]
    again = await click(bot, f"{VOTE_PREFIX}down:{PAPER}")
    assert answer_of(again)["text"] == "Your vote on this paper is withdrawn."
    assert await standing(edge) == []
    unknown = await click(bot, f"{VOTE_PREFIX}up:2999.99999")
    assert "not in paperbot's archive" in str(answer_of(unknown)["text"])
    assert await standing(edge) == []
    await bot.close()


async def test_setup_hook_registers_the_vote_buttons(edge: DiscordEdge) -> None:
    bot = PaperBot(edge, guild_id=1)
    bot.tree.sync = AsyncMock()  # type: ignore[method-assign]
    registered: list[Any] = []
    bot.add_dynamic_items = lambda *items: registered.extend(items)  # type: ignore[method-assign]
    await bot.setup_hook()
    assert VoteButton in registered
    await bot.close()


def test_digest_messages_carry_vote_buttons_within_discords_limits() -> None:
    digest = Digest(
        dt.date(2026, 11, 20), "en", 12, tuple(item(f"2611.{i:05d}") for i in range(12)), 0, ("RL",)
    )
    messages = digest_messages(digest, marker="d1")
    assert len(messages) == 3
    for message in messages:
        assert message.view is not None
        children = message.view.children
        assert len(children) <= MAX_COMPONENTS
        rows: dict[int | None, int] = {}
        for child in children:
            rows[child.row] = rows.get(child.row, 0) + 1
        assert len(rows) <= MAX_ACTION_ROWS
        assert max(rows.values()) <= 5
        ids = [getattr(child, "custom_id", None) for child in children]
        votes = [i for i in ids if i and i.startswith(VOTE_PREFIX)]
        assert len(votes) == 2 * len(message.embeds)
        assert all(len(i) <= MAX_CUSTOM_ID for i in votes)
        assert len({i for i in ids if i}) == len([i for i in ids if i])  # unique per message
    first = messages[0].view
    assert first is not None
    # A DynamicItem wraps its button: the label is the button's.
    labels = [getattr(getattr(c, "item", c), "label", "") for c in first.children if c.row == 0]
    assert labels == ["Hugging Face", "arXiv", "Details", "👍 More like this", "👎 Less like this"]


def test_an_id_discord_could_not_route_back_gets_no_vote_buttons() -> None:
    long_id = "9" * 90
    assert not VoteButton.accepts(long_id)
    digest = Digest(dt.date(2026, 11, 20), "en", 1, (item(long_id),), 0, ("RL",))
    (message,) = digest_messages(digest)
    assert message.view is not None
    assert not any(str(getattr(c, "custom_id", "")).startswith(VOTE_PREFIX) for c in message.view.children)


def test_signals_show_only_when_present_and_links_only_when_safe() -> None:
    plain = digest_embed(item(), "en")
    assert [f.name for f in plain.fields] == ["Topics · why"]
    shown = digest_embed(
        item(upvotes=42, github_repo="org/tempo", project_page="https://tempo.example/page"), "en"
    )
    assert shown.fields[-1].name == "Community"
    assert shown.fields[-1].value == (
        "▲ 42 upvotes · [Code](https://github.com/org/tempo) · [Project page](https://tempo.example/page)"
    )
    hostile = digest_embed(
        item(
            upvotes=3,
            github_repo="javascript:alert(1)",
            project_page="https://evil.example/x)[click](https://phish.example",
        ),
        "en",
    )
    assert hostile.fields[-1].value == "▲ 3 upvotes"
    assert not re.search(r"\]\(", hostile.fields[-1].value or "")
    insecure = digest_embed(item(project_page="http://tempo.example/"), "zh")
    assert [f.name for f in insecure.fields] == ["主题 · 原因"]
