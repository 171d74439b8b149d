"""Every command answers: a database that refuses or hangs, an unexpected error, an overflowing
setting and a huge `digest … all` each get a short reply to the caller, never silence."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import (
    DIGEST_ALL_LIMIT,
    HELP,
    CommandContext,
    fit_digest,
    handle_invocation,
    handle_paper_command,
)
from bot.models import ChannelRef, Locale
from bot.ranking.digest import Digest
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.runtime.logs import context_ids
from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from tests.reports import video_day
from tests.unreachable import hanging_postgres

CHANNEL = ChannelRef("slack", "T1", "C1")
DATABASE_DOWN = {
    "en": "paperbot cannot reach its database right now; try again in a minute.",
    "zh": "paperbot 暂时无法连接数据库，请一分钟后再试。",
}


def context(engine: AsyncEngine, **options: Any) -> CommandContext:
    return CommandContext(
        Archive(engine), SubscriptionStore(engine), builtin_taxonomy(), CHANNEL, user="U1", **options
    )


@pytest.fixture
async def hanging() -> AsyncIterator[AsyncEngine]:
    async with hanging_postgres() as url:
        engine = create_engine(url)
        yield engine
        await engine.dispose()


class Lines(logging.Handler):
    """Each record with the log context ids it was logged under."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[logging.LogRecord, dict[str, str]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record, dict(context_ids())))


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("paperbot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_help_and_topics_need_no_database(refusing: AsyncEngine) -> None:
    for locale in (None, "en", "zh"):
        ctx = context(refusing, locale=locale)
        help_reply = await handle_invocation(ctx, "help")
        assert help_reply.text == HELP[locale or "en"]
        assert not help_reply.error
        topics = await handle_invocation(ctx, "topics")
        assert not topics.error
        assert "reinforcement learning" in topics.text or "强化学习" in topics.text
    assert (await handle_paper_command(context(refusing), "帮助")).text == HELP["zh"]


async def test_a_refusing_database_gets_try_again_in_the_callers_language(refusing: AsyncEngine) -> None:
    for locale in ("en", "zh"):
        ctx = context(refusing, locale=locale)
        for words in ("diffusion distillation", "list", "subscribe RL", "digest", "set size 3"):
            reply = await handle_paper_command(ctx, words)
            assert (reply.error, reply.text) == (True, DATABASE_DOWN[locale]), words
    # No language from the platform and none typed: both, since the channel's cannot be read.
    unknown = await handle_paper_command(context(refusing), "diffusion")
    assert unknown.text == f"{DATABASE_DOWN['en']} / {DATABASE_DOWN['zh']}"
    assert (await handle_paper_command(context(refusing), "视频生成")).text == DATABASE_DOWN["zh"]


async def test_the_failure_is_logged_once_with_the_commands_id(refusing: AsyncEngine, lines: Lines) -> None:
    await handle_paper_command(context(refusing, locale="en"), "diffusion")
    tracebacks = [(record, ids) for record, ids in lines.seen if record.exc_info]
    assert len(tracebacks) == 1
    record, ids = tracebacks[0]
    assert record.name == "paperbot.commands"
    summary = [ids for record, ids in lines.seen if getattr(record, "outcome", None) == "failed"]
    assert summary
    assert summary[0]["command"] == ids["command"]


async def test_a_hanging_database_is_answered_within_the_deadline(hanging: AsyncEngine) -> None:
    # The deadline is injectable so this takes a fraction of a second; the default is 7 s.
    for locale, expected in (("en", "try again in a minute"), ("zh", "请一分钟后再试")):
        ctx = context(hanging, locale=locale, deadline=0.3)
        for words in ("diffusion", "list", "subscribe RL"):
            reply = await handle_paper_command(ctx, words)
            assert reply.error
            assert expected in reply.text, words
        assert (await handle_paper_command(ctx, "help")).text == HELP[locale]
    # Without the caller's language, help waits only briefly for the channel's, then answers.
    assert (await handle_paper_command(context(hanging, deadline=0.3), "help")).text == HELP["en"]


async def test_an_unexpected_error_is_a_short_reply_naming_the_command(engine: AsyncEngine) -> None:
    class Broken(SubscriptionStore):
        async def get(self, channel: ChannelRef) -> Any:
            raise RuntimeError("a bug")

    ctx = replace(context(engine, locale="zh"), store=Broken(engine))
    reply = await handle_paper_command(ctx, "list")
    assert reply.error
    assert reply.text.startswith("出错了，错误已记录（命令编号 ")


@pytest.fixture
async def subscribed(engine: AsyncEngine) -> CommandContext:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    ctx = context(engine)
    await handle_paper_command(ctx, "subscribe RL, video generation")
    return ctx


async def test_min_upvotes_past_the_column_is_a_clear_error_in_both_languages(
    subscribed: CommandContext,
) -> None:
    answers: tuple[tuple[Locale, str], ...] = (
        ("en", "min-upvotes must be a whole number from 0 to 1000000 (or off for no floor)."),
        ("zh", "最少点赞必须是 0 到 1000000 之间的整数（或用 关闭 取消下限）。"),
    )
    for locale, expected in answers:
        for value in ("99999999999", "2147483648", "-1"):
            reply = await handle_paper_command(replace(subscribed, locale=locale), f"set min-upvotes {value}")
            assert (reply.error, reply.text) == (True, expected)
    stored = await subscribed.store.get(CHANNEL)
    assert stored is not None
    assert stored.settings.min_upvotes is None
    largest = await handle_paper_command(subscribed, "set min-upvotes 1000000")
    assert not largest.error


DAY = dt.date(2026, 11, 21)


async def test_digest_all_shows_at_most_its_limit_and_says_how_to_narrow_it(engine: AsyncEngine) -> None:
    archive = Archive(engine)
    await archive.ingest(video_day(DAY, 200))
    ctx = context(engine, locale="en")
    await handle_paper_command(ctx, "subscribe video generation")
    reply = await handle_paper_command(ctx, f"digest {DAY.isoformat()} all")
    assert reply.digest is not None
    assert len(reply.digest.items) == DIGEST_ALL_LIMIT
    assert reply.digest.matched == 200
    assert reply.digest.more_line() == (
        f"Showing {DIGEST_ALL_LIMIT} of 200 matches: a reply holds no more. For the best ones, "
        f"/paper digest {DAY.isoformat()}; to find a paper, /paper WORDS or its arXiv id."
    )
    # The channel's own digest still points at `all`.
    top = await handle_paper_command(ctx, f"digest {DAY.isoformat()}")
    assert top.digest is not None
    assert "all" in (top.digest.more_line() or "")


def test_fit_digest_cuts_papers_until_the_messages_fit() -> None:
    digest = Digest(DAY, "zh", 200, tuple(_items(40)), 0, ("视频生成",))

    def render(shown: Digest) -> list[int]:  # three papers per message, the footer on its own
        return list(range(-(-len(shown.items) // 3) + (1 if shown.more else 0)))

    messages = fit_digest(digest, render, 5)
    assert len(messages) <= 5
    # Rendered once more to learn what was kept: the largest cut that fits.
    kept = next(k for k in range(40, -1, -1) if len(render(digest.shortened(k))) <= 5)
    assert kept == 12
    assert digest.shortened(kept).more_line() == (
        "40 篇匹配论文中仅显示 12 篇：一次回复放不下更多。查看最相关的几篇："
        f"/paper 日报 {DAY.isoformat()}；查找某篇论文：/paper 关键词 或 arXiv 编号。"
    )
    assert fit_digest(digest.shortened(3), render, 5) == render(digest.shortened(3))


def _items(count: int) -> list[Any]:
    from bot.ranking.digest import DigestItem

    return [
        DigestItem(
            f"2611.{n:05d}", f"t{n}", "https://hf", "https://arxiv", "https://pdf", "", "", (), "", 1.0
        )
        for n in range(count)
    ]


async def test_unknown_verbs_are_still_a_programming_error(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="not a /paper sub-command"):
        await handle_invocation(context(engine), "dance")
