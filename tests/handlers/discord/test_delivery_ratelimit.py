"""A digest's last part returns when Discord answers it, not after the rate-limit bucket it
emptied has reset (discord.py sleeps that out inside the request: a one-shot `paperbot deliver`
lingered ~5 s after its last post). The next post on the bucket still waits for the reset.

Against the loopback Discord double, with the message route answering as Discord does when a
channel's bucket is empty (X-RateLimit-Remaining: 0) and a reset far longer than the test's
guard, so the old behaviour cannot pass by luck."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web
from discord.http import Route
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.subscriptions import SubscriptionStore
from handlers.discord.delivery import delivery_client, without_rate_limit_linger
from handlers.discord.publisher import DiscordPublisher
from tests.handlers.discord.fake_discord import FAKE_TOKEN, FakeDiscord, _json
from tests.handlers.discord.test_publisher import CHANNEL, SUBSCRIPTION, parts

RESET_AFTER = 600.0  # seconds: what the old code would have slept after the last part


class ChannelDiscord(FakeDiscord):
    """The double plus a text channel that takes messages, each emptying the channel's bucket."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.posted: list[dict[str, Any]] = []

    async def _route(
        self, method: str, parts: list[str], body: Any, authorization: str | None
    ) -> web.Response:
        if parts[:2] == ["channels", str(CHANNEL)]:
            if method == "GET" and len(parts) == 2:
                return _json(
                    {
                        "id": str(CHANNEL),
                        "type": 0,
                        "guild_id": "111111111111111111",
                        "name": "papers",
                        "position": 0,
                        "permission_overwrites": [],
                        "nsfw": False,
                        "parent_id": None,
                    }
                )
            if method == "POST" and parts[2:] == ["messages"]:
                self.posted.append(body)
                response = _json(self._message(str(CHANNEL), body))
                response.headers.update(
                    {
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(RESET_AFTER),
                        "X-RateLimit-Bucket": "channel-messages",
                    }
                )
                return response
        return await super()._route(method, parts, body, authorization)


@pytest.fixture
async def client() -> AsyncIterator[tuple[discord.Client, ChannelDiscord]]:
    base = Route.BASE
    fake = ChannelDiscord()
    async with fake:
        Route.BASE = fake.api_url
        bot = discord.Client(intents=discord.Intents.none())
        without_rate_limit_linger(bot.http)
        try:
            await bot.login(FAKE_TOKEN)
            yield bot, fake
        finally:
            await bot.close()
            Route.BASE = base


async def test_the_post_that_empties_a_bucket_returns_at_once_and_the_next_one_waits(
    client: tuple[discord.Client, ChannelDiscord], engine: AsyncEngine
) -> None:
    bot, fake = client
    publisher = DiscordPublisher(bot, SubscriptionStore(engine))
    messages = parts()
    async with asyncio.timeout(30):  # a guard far below RESET_AFTER, not a timing
        result = await publisher.publish(SUBSCRIPTION, messages[:1], delivery_id="d-1")
    assert (result.status, len(fake.posted)) == ("posted", 1)
    # The bucket is empty: a second post waits for its reset instead of being sent.
    second = asyncio.create_task(publisher.publish(SUBSCRIPTION, messages, delivery_id="d-1", start_at=1))
    for _ in range(20):
        await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    assert len(fake.posted) == 1
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second


class LimitedDiscord(ChannelDiscord):
    """The double, answering every message post with a 429 asking for a ten-minute wait."""

    async def _route(
        self, method: str, parts: list[str], body: Any, authorization: str | None
    ) -> web.Response:
        if method == "POST" and parts == ["channels", str(CHANNEL), "messages"]:
            self.posted.append(body)
            response = _json(
                {"message": "You are being rate limited.", "retry_after": RESET_AFTER, "global": False},
                status=429,
            )
            response.headers.update({"Retry-After": str(int(RESET_AFTER)), "Via": "1.1 google"})
            return response
        return await super()._route(method, parts, body, authorization)


async def test_a_long_retry_after_is_left_to_the_outbox_not_sat_out_mid_digest(engine: AsyncEngine) -> None:
    # discord.py sat out any Retry-After inside the post (five times over): a ten-minute 429 held
    # the worker, its claim and a one-shot `paperbot deliver` for up to fifty minutes. As on Slack,
    # a wait beyond MAX_RETRY_AFTER_SECONDS fails the attempt at that part; the outbox retries.
    base = Route.BASE
    fake = LimitedDiscord()
    async with fake:
        Route.BASE = fake.api_url
        bot = delivery_client()
        try:
            await bot.login(FAKE_TOKEN)
            publisher = DiscordPublisher(bot, SubscriptionStore(engine))
            async with asyncio.timeout(20):  # a guard far below the 600 s wait, not a timing
                result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")
        finally:
            await bot.close()
            Route.BASE = base
    assert (result.status, result.next_part) == ("failed", 0)
    assert result.error is not None
    assert "RateLimited" in result.error
    assert len(fake.posted) == 1


class HungDiscord(ChannelDiscord):
    """The double, taking every message post and never answering it (until the test ends)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hang_up = asyncio.Event()

    async def _route(
        self, method: str, parts: list[str], body: Any, authorization: str | None
    ) -> web.Response:
        if method == "POST" and parts == ["channels", str(CHANNEL), "messages"]:
            self.posted.append(body)
            await self.hang_up.wait()
            return _json({"message": "upstream connect error", "code": 0}, 503)
        return await super()._route(method, parts, body, authorization)


async def test_a_post_discord_never_answers_fails_the_attempt_instead_of_holding_the_worker(
    engine: AsyncEngine,
) -> None:
    # discord.py's session has aiohttp's default timeout, 300 s: a hung post held the delivery
    # worker and its claim for five minutes. Each request now has a bound (20 s, as on Slack;
    # a small one here), and the post fails at that part as a timeout, for the outbox to retry.
    base = Route.BASE
    fake = HungDiscord()
    async with fake:
        Route.BASE = fake.api_url
        bot = delivery_client(aiohttp.ClientTimeout(total=0.3))
        try:
            await bot.login(FAKE_TOKEN)
            publisher = DiscordPublisher(bot, SubscriptionStore(engine))
            async with asyncio.timeout(30):  # a guard far below aiohttp's 300 s, not a timing
                result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")
        finally:
            fake.hang_up.set()
            await bot.close()
            Route.BASE = base
    assert (result.status, result.next_part, result.error) == ("failed", 0, "timeout")
    assert len(fake.posted) == 1  # not retried in the request: it may have landed
