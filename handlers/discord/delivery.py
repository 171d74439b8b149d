"""Discord digests for the delivery outbox: embeds marked with the delivery, then publish."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient, Ratelimit, Route

from bot.errors import PlatformUnavailable
from bot.models import ChannelRef, Subscription
from bot.ports import NotifyResult, PublishResult, Recipient
from bot.ranking.digest import Digest
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.embeds import digest_messages
from handlers.discord.publisher import DiscordHistoryError, DiscordPublisher

# A Retry-After longer than this is not sat out inside a post: the post fails (discord.RateLimited,
# a transient failure) and the outbox retries later, as on Slack (handlers/slack/publisher.py's
# MAX_RETRY_AFTER_SECONDS). discord.py's default waits any length, up to five times a request.
# 30 s is also the least discord.py accepts. Global rate limits are always waited out by it.
MAX_RETRY_AFTER_SECONDS = 30.0
# discord.py sets no timeout on its aiohttp session, so aiohttp's default applies: 300 s per
# request. A hung post held a delivery worker, its claim and a one-shot `paperbot deliver` for
# five minutes. The same bound as every Slack request (handlers/slack/publisher.py's
# SESSION_TIMEOUT): 20 s in all, 5 s to connect, 15 s of silence while reading. A timed-out post
# fails the attempt at that part (discord.py does not retry it); the outbox retries it after
# asking the channel which parts landed.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5, sock_read=15)


def delivery_client(request_timeout: aiohttp.ClientTimeout = REQUEST_TIMEOUT) -> discord.Client:
    """The Discord client that posts digests and notices: HTTP only (no gateway, no intents),
    bounded rate-limit waits, a bounded time per request, and no linger after a pass's last post."""
    client = discord.Client(intents=discord.Intents.none(), max_ratelimit_timeout=MAX_RETRY_AFTER_SECONDS)
    without_rate_limit_linger(client.http)  # a pass ends with its last answer
    with_request_timeout(client.http, request_timeout)
    return client


def with_request_timeout(http: HTTPClient, timeout: aiohttp.ClientTimeout) -> None:
    """Give each of `http`'s requests `timeout`. discord.py has no option for it (its session is
    made in `static_login`, without one); `HTTPClient.request` hands its keyword arguments to
    aiohttp's `ClientSession.request`, whose `timeout` overrides the session's for that request.
    tests/handlers/discord pin the effect against a Discord that never answers."""
    request = http.request

    async def bounded(route: Route, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        return await request(route, **kwargs)

    http.request = bounded  # type: ignore[method-assign]


class DiscordDigestPublisher:
    def __init__(self, client: discord.Client, store: SubscriptionStore) -> None:
        self.publisher = DiscordPublisher(client, store)

    async def publish(
        self, subscription: Subscription, digest: Digest, *, key: str, start_at: int
    ) -> PublishResult:
        settings = subscription.settings
        messages = digest_messages(digest, marker=key, images=settings.images, layout=settings.layout)
        return await self.publisher.publish(subscription, messages, delivery_id=key, start_at=start_at)

    def part_papers(self, subscription: Subscription, digest: Digest, *, key: str) -> list[tuple[str, ...]]:
        """The papers of each message `publish` would post (bot/delivery/decided.py)."""
        settings = subscription.settings
        messages = digest_messages(digest, marker=key, images=settings.images, layout=settings.layout)
        return [message.papers for message in messages]

    async def posted_parts(self, subscription: Subscription, key: str) -> set[int]:
        try:
            return await self.publisher.posted_parts(subscription.channel.channel, key)
        except DiscordHistoryError as exc:
            if exc.outage:
                # Discord down, not the channel: the outbox waits it out without using an attempt.
                raise PlatformUnavailable(str(exc)) from exc
            if not exc.channel_gone:
                raise
            # Deleted or closed to paperbot since the attempt this one resumes: nothing more can
            # be posted there, and `publish` meets the same refusal and pauses the channel.
            return set()

    async def notify(self, recipient: Recipient, text: str) -> NotifyResult:
        """A notice (bot/delivery/loud_failures.py) to a channel, or by DM to a person."""
        return await self.publisher.notify(channel_id=recipient.channel, user_id=recipient.user, text=text)

    def mention(self, channel: ChannelRef) -> str:
        return f"<#{channel.channel}>"


class _LazyRatelimit(Ratelimit):
    """discord.py's rate-limit bucket, except that an emptied bucket is waited out by the next
    request that needs it, not by the request that emptied it.

    discord.py 2.x sleeps a bucket's whole reset (5 s for a channel's messages, which allow 5 per
    5 s) inside the request that used its last token, before that request returns: a digest's
    last part came back 5 s after Discord had answered, and a one-shot `paperbot deliver`
    lingered that long before it could record the delivery and exit. The next request on the
    bucket still waits for the reset (`acquire` waits until `expires`), so Discord's limits are
    kept; 429s are handled by discord.py as before."""

    async def __aexit__(
        self, type: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.outgoing -= 1
        tokens = self.remaining - self.outgoing
        if tokens > 0 and self._pending_requests and not self._sleeping.locked():
            exception = (
                discord.RateLimited(self.reset_after)
                if self._max_ratelimit_timeout and self.reset_after > self._max_ratelimit_timeout
                else None
            )
            self._wake(tokens, exception=exception)

    async def _refresh(self) -> None:
        # Until the bucket resets (discord.py sleeps `reset_after` from the moment the answer
        # came, which is the same time when called from the request that emptied it).
        error = self._max_ratelimit_timeout and self.reset_after > self._max_ratelimit_timeout
        exception = discord.RateLimited(self.reset_after) if error else None
        async with self._sleeping:
            if not error and self.expires is not None:
                await asyncio.sleep(max(0.0, self.expires - self._loop.time()))
        self.reset()  # type: ignore[no-untyped-call]
        self._wake(self.remaining, exception=exception)


def without_rate_limit_linger(http: HTTPClient) -> None:
    """Make `http` (a client's `discord.Client.http`) use `_LazyRatelimit` buckets. Reaches
    into discord.py's HTTPClient (`_buckets`, as of 2.7): tests/handlers/discord pin the effect."""

    def get_ratelimit(key: str) -> Ratelimit:
        buckets: dict[str, Ratelimit] = http._buckets
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _LazyRatelimit(http.max_ratelimit_timeout)
            http._try_clear_expired_ratelimits()
        return bucket

    http.get_ratelimit = get_ratelimit  # type: ignore[method-assign]
