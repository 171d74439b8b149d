"""Discord's server and channel removal: gateway payloads parsed by discord.py's own state, which
dispatches them to PaperBot's listeners (no connection is ever opened)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.channel_changes import Gone
from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy, Notices
from bot.models import ChannelRef, Interests, Report, Subscription
from bot.ports import Recipient
from bot.store.archive import Archive
from bot.store.notices import NoticeStore
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.discord.lifecycle import channel_deleted, discord_reasons, server_left
from handlers.discord.publisher import _FIX, pause_reason
from tests.bot.test_ids import Recorder
from tests.factories import paper
from tests.waiting import until

GUILD, OTHER_GUILD = 811111111111111111, 855555555555555555
CHANNEL, THREAD, QUIET, ELSEWHERE = (
    822222222222222222,
    833333333333333333,
    844444444444444444,
    866666666666666666,
)
RL = Interests(("reinforcement-learning",))
IN_CHANNEL = ChannelRef("discord", str(GUILD), str(CHANNEL))
IN_THREAD = ChannelRef("discord", str(GUILD), str(THREAD))
QUIET_ONE = ChannelRef("discord", str(GUILD), str(QUIET))
OTHER_SERVER = ChannelRef("discord", str(OTHER_GUILD), str(ELSEWHERE))


def guild_payload(guild: int, *channels: int) -> dict[str, Any]:
    return {
        "id": str(guild),
        "name": "lab",
        "channels": [
            {
                "id": str(c),
                "type": 0,
                "name": f"c{c}",
                "position": 0,
                "guild_id": str(guild),
                "permission_overwrites": [],
            }
            for c in channels
        ],
        "roles": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "threads": [],
        "member_count": 1,
        "owner_id": "1",
    }


@pytest.fixture
async def bot(engine: AsyncEngine) -> AsyncIterator[PaperBot]:
    store = SubscriptionStore(engine)
    await store.save_all(
        [
            Subscription(IN_CHANNEL, RL),
            Subscription(IN_THREAD, RL, locale="zh"),
            Subscription(QUIET_ONE, RL, locale="zh"),
            Subscription(OTHER_SERVER, RL),
        ]
    )
    client = PaperBot(DiscordEdge(Archive(engine), store, builtin_taxonomy()))
    async with client:  # gives the client its loop; no login, no gateway
        state = client._connection
        state._add_guild_from_data(guild_payload(GUILD, CHANNEL, QUIET))  # type: ignore[arg-type]
        state._add_guild_from_data(guild_payload(OTHER_GUILD, ELSEWHERE))  # type: ignore[arg-type]
        yield client


async def state(store: SubscriptionStore, ref: ChannelRef) -> tuple[bool, str | None]:
    subscription = await store.get(ref)
    assert subscription is not None
    return subscription.paused, subscription.paused_reason


def test_the_reasons_are_written_in_both_languages() -> None:
    # Every cause has its text and advice in both languages (bot/i18n.py).
    for cause in _FIX:
        assert pause_reason(cause, "50001", "en") != pause_reason(cause, "50001", "zh")
    for code in ("GUILD_DELETE", "CHANNEL_DELETE"):
        for kind in (Gone.DELETED, Gone.UNINSTALLED):
            english, chinese = discord_reasons(code)(kind, "en"), discord_reasons(code)(kind, "zh")
            assert f"(Discord: {code})" in english
            assert f"（Discord：{code}）" in chinese
            assert "/paper subscribe" in english
            assert "/paper subscribe" in chinese


def test_only_the_guilds_intent_is_asked_for(bot: PaperBot) -> None:
    assert bot.intents.value == discord.Intents(guilds=True).value
    assert (bot.intents.members, bot.intents.presences, bot.intents.message_content) == (False, False, False)


async def test_a_deleted_channel_is_paused_with_the_reason(bot: PaperBot) -> None:
    store = bot.edge.store
    bot._connection.parse_channel_delete(
        {"id": str(CHANNEL), "type": 0, "guild_id": str(GUILD), "name": "papers", "position": 0}
    )

    async def done() -> bool:
        return (await state(store, IN_CHANNEL))[0]

    await until(done)
    reason = (await state(store, IN_CHANNEL))[1]
    assert reason == pause_reason("channel_deleted", "CHANNEL_DELETE", "en")
    assert reason is not None
    assert reason.startswith(
        "the channel was deleted (Discord: CHANNEL_DELETE). To resume, run `/paper subscribe"
    )
    assert await state(store, QUIET_ONE) == (False, None)


async def test_a_deleted_thread_is_paused_even_when_not_cached(bot: PaperBot) -> None:
    store = bot.edge.store
    bot._connection.parse_thread_delete(
        {"id": str(THREAD), "guild_id": str(GUILD), "parent_id": str(CHANNEL), "type": 11}
    )

    async def done() -> bool:
        return (await state(store, IN_THREAD))[0]

    await until(done)
    assert await state(store, IN_THREAD) == (True, pause_reason("channel_deleted", "THREAD_DELETE", "zh"))
    assert "频道已被删除" in str((await state(store, IN_THREAD))[1])


async def test_leaving_a_server_pauses_its_channels_and_no_digest_goes_there(
    bot: PaperBot, engine: AsyncEngine
) -> None:
    store = bot.edge.store
    # An outage makes a server unavailable: that is not a removal, nothing pauses.
    bot._connection.parse_guild_delete({"id": str(GUILD), "unavailable": True})
    await asyncio.sleep(0.1)
    assert await state(store, IN_CHANNEL) == (False, None)
    bot._connection._add_guild_from_data(guild_payload(GUILD, CHANNEL, QUIET))  # type: ignore[arg-type]
    bot._connection.parse_guild_delete({"id": str(GUILD)})  # kicked, banned, or left

    async def done() -> bool:
        return all([(await state(store, ref))[0] for ref in (IN_CHANNEL, IN_THREAD, QUIET_ONE)])

    await until(done)
    assert await state(store, IN_CHANNEL) == (True, pause_reason("left_server", "GUILD_DELETE", "en"))
    assert await state(store, QUIET_ONE) == (True, pause_reason("left_server", "GUILD_DELETE", "zh"))
    assert "paperbot is no longer in this server" in pause_reason("left_server", "GUILD_DELETE", "en")
    assert await state(store, OTHER_SERVER) == (False, None)

    archive = Archive(engine)
    await archive.ingest(
        Report(dt.date(2026, 5, 6), (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),))
    )
    recorder = Recorder()
    job = Deliverer(archive, store, Outbox(engine), builtin_taxonomy(), {"discord": recorder})
    await job.run_pass(dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC), force=True)
    assert recorder.channels == [OTHER_SERVER]


async def test_the_lifecycle_functions_answer_what_they_did(engine: AsyncEngine) -> None:
    store = SubscriptionStore(engine)
    await store.save(Subscription(IN_CHANNEL, RL))
    assert not await channel_deleted(store, GUILD, QUIET)  # not subscribed: nothing to pause
    assert await channel_deleted(store, GUILD, CHANNEL)
    assert await server_left(store, OTHER_GUILD) == 0
    assert await server_left(store, GUILD) == 1


async def test_the_operator_and_the_creator_hear_of_a_pause_by_the_gateway_once(engine: AsyncEngine) -> None:
    # A channel deleted or a server left paused its digests and told nobody but the log.
    store = SubscriptionStore(engine)
    ops = Recipient("discord", str(OTHER_GUILD), str(ELSEWHERE))
    notices = Notices(NoticeStore(engine), Outbox(engine), store, {}, NoticePolicy(operator=ops))
    await store.save_all(
        [Subscription(IN_CHANNEL, RL, created_by="700000000000000001"), Subscription(QUIET_ONE, RL)]
    )
    for _ in range(2):  # a second event for the same channel is no news
        assert await channel_deleted(store, GUILD, CHANNEL, notices=notices)
    assert await server_left(store, GUILD, notices) == 2

    kept = await NoticeStore(engine).list()
    assert sorted((str(n.recipient), n.subject.split(":")[-3]) for n in kept) == [
        (f"discord:{GUILD}/@700000000000000001", "CHANNEL_DELETE"),
        (str(ops), "CHANNEL_DELETE"),
        (str(ops), "GUILD_DELETE"),  # QUIET_ONE's: the server left, only the operator hears
    ]
