"""Loud failures on Discord, with fakes holding just ids: notices to a channel or by DM, nobody
pinged; a paused channel tells the operator channel and its creator (Discord's edge does not
DM anyone itself), once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, cast
from unittest.mock import AsyncMock

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy
from bot.models import Report
from bot.ports import NotifyResult, Recipient
from bot.store.archive import Archive
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.discord.delivery import DiscordDigestPublisher
from handlers.discord.messages import MAX_CONTENT
from tests.factories import paper
from tests.handlers.discord.test_publisher import (
    CHANNEL,
    GUILD,
    REF,
    SUBSCRIPTION,
    FakeChannel,
    FakeClient,
    FakeResponse,
    forbidden,
    server_error,
)

OPS_CHANNEL = 777
OPS = Recipient("discord", str(GUILD), str(OPS_CHANNEL))
CREATOR = "555"  # SUBSCRIPTION.created_by


class FakeUser:
    def __init__(self, user_id: int) -> None:
        self.id = user_id
        self.send = AsyncMock(return_value=SimpleNamespace(id=1))


class ClientWithUsers(FakeClient):
    """FakeClient that can also look users up, for direct messages."""

    def __init__(self, *channels: FakeChannel) -> None:
        super().__init__(*channels)
        self.users: dict[int, FakeUser] = {}

    async def fetch_user(self, user_id: int) -> FakeUser:
        if user_id not in self.users:
            raise discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10013, "message": "Unknown User"})
        return self.users[user_id]


def publisher(client: ClientWithUsers, engine: AsyncEngine) -> DiscordDigestPublisher:
    return DiscordDigestPublisher(cast(discord.Client, client), SubscriptionStore(engine))


def no_mentions(kwargs: Mapping[str, Any]) -> bool:
    allowed = kwargs["allowed_mentions"]
    return bool(allowed.to_dict() == discord.AllowedMentions.none().to_dict())


async def test_a_notice_to_a_channel_pings_nobody(engine: AsyncEngine) -> None:
    ops = FakeChannel(OPS_CHANNEL)
    edge = publisher(ClientWithUsers(ops), engine)
    assert await edge.notify(OPS, "@everyone the digest failed " + "x" * 3000) == NotifyResult(True)
    [call] = ops.send.await_args_list
    assert call.kwargs["content"].startswith("@everyone the digest failed")
    assert len(call.kwargs["content"]) <= MAX_CONTENT
    assert no_mentions(call.kwargs)
    assert edge.mention(REF) == f"<#{CHANNEL}>"


async def test_a_notice_to_a_person_is_a_direct_message(engine: AsyncEngine) -> None:
    client = ClientWithUsers()
    client.users[555] = FakeUser(555)
    result = await publisher(client, engine).notify(Recipient("discord", str(GUILD), user=CREATOR), "hello")
    assert result.ok
    [call] = client.users[555].send.await_args_list
    assert call.kwargs["content"] == "hello"
    assert no_mentions(call.kwargs)


async def test_closed_dms_an_unknown_user_or_a_lost_channel_are_given_up(engine: AsyncEngine) -> None:
    client = ClientWithUsers()
    client.users[555] = FakeUser(555)
    client.users[555].send.side_effect = forbidden(50007, "Cannot send messages to this user")
    edge = publisher(client, engine)
    closed = await edge.notify(Recipient("discord", str(GUILD), user=CREATOR), "hello")
    assert (closed.ok, closed.permanent) == (False, True)
    assert "50007" in (closed.error or "")
    unknown = await edge.notify(Recipient("discord", str(GUILD), user="666"), "hello")
    assert (unknown.ok, unknown.permanent) == (False, True)
    gone = await edge.notify(Recipient("discord", str(GUILD), "888"), "hello")  # not cached, not found
    assert (gone.ok, gone.permanent) == (False, True)


async def test_a_discord_outage_is_retried_later(engine: AsyncEngine) -> None:
    ops = FakeChannel(OPS_CHANNEL)
    ops.failures[0] = server_error()
    result = await publisher(ClientWithUsers(ops), engine).notify(OPS, "hello")
    assert (result.ok, result.permanent) == (False, False)
    assert "503" in (result.error or "")


async def test_a_paused_channel_tells_the_operator_channel_and_dms_the_creator_once(
    engine: AsyncEngine,
) -> None:
    await Archive(engine).ingest(
        Report(dt.date(2026, 5, 6), (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),))
    )
    store = SubscriptionStore(engine)
    await store.save(SUBSCRIPTION)
    digest_channel, ops = FakeChannel(CHANNEL), FakeChannel(OPS_CHANNEL)
    digest_channel.failures[0] = forbidden()  # Missing Permissions: paused
    client = ClientWithUsers(digest_channel, ops)
    client.users[555] = FakeUser(555)
    now = dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC)
    for hour, worker in enumerate(("w1", "w2", "w1")):
        job = Deliverer(
            archive=Archive(engine),
            store=store,
            outbox=Outbox(engine),
            taxonomy=builtin_taxonomy(),
            publishers={"discord": publisher(client, engine)},
            worker=worker,
            notice_policy=NoticePolicy(operator=OPS),
        )
        await job.run_pass(now + dt.timedelta(hours=hour), force=True)

    assert (await Outbox(engine).counts()) == {"skipped": 1}
    [to_ops] = ops.send.await_args_list
    assert to_ops.kwargs["content"].startswith(f"⚠️ paperbot paused the digest of <#{CHANNEL}> (403 Forbidden")
    assert "may not post here" in to_ops.kwargs["content"]
    [to_creator] = client.users[555].send.await_args_list
    assert to_creator.kwargs["content"].startswith(f"I paused the paperbot digest for <#{CHANNEL}>: ")
    assert "Send Messages" in to_creator.kwargs["content"]  # what to do


@pytest.mark.parametrize("user", ["", "not-a-number"])
async def test_odd_recipients_do_not_raise(engine: AsyncEngine, user: str) -> None:
    result = await publisher(ClientWithUsers(), engine).notify(
        Recipient("discord", str(GUILD), "", user), "x"
    )
    assert (result.ok, result.permanent) == (False, True)
