"""How a channel's cards look (issue 19): `/paper set images on|off` and `/paper set layout
cards|compact`, in English and Chinese, stored, listed, exported and imported."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CommandContext, Reply, handle_paper_command
from bot.chat.subscribing import from_export, parse_digest_setting, to_export
from bot.errors import BadInputError
from bot.models import CARD_LAYOUTS, ChannelRef, DigestSettings, Interests, Subscription
from bot.reports.arxiv import thumbnail_url
from bot.store.subscriptions import SubscriptionStore
from bot.store.tables import subscriptions as table
from bot.topics.taxonomy import builtin_taxonomy
from tests.bot.chat.test_digest_settings import report
from tests.factories import chat_context

RL = Interests(("reinforcement-learning",))
CHANNEL = ChannelRef("console", "local", "cards")


@pytest.mark.parametrize(
    ("name", "value", "fields"),
    [
        ("images", "on", {"images": True}),
        ("images", "OFF", {"images": False}),
        ("image", "yes", {"images": True}),
        ("图片", "开", {"images": True}),
        ("图片", "关", {"images": False}),
        ("配图", "关闭", {"images": False}),
        ("layout", "compact", {"layout": "compact"}),
        ("layout", "Cards", {"layout": "cards"}),
        ("布局", "紧凑", {"layout": "compact"}),
        ("布局", "卡片", {"layout": "cards"}),
    ],
)
def test_images_and_layout_are_read_in_either_language(
    name: str, value: str, fields: dict[str, object]
) -> None:
    assert parse_digest_setting(name, value) == fields


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("images", "maybe", "on or off"),
        ("layout", "grid", "cards or compact"),
        ("layout", "3", "cards or compact"),
    ],
)
def test_bad_values_say_what_works(name: str, value: str, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_digest_setting(name, value)


def test_the_layouts_are_the_literal_type() -> None:
    assert CARD_LAYOUTS == ("cards", "compact")
    assert DigestSettings().images is False
    assert DigestSettings().layout == "cards"
    # What a digest holds does not depend on how its cards look: such channels share one digest.
    assert DigestSettings(size=3, images=True, layout="compact").selection() == DigestSettings(size=3)


def test_the_thumbnail_is_built_from_the_arxiv_id() -> None:
    assert thumbnail_url("2611.01004") == (
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2611.01004.png"
    )
    assert thumbnail_url("hep-th/9901001") is None  # Hugging Face has no paper page for old ids


@pytest.fixture
async def ctx(engine: AsyncEngine) -> CommandContext:
    return await chat_context(engine, CHANNEL, report())


async def say(ctx: CommandContext, text: str) -> Reply:
    return await handle_paper_command(ctx, text)


async def test_set_images_and_layout_are_stored_and_listed(ctx: CommandContext) -> None:
    await say(ctx, "subscribe RL")
    assert "Digest:" not in (await say(ctx, "list")).text  # the defaults are not worth a line
    reply = await say(ctx, "set images on")
    assert reply.text.endswith("; a card per paper, with the papers' images.")
    reply = await say(ctx, "set layout compact")
    assert reply.text.endswith("; compact (a list, each paper's card in a reply), with the papers' images.")
    stored = await ctx.store.get(CHANNEL)
    assert stored is not None
    assert (stored.settings.images, stored.settings.layout) == (True, "compact")
    assert "compact (a list" in (await say(ctx, "list")).text
    chinese = await say(ctx, "设置 图片 关")
    assert chinese.text.endswith("；紧凑（一条列表消息，每篇论文的卡片在回复中），不显示配图。")
    assert (await say(ctx, "设置 布局 卡片")).text.endswith("；每篇论文一张卡片，不显示配图。")
    bad = await say(ctx, "设置 布局 网格")
    assert bad.error
    assert bad.text == "未知布局「网格」：请用 卡片 或 紧凑"
    assert (await say(ctx, "set images maybe")).text == "images is on or off, not 'maybe'"


async def test_the_columns_hold_the_settings_and_defaults(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await store.save(Subscription(CHANNEL, RL))
    other = ChannelRef("console", "local", "other")
    await store.save(Subscription(other, RL, settings=DigestSettings(images=True, layout="compact")))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table.c.channel, table.c.card_images, table.c.card_layout))).all()
    assert sorted(tuple(r) for r in rows) == [("cards", False, "cards"), ("other", True, "compact")]
    stored = await store.get(other)
    assert stored is not None
    assert stored.settings == DigestSettings(images=True, layout="compact")


def test_export_and_import_carry_images_and_layout() -> None:
    taxonomy = builtin_taxonomy()
    sub = Subscription(
        ChannelRef("slack", "T1", "C1"), RL, settings=DigestSettings(images=True, layout="compact")
    )
    entry = json.loads(json.dumps(to_export(sub, taxonomy)))
    assert (entry["digest"]["images"], entry["digest"]["layout"]) == (True, "compact")
    assert from_export(entry, taxonomy).settings == sub.settings
    entry["digest"] = {"size": 5}  # an older file: the defaults
    assert from_export(entry, taxonomy).settings == DigestSettings(size=5)
    with pytest.raises(BadInputError, match="digest images must be true or false"):
        from_export({**entry, "digest": {"images": "on"}}, taxonomy)
    with pytest.raises(BadInputError, match="digest layout must be cards or compact"):
        from_export({**entry, "digest": {"layout": "grid"}}, taxonomy)
