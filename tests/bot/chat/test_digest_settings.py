"""Per-channel digest settings: size, a floor on community upvotes, and the order."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.chat.subscribing import from_export, parse_digest_setting, to_export
from bot.delivery.deliverer import Deliverer
from bot.errors import BadInputError
from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
from bot.ranking.digest import build_digest
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import subscriptions as table
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.delivery.test_delivery_flow import ScriptedPublisher
from tests.factories import chat_context, paper

DAY = dt.date(2026, 6, 1)
RL = Interests(("reinforcement-learning",))
CHANNEL = ChannelRef("console", "local", "rl")
# Five RL papers, most relevant first (title + area), with community upvotes; one without a count.
UPVOTES = {"2606.00001": 3, "2606.00002": 40, "2606.00003": None, "2606.00004": 12, "2606.00005": 40}


def report() -> Report:
    papers = []
    for n, (arxiv_id, votes) in enumerate(UPVOTES.items()):
        domain = "强化学习（RL）、奖励模型" if n < 3 else "智能体"
        papers.append(
            paper(
                arxiv_id=arxiv_id,
                title=f"Reinforcement learning with verifiable rewards, part {n}",
                domain=domain,
                upvotes=votes,
            )
        )
    return Report(DAY, tuple(papers))


def ids(settings: DigestSettings | None, limit: int | None = 10) -> list[str]:
    digest = build_digest(report(), RL, builtin_taxonomy(), limit=limit, settings=settings)
    return [item.arxiv_id for item in digest.items]


def test_a_floor_keeps_papers_with_enough_upvotes_and_those_without_a_count() -> None:
    everything = ids(None)
    assert sorted(everything) == sorted(UPVOTES)
    floor = ids(DigestSettings(min_upvotes=12))
    assert floor == [i for i in everything if UPVOTES[i] is None or (UPVOTES[i] or 0) >= 12]
    assert "2606.00001" not in floor
    assert "2606.00003" in floor  # no count: a floor it cannot be measured against does not apply


def test_by_upvotes_most_first_ties_and_the_uncounted_in_relevance_order() -> None:
    relevance = ids(None)
    by_votes = ids(DigestSettings(order="upvotes"))
    counted = [i for i in by_votes if UPVOTES[i] is not None]
    assert [UPVOTES[i] for i in counted] == sorted(
        (v for v in UPVOTES.values() if v is not None), reverse=True
    )
    tied = [i for i in by_votes if UPVOTES[i] == 40]
    assert tied == [i for i in relevance if UPVOTES[i] == 40]
    assert by_votes[-1] == "2606.00003"


def test_the_size_caps_the_digest_and_the_rest_are_counted_as_more() -> None:
    digest = build_digest(report(), RL, builtin_taxonomy(), limit=2, settings=DigestSettings(size=2))
    assert len(digest.items) == 2
    assert digest.more == len(UPVOTES) - 2


@pytest.mark.parametrize(
    ("name", "value", "fields"),
    [
        ("size", "5", {"size": 5}),
        ("数量", "3", {"size": 3}),
        ("min-upvotes", "20", {"min_upvotes": 20}),
        ("最少点赞", "关闭", {"min_upvotes": None}),
        ("order", "upvotes", {"order": "upvotes"}),
        ("排序", "相关度", {"order": "relevance"}),
    ],
)
def test_settings_are_typed_in_english_or_chinese(name: str, value: str, fields: dict[str, object]) -> None:
    assert parse_digest_setting(name, value) == fields


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("size", "0", "between 1 and 50"),
        ("size", "many", "whole number"),
        ("min-upvotes", "-3", "from 0 to 1000000"),
        ("min-upvotes", "99999999999", "from 0 to 1000000"),  # past PostgreSQL's INTEGER
        ("order", "random", "relevance or upvotes"),
        ("colour", "blue", "unknown setting"),
    ],
)
def test_bad_settings_say_what_works(name: str, value: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_digest_setting(name, value)


# -- chat, storage, export, delivery -----------------------------------------------------------


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    return await chat_context(engine, CHANNEL, report())


async def say(ctx: CommandContext, text: str) -> Reply:
    return await handle_paper_command(ctx, text)


async def test_set_changes_the_channels_digest_and_list_shows_it(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    assert (await say(ctx, "set")).text == (
        "Digest: up to 10 papers, no floor on upvotes, ordered by relevance to this channel;"
        " a card per paper, without images."
    )
    assert "Digest:" not in (await say(ctx, "list")).text  # defaults are not worth a line
    await say(ctx, "set size 2")
    reply = await say(ctx, "set order upvotes")
    assert reply.text == (
        "Digest: up to 2 papers, no floor on upvotes, ordered by upvotes; a card per paper, without images."
    )
    digest = (await say(ctx, "digest")).digest
    assert digest is not None
    assert [item.arxiv_id for item in digest.items] == ["2606.00002", "2606.00005"]
    assert len((await say(ctx, "digest all")).digest.items) == len(UPVOTES)  # type: ignore[union-attr]
    assert "ordered by upvotes" in (await say(ctx, "list")).text
    chinese = await say(ctx, "设置 最少点赞 20")
    assert chinese.text.startswith("日报：最多 2 篇，只收点赞数不少于 20 的论文")
    assert (await say(ctx, "set size lots")).error
    assert (await say(ctx, "set size 1")).text.startswith("Digest: up to 1 paper, only papers")
    assert (await say(ctx, "设置 数量 1")).text.startswith("日报：最多 1 篇，")


async def test_settings_need_a_subscription(ctx: CommandContext) -> None:
    assert (await say(ctx, "set size 3")).error


async def test_settings_are_stored_with_defaults_as_null(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await store.save(Subscription(CHANNEL, RL))
    await store.save(
        Subscription(ChannelRef("console", "local", "other"), RL, settings=DigestSettings(5, 10, "upvotes"))
    )
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(table.c.channel, table.c.digest_size, table.c.min_upvotes, table.c.digest_order)
            )
        ).all()
    assert sorted(tuple(r) for r in rows) == [("other", 5, 10, "upvotes"), ("rl", None, None, None)]
    stored = await store.get(ChannelRef("console", "local", "other"))
    assert stored is not None
    assert stored.settings == DigestSettings(5, 10, "upvotes")


def test_export_and_import_carry_the_settings() -> None:
    taxonomy = builtin_taxonomy()
    sub = Subscription(ChannelRef("slack", "T1", "C1"), RL, settings=DigestSettings(5, 10, "upvotes"))
    entry = json.loads(json.dumps(to_export(sub, taxonomy)))
    assert entry["digest"] == {
        "size": 5,
        "min_upvotes": 10,
        "order": "upvotes",
        "cadence": "daily",
        "images": False,
        "layout": "cards",
    }
    assert from_export(entry, taxonomy).settings == sub.settings
    del entry["digest"]
    assert from_export(entry, taxonomy).settings == DigestSettings()  # optional
    with pytest.raises(BadInputError, match="digest has unknown settings: colour"):
        from_export({**entry, "digest": {"colour": "blue"}}, taxonomy)
    with pytest.raises(BadInputError, match="size must be between 1 and 50"):
        from_export({**entry, "digest": {"size": 500}}, taxonomy)


async def test_a_pass_gives_each_channel_its_own_settings(engine: AsyncEngine) -> None:
    await Archive(engine).ingest(report())
    store = SubscriptionStore(engine)
    await store.save(
        Subscription(ChannelRef("console", "local", "top2"), RL, settings=DigestSettings(size=2))
    )
    await store.save(Subscription(ChannelRef("console", "local", "all"), RL))
    publisher = ScriptedPublisher()
    job = Deliverer(
        archive=Archive(engine),
        store=store,
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"console": publisher},
    )
    assert await job.run_pass(dt.datetime(2026, 6, 2, tzinfo=dt.UTC), force=True) == {"posted": 2}
    assert len(publisher.digests["top2"].items) == 2
    assert len(publisher.digests["all"].items) == len(UPVOTES)
    assert {d.papers for d in await Outbox(engine).list()} == {2, len(UPVOTES)}
