"""Every /paper command is answered on Discord: with the database refusing or hanging, a
rendering failure, and a huge `digest … all` in a bounded number of follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import patch

import discord
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ranking.feedback import UP
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.discord.embeds import MAX_REPLY_MESSAGES
from tests.handlers.discord.test_bot import command, interaction, sent, texts
from tests.reports import video_day
from tests.unreachable import hanging_postgres

DATABASE_DOWN = {
    "en": "paperbot cannot reach its database right now; try again in a minute.",
    "zh": "paperbot 暂时无法连接数据库，请一分钟后再试。",
}


def edge_on(engine: AsyncEngine, **options: Any) -> DiscordEdge:
    return DiscordEdge(Archive(engine), SubscriptionStore(engine), builtin_taxonomy(), **options)


async def run(edge: DiscordEdge, name: str, locale: discord.Locale | None = None, **options: Any) -> Any:
    mock = interaction(locale=locale or discord.Locale.american_english)
    await command(edge, name).callback(mock, **options)  # type: ignore[call-arg]
    mock.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    assert all(kwargs["ephemeral"] is True for kwargs in sent(mock))
    return mock


async def test_with_the_database_refusing_help_and_a_lookup_are_answered(refusing: AsyncEngine) -> None:
    edge = edge_on(refusing)
    assert "/paper subscribe topics:" in texts(await run(edge, "help"))
    assert "/paper subscribe topics:" in texts(await run(edge, "help", discord.Locale.chinese))
    assert texts(await run(edge, "topics"))
    assert texts(await run(edge, "lookup", query="diffusion")) == DATABASE_DOWN["en"]
    assert texts(await run(edge, "lookup", discord.Locale.chinese, query="diffusion")) == DATABASE_DOWN["zh"]
    assert texts(await run(edge, "subscribe", topics="RL")) == DATABASE_DOWN["en"]


async def test_buttons_with_the_database_refusing_are_answered(refusing: AsyncEngine) -> None:
    bot = PaperBot(edge_on(refusing))
    try:
        vote = interaction(locale=discord.Locale.chinese)
        await bot.record_vote(vote, "2611.01001", UP)
        details = interaction()
        await bot.show_details(details, "2611.01001")
    finally:
        await bot.close()
    for mock, expected in ((vote, DATABASE_DOWN["zh"]), (details, DATABASE_DOWN["en"])):
        call = mock.response.send_message.await_args
        assert call is not None
        assert call.args[0] == expected
        assert call.kwargs["ephemeral"] is True


async def test_with_the_database_hanging_the_reply_says_try_again() -> None:
    async with hanging_postgres() as url:
        engine = create_engine(url)
        try:
            edge = edge_on(engine, command_deadline=0.3)
            assert "/paper subscribe topics:" in texts(await run(edge, "help"))
            assert "try again in a minute" in texts(await run(edge, "lookup", query="diffusion"))
            assert "请一分钟后再试" in texts(await run(edge, "list", discord.Locale.chinese))
        finally:
            await engine.dispose()


async def test_a_reply_that_cannot_be_rendered_is_still_answered(engine: AsyncEngine) -> None:
    edge = edge_on(engine)
    with patch("handlers.discord.bot.reply_messages", side_effect=_fail_once()):
        mock = await run(edge, "help", discord.Locale.chinese)
    assert texts(mock) == "出错了，错误已记录。"


def _fail_once() -> Any:
    from handlers.discord.embeds import reply_messages

    calls = {"count": 0}

    def render(answer: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("bad embed")
        return reply_messages(answer)

    return render


DAY = dt.date(2026, 11, 21)


async def test_digest_all_on_a_200_paper_day_is_a_bounded_number_of_follow_ups(engine: AsyncEngine) -> None:
    await Archive(engine).ingest(video_day(DAY, 200))
    edge = edge_on(engine)
    await run(edge, "subscribe", topics="video generation")
    mock = await run(edge, "digest", date=DAY.isoformat(), show_all=True)
    posted = sent(mock)
    assert 1 < len(posted) <= MAX_REPLY_MESSAGES
    shown = sum(len(kwargs.get("embeds", [])) for kwargs in posted)
    footer = posted[-1]["content"]
    assert footer.endswith(
        f"Showing {shown} of 200 matches: a reply holds no more. For the best ones, "
        f"/paper digest {DAY}; to find a paper, /paper WORDS or its arXiv id."
    )
