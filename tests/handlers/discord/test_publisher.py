"""DiscordPublisher against fakes holding just ids (no gateway connection, ever) and a real store."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast
from unittest.mock import AsyncMock

import aiohttp
import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import PlatformUnavailable
from bot.models import ChannelRef, Interests, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest, DigestItem
from bot.reports.arxiv import paper_links
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.delivery import DiscordDigestPublisher
from handlers.discord.embeds import digest_messages
from handlers.discord.messages import DiscordMessage
from handlers.discord.publisher import DiscordHistoryError, DiscordPublisher

# Snowflakes of the shape Discord issues (bot/ids.py): delivery skips ids that cannot exist.
GUILD, CHANNEL, THREAD = 111111111111111111, 222222222222222222, 333333333333333333
BOT, SOMEONE = 999, 444
REF = ChannelRef("discord", str(GUILD), str(CHANNEL))
SUBSCRIPTION = Subscription(channel=REF, interests=Interests(("reinforcement-learning",)), created_by="555")


class _FakeResponse:
    """What discord.HTTPException reads from aiohttp's ClientResponse: a status and a reason."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


def FakeResponse(status: int, reason: str) -> Any:
    # Any: discord.py types the parameter as aiohttp's or requests' response class.
    return _FakeResponse(status, reason)


def forbidden(code: int = 50013, message: str = "Missing Permissions") -> discord.Forbidden:
    return discord.Forbidden(FakeResponse(403, "Forbidden"), {"code": code, "message": message})


def not_found() -> discord.NotFound:
    return discord.NotFound(FakeResponse(404, "Not Found"), {"code": 10003, "message": "Unknown Channel"})


def server_error(status: int = 503) -> discord.DiscordServerError:
    return discord.DiscordServerError(FakeResponse(status, "Service Unavailable"), "upstream connect error")


class FakeChannel:
    """A text channel or thread: remembers what was sent; `failures` maps a send attempt
    (0-based, counted over the channel's life) to the error that attempt raises."""

    def __init__(self, channel_id: int) -> None:
        self.id = channel_id
        self.messages: list[SimpleNamespace] = []  # oldest first, like the channel
        self.failures: dict[int, BaseException] = {}
        self.history_error: BaseException | None = None
        self.read = 0  # messages history() has handed out
        self.send = AsyncMock(side_effect=self._send)

    async def _send(self, **kwargs: Any) -> SimpleNamespace:
        attempt = self.send.await_count - 1
        if attempt in self.failures:
            raise self.failures[attempt]
        return self.post(BOT, kwargs.get("embeds", []), kwargs.get("content", ""))

    def post(self, author: int, embeds: list[discord.Embed], content: str = "") -> SimpleNamespace:
        message = SimpleNamespace(
            id=10_000 + len(self.messages), author=SimpleNamespace(id=author), embeds=embeds, content=content
        )
        self.messages.append(message)
        return message

    async def history(self, *, limit: int | None = 100) -> AsyncIterator[SimpleNamespace]:
        if self.history_error is not None:
            raise self.history_error
        for message in list(reversed(self.messages))[:limit]:
            self.read += 1
            yield message


class FakeClient:
    """The part of discord.Client the publisher uses: the cache, fetch_channel and the bot user."""

    def __init__(self, *channels: FakeChannel, uncached: FakeChannel | None = None) -> None:
        self.channels = {channel.id: channel for channel in channels}
        self.uncached = uncached  # a thread the cache does not hold, found by fetch_channel
        self.fetch_error: BaseException | None = None
        self.user: SimpleNamespace | None = SimpleNamespace(id=BOT)
        self.fetched: list[int] = []

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        return self.channels.get(channel_id)

    async def fetch_channel(self, channel_id: int) -> FakeChannel:
        self.fetched.append(channel_id)
        if self.fetch_error is not None:
            raise self.fetch_error
        if self.uncached is not None and self.uncached.id == channel_id:
            return self.uncached
        raise not_found()


def digest(papers: int = 12) -> Digest:
    items = []
    for n in range(papers):
        links = paper_links(f"2605.{n:05d}")
        items.append(
            DigestItem(
                arxiv_id=f"2605.{n:05d}",
                title=f"Paper {n} @everyone",
                hf_url=links["hf"],
                arxiv_url=links["arxiv"],
                pdf_url=links["pdf"],
                domain="RL",
                contribution="x " * 500,
                topics=("RL",),
                reason="matched RL",
                score=1.0,
            )
        )
    return Digest(dt.date(2026, 5, 4), "en", total=50, items=tuple(items), more=0, following=("RL",))


def parts(marker: str = "d-1", papers: int = 12) -> list[DiscordMessage]:
    messages = digest_messages(digest(papers), marker=marker)
    assert len(messages) == 3  # the tests below count on three parts
    return messages


@pytest.fixture
def channel() -> FakeChannel:
    return FakeChannel(CHANNEL)


@pytest.fixture
def client(channel: FakeChannel) -> FakeClient:
    return FakeClient(channel)


@pytest.fixture
async def store(engine: AsyncEngine) -> SubscriptionStore:
    subscriptions = SubscriptionStore(engine)
    await subscriptions.save(SUBSCRIPTION)
    return subscriptions


@pytest.fixture
def publisher(client: FakeClient, store: SubscriptionStore) -> DiscordPublisher:
    return DiscordPublisher(cast(discord.Client, client), store)


def sent(channel: FakeChannel) -> list[dict[str, Any]]:
    return [dict(call.kwargs) for call in channel.send.await_args_list]


async def paused(store: SubscriptionStore, ref: ChannelRef = REF) -> tuple[bool, str | None]:
    current = await store.get(ref)
    assert current is not None
    return current.paused, current.paused_reason


# -- the happy path ----------------------------------------------------------------------------


async def test_posts_every_part_in_order_without_mentions(
    channel: FakeChannel, publisher: DiscordPublisher, store: SubscriptionStore
) -> None:
    messages = parts()
    result = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-1")

    assert result == PublishResult("posted", ("10000", "10001", "10002"), 3, parts=3)
    assert len(sent(channel)) == 3
    for message, kwargs in zip(messages, sent(channel), strict=True):
        assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
        assert kwargs["embeds"] == message.embeds
        assert kwargs["view"] is message.view
    assert sent(channel)[0]["content"].startswith("**Daily Papers")
    assert await paused(store) == (False, None)


async def test_start_at_skips_the_parts_already_posted(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    messages = parts()
    result = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-1", start_at=1)

    assert result == PublishResult("posted", ("10000", "10001"), 3, parts=3)
    assert [kwargs["embeds"] for kwargs in sent(channel)] == [m.embeds for m in messages[1:]]


async def test_nothing_left_posts_nothing(channel: FakeChannel, publisher: DiscordPublisher) -> None:
    assert await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1", start_at=3) == PublishResult(
        "posted", (), 3, parts=3
    )
    channel.send.assert_not_awaited()
    with pytest.raises(ValueError, match="start_at"):
        await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1", start_at=4)


async def test_a_thread_the_cache_does_not_hold_is_fetched(store: SubscriptionStore) -> None:
    thread = FakeChannel(THREAD)
    client = FakeClient(uncached=thread)
    subscription = Subscription(channel=ChannelRef("discord", str(GUILD), str(THREAD)), interests=Interests())
    result = await DiscordPublisher(cast(discord.Client, client), store).publish(
        subscription, parts(), delivery_id="d-1"
    )

    assert result.status == "posted"
    assert client.fetched == [THREAD]
    assert len(thread.messages) == 3


# -- channels that are gone for good -----------------------------------------------------------


async def test_forbidden_pauses_and_sends_nothing_more(
    channel: FakeChannel,
    publisher: DiscordPublisher,
    store: SubscriptionStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel.failures[1] = forbidden()
    with caplog.at_level(logging.INFO, logger="paperbot.discord"):
        result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    assert result.status == "paused"
    assert result.posted == ("10000",)
    assert result.next_part == 1
    assert result.error == "403 Forbidden (error code 50013)"
    assert channel.send.await_count == 2  # the failing part, and nothing after it
    is_paused, reason = await paused(store)
    assert is_paused
    assert reason is not None
    assert "may not post here" in reason
    assert "Send Messages" in reason
    assert "/paper subscribe" in reason
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "paperbot.discord"
    assert str(REF) in warnings[0].getMessage()


async def test_lost_access_to_an_uncached_channel_pauses_with_its_own_reason(
    client: FakeClient, store: SubscriptionStore
) -> None:
    client.fetch_error = forbidden(50001, "Missing Access")
    subscription = Subscription(
        channel=ChannelRef("discord", str(GUILD), "777"), interests=Interests(("x",)), locale="zh"
    )
    await store.save(subscription)
    result = await DiscordPublisher(cast(discord.Client, client), store).publish(
        subscription, parts(), delivery_id="d-1"
    )

    assert (result.status, result.posted, result.next_part) == ("paused", (), 0)
    is_paused, reason = await paused(store, subscription.channel)
    assert is_paused
    assert reason is not None
    assert reason.startswith("paperbot 已无法访问本频道（Discord：403 Forbidden (error code 50001)）")


async def test_a_deleted_channel_pauses(client: FakeClient, store: SubscriptionStore) -> None:
    gone = Subscription(channel=ChannelRef("discord", str(GUILD), "888"), interests=Interests(("x",)))
    await store.save(gone)
    result = await DiscordPublisher(cast(discord.Client, client), store).publish(
        gone, parts(), delivery_id="d-1"
    )

    assert result == PublishResult("paused", (), 0, "404 Not Found (error code 10003)", parts=3)
    is_paused, reason = await paused(store, gone.channel)
    assert is_paused
    assert reason is not None
    assert "no longer exists" in reason


async def test_not_found_while_sending_pauses(
    channel: FakeChannel, publisher: DiscordPublisher, store: SubscriptionStore
) -> None:
    channel.failures[0] = not_found()
    result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    assert (result.status, result.next_part) == ("paused", 0)
    assert (await paused(store))[0]


async def test_a_channel_that_takes_no_messages_pauses(store: SubscriptionStore) -> None:
    category = SimpleNamespace(id=CHANNEL)  # a category channel has no send()
    client = SimpleNamespace(get_channel=lambda _id: category, user=SimpleNamespace(id=BOT))
    result = await DiscordPublisher(cast(discord.Client, client), store).publish(
        SUBSCRIPTION, parts(), delivery_id="d-1"
    )

    assert result.status == "paused"
    assert "does not take messages" in ((await paused(store))[1] or "")


# -- transient failures ------------------------------------------------------------------------


async def test_a_503_fails_at_the_failing_part_without_pausing(
    channel: FakeChannel, publisher: DiscordPublisher, store: SubscriptionStore
) -> None:
    channel.failures[2] = server_error(503)
    result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    # Discord's, not the channel's: the outbox waits it out without using up an attempt.
    assert result == PublishResult(
        "failed", ("10000", "10001"), 2, "503 Service Unavailable", parts=3, outage=True
    )
    assert await paused(store) == (False, None)


@pytest.mark.parametrize(
    "error",
    [
        aiohttp.ClientConnectionError("connection reset"),
        TimeoutError(),
        discord.HTTPException(FakeResponse(500, "Internal Server Error"), {"code": 0, "message": "oops"}),
    ],
)
async def test_network_failures_and_timeouts_fail_softly(
    channel: FakeChannel, publisher: DiscordPublisher, store: SubscriptionStore, error: BaseException
) -> None:
    channel.failures[0] = error
    result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    assert (result.status, result.posted, result.next_part, result.outage) == ("failed", (), 0, True)
    assert result.error
    assert not (await paused(store))[0]


async def test_a_rate_limit_discord_py_will_not_sit_out_is_an_outage_with_its_wait(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    channel.failures[1] = discord.RateLimited(90.0)
    result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    assert (result.status, result.next_part, result.outage, result.retry_after) == ("failed", 1, True, 90.0)


async def test_a_refusal_of_the_message_itself_is_not_an_outage(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    channel.failures[0] = discord.HTTPException(
        FakeResponse(400, "Bad Request"), {"code": 50035, "message": "x"}
    )
    result = await publisher.publish(SUBSCRIPTION, parts(), delivery_id="d-1")

    assert (result.status, result.outage) == ("failed", False)  # it uses up an attempt, as before


# -- after a crash -----------------------------------------------------------------------------


async def test_posted_parts_finds_only_this_deliverys_parts(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    mine, other = parts("d-1"), parts("d-10")
    channel.post(BOT, mine[0].embeds)
    channel.post(BOT, other[1].embeds)  # another delivery whose id starts like this one
    channel.post(SOMEONE, mine[1].embeds)  # not the bot's message
    channel.post(BOT, [], "a message without embeds")
    channel.post(BOT, mine[2].embeds)

    assert await publisher.posted_parts(str(CHANNEL), "d-1") == {0, 2}
    assert await publisher.posted_parts(str(CHANNEL), "d-10") == {1}
    assert await publisher.posted_parts(str(CHANNEL), "d-2") == set()
    assert await publisher.posted_parts(str(CHANNEL), "d-1", limit=1) == {2}


async def test_posted_parts_reads_past_a_busy_hour_after_an_outage(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    """A retry after a Discord outage asks hours after the try that may have posted part 0: the
    channel has said 150 things since. One history page (100 messages) missed the part, and the
    retry posted it again."""
    mine = parts("d-1")
    channel.post(BOT, mine[0].embeds)
    for n in range(150):
        channel.post(SOMEONE, [], f"message {n}")

    assert await publisher.posted_parts(str(CHANNEL), "d-1") == {0}


async def test_posted_parts_stops_reading_once_every_part_is_found(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    for n in range(300):
        channel.post(SOMEONE, [], f"message {n}")
    for part in parts("d-1"):
        channel.post(BOT, part.embeds)

    assert await publisher.posted_parts(str(CHANNEL), "d-1") == {0, 1, 2}
    assert channel.read == 3  # not the 300 older messages


async def test_a_crashed_delivery_resumes_without_posting_twice(
    channel: FakeChannel, publisher: DiscordPublisher
) -> None:
    messages = parts("d-7")
    channel.failures[1] = server_error(502)
    first = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-7")
    assert (first.status, first.next_part) == ("failed", 1)

    done = await publisher.posted_parts(str(CHANNEL), "d-7")
    assert done == {0}
    second = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-7", start_at=max(done) + 1)

    assert second.status == "posted"
    assert await publisher.posted_parts(str(CHANNEL), "d-7") == {0, 1, 2}
    assert len(channel.messages) == 3


async def test_unreadable_history_raises_rather_than_answering_nothing(
    channel: FakeChannel, client: FakeClient, publisher: DiscordPublisher
) -> None:
    channel.history_error = forbidden(50001, "Missing Access")
    with pytest.raises(DiscordHistoryError, match="50001"):
        await publisher.posted_parts(str(CHANNEL), "d-1")
    with pytest.raises(DiscordHistoryError, match="10003"):
        await publisher.posted_parts("404", "d-1")
    client.user = None
    with pytest.raises(DiscordHistoryError, match="not logged in"):
        await publisher.posted_parts(str(CHANNEL), "d-1")


@pytest.mark.parametrize("error", [not_found(), forbidden(50001, "Missing Access")])
async def test_a_retry_into_a_channel_gone_since_pauses_it_instead_of_failing_on_its_history(
    error: BaseException, store: SubscriptionStore
) -> None:
    # The first attempt failed (Discord 5xx), so the retry asks what was posted; meanwhile the
    # channel was deleted or closed to paperbot. Asking raised, every retry failed the same way
    # with a traceback, and the subscription stayed active.
    client = FakeClient()
    client.fetch_error = error
    digests = DiscordDigestPublisher(cast(discord.Client, client), store)

    assert await digests.posted_parts(SUBSCRIPTION, "d-1") == set()
    result = await digests.publish(SUBSCRIPTION, digest(), key="d-1", start_at=0)

    assert result.status == "paused"
    stored = await store.get(REF)
    assert stored is not None
    assert stored.paused


async def test_a_history_that_cannot_be_read_for_now_still_raises_from_the_digest_publisher(
    channel: FakeChannel, client: FakeClient, store: SubscriptionStore
) -> None:
    channel.history_error = server_error()
    # Discord down: an outage for the outbox, which uses up no attempt on it.
    with pytest.raises(PlatformUnavailable, match="503"):
        await DiscordDigestPublisher(cast(discord.Client, client), store).posted_parts(SUBSCRIPTION, "d-1")
