"""A compact digest's cards each start their own thread on Discord (issue 19), over the wire.

DiscordPublisher runs against the loopback double (tests/handlers/discord/fake_discord.py) with a
client logged in over REST only, as `paperbot deliver` runs it: the list message goes out, each
card replies to it, and each card then starts a public thread named after its paper. Where there
can be no thread (a DM, a subscription made in a thread, the cards layout) none is asked for; where
Discord refuses one, the card is delivered all the same, exactly once, and nothing is paused.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

import discord
import pytest
from discord.http import Route
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import CardLayout, ChannelRef, DigestSettings, Interests, Subscription
from bot.ports import PublishResult
from bot.ranking.digest import Digest, DigestItem
from bot.reports.arxiv import paper_links
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.embeds import digest_messages
from handlers.discord.messages import MAX_THREAD_NAME
from handlers.discord.publisher import THREAD_ARCHIVE_MINUTES, DiscordPublisher
from tests.handlers.discord.fake_discord import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    FAKE_TOKEN,
    IN_CHANNEL,
    IN_DM,
    IN_THREAD,
    MISSING_PERMISSIONS,
    READER_ID,
    THREAD_ALREADY_CREATED,
    THREAD_ID,
    FakeDiscord,
)

INVALID_FORM_BODY = 50035
SHORT = "GRPO-Lite: Critic-Free RL for Math Reasoning"
EXACTLY_100 = "T" * MAX_THREAD_NAME
# Report text is untrusted: long, with markup and a mention in it, and line breaks.
LONG = (
    "@everyone TempoWeave:\n Minute-Long **Text-to-Video** Generation " + "with chunked causal diffusion " * 5
)
TITLES = (SHORT, EXACTLY_100, LONG)


def subscription(ref: ChannelRef, layout: CardLayout = "compact") -> Subscription:
    return Subscription(
        ref,
        Interests(("reinforcement-learning",)),
        created_by=str(READER_ID),
        settings=DigestSettings(layout=layout),
    )


def digest(titles: tuple[str, ...] = TITLES) -> Digest:
    items = []
    for n, title in enumerate(titles):
        links = paper_links(f"2611.{n:05d}")
        items.append(
            DigestItem(
                arxiv_id=f"2611.{n:05d}",
                title=title,
                hf_url=links["hf"],
                arxiv_url=links["arxiv"],
                pdf_url=links["pdf"],
                domain="RL",
                contribution="A critic-free variant of GRPO.",
                topics=("reinforcement learning",),
                reason="matched RL",
                score=1.0,
            )
        )
    return Digest(dt.date(2026, 11, 20), "en", total=14, items=tuple(items), more=0, following=("RL",))


@pytest.fixture
async def store(engine: AsyncEngine) -> SubscriptionStore:
    subscriptions = SubscriptionStore(engine)
    for ref in (IN_CHANNEL, IN_THREAD, IN_DM):
        await subscriptions.save(subscription(ref))
    return subscriptions


@contextlib.asynccontextmanager
async def logged_in(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """A client on REST only (no gateway), as `paperbot deliver` has: a process of its own."""
    Route.BASE = fake.api_url  # the `fake` fixture puts discord.py's base back afterwards
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(FAKE_TOKEN)
        yield client
    finally:
        await client.close()


async def publish(
    fake: FakeDiscord,
    store: SubscriptionStore,
    ref: ChannelRef,
    *,
    layout: CardLayout = "compact",
    marker: str = "d-1",
    titles: tuple[str, ...] = TITLES,
) -> PublishResult:
    messages = digest_messages(digest(titles), marker=marker, layout=layout)
    async with logged_in(fake) as client:
        return await DiscordPublisher(client, store).publish(
            subscription(ref, layout), messages, delivery_id=marker
        )


def thread_requests(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/threads")]


def footers(fake: FakeDiscord, channel: int) -> list[str]:
    return [m["embeds"][-1]["footer"]["text"] for m in fake.channel_posts[str(channel)]]


def replies_to(fake: FakeDiscord, channel: int) -> list[str | None]:
    """For each message posted to the channel, the id of the message it replies to."""
    return [(m.get("message_reference") or {}).get("message_id") for m in fake.channel_posts[str(channel)]]


async def test_a_compact_digest_starts_a_thread_on_each_card_named_after_its_paper(
    fake: FakeDiscord, store: SubscriptionStore
) -> None:
    result = await publish(fake, store, IN_CHANNEL)

    assert (result.status, result.next_part, result.parts) == ("posted", 4, 4)
    listing, *cards = fake.channel_posts[str(CHANNEL_ID)]
    assert list(result.posted) == [listing["id"]] + [card["id"] for card in cards]
    assert replies_to(fake, CHANNEL_ID) == [None] + [listing["id"]] * 3  # the cards still reply
    # One thread per card, started from the card itself (a thread's id is its message's), none
    # from the list; in digest order.
    assert [thread["id"] for thread in fake.threads] == [card["id"] for card in cards]
    assert all(thread["type"] == 11 and thread["parent_id"] == str(CHANNEL_ID) for thread in fake.threads)
    names = [thread["name"] for thread in fake.threads]
    assert names[:2] == [SHORT, EXACTLY_100]  # whole when they fit
    assert len(names[2]) == MAX_THREAD_NAME  # Discord's 1-100 characters
    assert names[2].endswith("…")
    assert names[2].startswith("@everyone TempoWeave: Minute-Long **Text-to-Video** Generation with")
    assert {thread["thread_metadata"]["auto_archive_duration"] for thread in fake.threads} == {
        THREAD_ARCHIVE_MINUTES
    }
    assert fake.unknown == []


async def test_the_cards_layout_starts_no_thread(fake: FakeDiscord, store: SubscriptionStore) -> None:
    result = await publish(fake, store, IN_CHANNEL, layout="cards")
    assert result.status == "posted"
    assert fake.channel_posts[str(CHANNEL_ID)]
    assert thread_requests(fake) == []


@pytest.mark.parametrize(
    ("ref", "channel"),
    [(IN_DM, DM_CHANNEL_ID), (IN_THREAD, THREAD_ID)],
    ids=["a personal digest in a DM", "a subscription made in a thread"],
)
async def test_where_there_can_be_no_thread_the_cards_stay_replies(
    fake: FakeDiscord, store: SubscriptionStore, ref: ChannelRef, channel: int
) -> None:
    result = await publish(fake, store, ref)

    assert (result.status, result.next_part) == ("posted", 4)
    listing = fake.channel_posts[str(channel)][0]
    assert replies_to(fake, channel) == [None] + [listing["id"]] * 3
    assert thread_requests(fake) == []  # not even tried
    assert fake.unknown == []


async def test_an_install_without_create_public_threads_still_gets_every_card_once(
    fake: FakeDiscord, store: SubscriptionStore, caplog: pytest.LogCaptureFixture
) -> None:
    fake.thread_refusal = (403, MISSING_PERMISSIONS)  # invited before the permission was asked for
    with caplog.at_level(logging.INFO, logger="paperbot.discord"):
        result = await publish(fake, store, IN_CHANNEL)

    assert (result.status, result.next_part, len(result.posted)) == ("posted", 4, 4)
    assert footers(fake, CHANNEL_ID) == [f"paperbot · d-1 · {part}/4" for part in range(1, 5)]
    listing = fake.channel_posts[str(CHANNEL_ID)][0]
    assert replies_to(fake, CHANNEL_ID) == [None] + [listing["id"]] * 3
    assert fake.threads == []
    assert len(thread_requests(fake)) == 1  # refused once: the other cards are not tried
    stored = await store.get(IN_CHANNEL)
    assert stored is not None
    assert not stored.paused
    [warning] = [r for r in caplog.records if r.name == "paperbot.discord" and r.levelno >= logging.WARNING]
    assert "Create Public Threads" in warning.getMessage()
    assert "403 Forbidden (error code 50013)" in warning.getMessage()


@pytest.mark.parametrize(
    ("code", "warnings"),
    [(THREAD_ALREADY_CREATED, 0), (INVALID_FORM_BODY, 1)],
    ids=["a thread already exists", "another refusal"],
)
async def test_a_thread_discord_will_not_start_costs_only_that_thread(
    fake: FakeDiscord, store: SubscriptionStore, caplog: pytest.LogCaptureFixture, code: int, warnings: int
) -> None:
    fake.thread_refusal = (400, code)
    with caplog.at_level(logging.INFO, logger="paperbot.discord"):
        result = await publish(fake, store, IN_CHANNEL)

    assert (result.status, result.next_part, len(result.posted)) == ("posted", 4, 4)
    assert footers(fake, CHANNEL_ID) == [f"paperbot · d-1 · {part}/4" for part in range(1, 5)]
    assert len(thread_requests(fake)) == 3  # each card still tries its own
    assert (
        len([r for r in caplog.records if r.name == "paperbot.discord" and r.levelno >= logging.WARNING])
        == warnings
    )  # logged once


@pytest.mark.parametrize(
    ("stall", "threaded"),
    [
        # The bot stops while posting the second card: it never reached Discord.
        ({"stall_message": 2}, [1, 2, 3]),
        # The bot stops right after the second card was posted, before its thread: the resumed
        # delivery starts with the next card and does not go back for that thread.
        ({"stall_thread": 1}, [1, 3]),
    ],
    ids=["while posting a card", "before a card's thread"],
)
async def test_a_delivery_that_crashed_mid_digest_resumes_and_posts_each_card_once(
    fake: FakeDiscord, store: SubscriptionStore, stall: dict[str, int], threaded: list[int]
) -> None:
    for name, value in stall.items():
        setattr(fake, name, value)
    messages = digest_messages(digest(), marker="d-7", layout="compact")
    async with logged_in(fake) as client:
        sending = asyncio.create_task(
            DiscordPublisher(client, store).publish(subscription(IN_CHANNEL), messages, delivery_id="d-7")
        )
        await fake.until(lambda: fake.stalled)
        sending.cancel()  # the process dies mid-digest
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    fake.release()
    fake.stall_message = fake.stall_thread = None

    async with logged_in(fake) as client:  # a new process knows nothing but the channel's history
        fresh = DiscordPublisher(client, store)
        done = await fresh.posted_parts(str(CHANNEL_ID), "d-7")
        result = await fresh.publish(
            subscription(IN_CHANNEL), messages, delivery_id="d-7", start_at=max(done) + 1
        )
        assert await fresh.posted_parts(str(CHANNEL_ID), "d-7") == {0, 1, 2, 3}

    assert (result.status, result.next_part) == ("posted", 4)
    assert footers(fake, CHANNEL_ID) == [f"paperbot · d-7 · {part}/4" for part in range(1, 5)]  # each once
    listing, *cards = fake.channel_posts[str(CHANNEL_ID)]
    assert replies_to(fake, CHANNEL_ID) == [None] + [listing["id"]] * 3
    assert [thread["id"] for thread in fake.threads] == [cards[n - 1]["id"] for n in threaded]
    assert fake.unknown == []
