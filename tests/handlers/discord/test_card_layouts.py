"""Cards people would rather look at (issue 19), on Discord: the paper's thumbnail on its embed,
and the compact layout (a list message, each card a reply to it naming its thread), within
Discord's documented limits and delivered exactly once across a crash. The threads themselves,
over the wire: test_card_threads.py."""

from __future__ import annotations

import datetime as dt
from typing import cast

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import DigestSettings, Subscription
from bot.ranking.digest import Digest, DigestItem
from bot.reports.arxiv import paper_links, thumbnail_url
from bot.store.subscriptions import SubscriptionStore
from handlers.discord.embeds import digest_messages, embed_chars
from handlers.discord.messages import (
    MAX_COMPONENTS,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_THREAD_NAME,
    MAX_TITLE,
    MAX_URL,
)
from handlers.discord.publisher import DiscordPublisher
from tests.handlers.discord.test_publisher import (
    CHANNEL,
    SUBSCRIPTION,
    FakeChannel,
    FakeClient,
    sent,
    server_error,
)

HOSTILE = "@everyone <@123> [click](https://evil.example) ]] **bold** "
COMPACT = Subscription(
    SUBSCRIPTION.channel, SUBSCRIPTION.interests, settings=DigestSettings(images=True, layout="compact")
)


def digest(papers: int, title: str = HOSTILE + "long " * 60) -> Digest:
    items = []
    for n in range(papers):
        arxiv_id = f"2605.{n:05d}"
        links = paper_links(arxiv_id)
        items.append(
            DigestItem(
                arxiv_id=arxiv_id,
                title=f"{title} {n}",
                hf_url=links["hf"],
                arxiv_url=links["arxiv"],
                pdf_url=links["pdf"],
                domain="强化学习 " * 100,
                contribution=HOSTILE * 50,
                topics=("reinforcement learning", '"GRPO"', HOSTILE * 3),
                reason="matched " + HOSTILE * 10,
                score=1.0,
            )
        )
    return Digest(dt.date(2026, 5, 4), "en", total=80, items=tuple(items), more=3, following=("RL",))


def within_limits(message: object) -> None:
    embeds = message.embeds  # type: ignore[attr-defined]
    assert len(message.content) <= MAX_CONTENT  # type: ignore[attr-defined]
    assert len(embeds) <= MAX_EMBEDS
    assert sum(embed_chars(embed) for embed in embeds) <= MAX_EMBED_TOTAL
    for embed in embeds:
        assert len(embed.title or "") <= MAX_TITLE
        assert len(embed.description or "") <= MAX_DESCRIPTION
        assert len(embed.thumbnail.url or "") <= MAX_URL
    view = message.view  # type: ignore[attr-defined]
    assert view is None or len(view.children) <= MAX_COMPONENTS


def test_images_put_each_papers_thumbnail_on_its_embed() -> None:
    shown = digest(12)
    messages = digest_messages(shown, marker="d-1", images=True)
    embeds = [embed for message in messages for embed in message.embeds]
    assert [embed.thumbnail.url for embed in embeds] == [thumbnail_url(i.arxiv_id) for i in shown.items]
    for message in messages:
        within_limits(message)
    assert all(e.thumbnail.url is None for m in digest_messages(shown, marker="d-1") for e in m.embeds)
    assert embed_chars(embeds[0]) == embed_chars(digest_messages(shown)[0].embeds[0])  # URLs do not count


@pytest.mark.parametrize("papers", [1, 5, 50, 60])
def test_compact_is_one_list_message_then_a_card_per_paper_replying_to_it(papers: int) -> None:
    shown = digest(papers)
    listing, *cards = digest_messages(shown, marker="d-1", images=True, layout="compact")
    within_limits(listing)
    assert not listing.reply_to_first
    assert not listing.thread_name  # the list starts no thread: each card does
    assert listing.view is None
    assert listing.content.startswith("**Daily Papers")
    description = "\n".join(embed.description or "" for embed in listing.embeds)
    for number, item in enumerate(shown.items, start=1):  # every paper, linked, numbered
        assert f"\n{number}. [" in f"\n{description}"
        assert f"]({item.hf_url})" in description
    assert "@everyone" not in description.replace("@\u200beveryone", "")  # escaped: nobody is pinged
    assert "[click" not in description.replace("\\[click", "")  # report text cannot make a link
    assert papers > 5 or "\\]\\] " in description  # nor close a title's link early (short lists show it)
    assert "Each paper's card follows as a reply" in description
    assert "…and 3 more" in description
    assert listing.embeds[-1].footer.text == f"paperbot · d-1 · 1/{papers + 1}"
    assert len(cards) == papers
    for number, (card, item) in enumerate(zip(cards, shown.items, strict=True), start=2):
        within_limits(card)
        assert card.reply_to_first
        assert len(card.embeds) == 1
        assert card.embeds[0].thumbnail.url == thumbnail_url(item.arxiv_id)
        assert card.embeds[0].footer.text == f"paperbot · d-1 · {number}/{papers + 1}"
        assert card.view is not None
        assert len(card.view.children) == 5
        # Its thread's name: the title as written (a name renders no markdown), on one line,
        # clipped to Discord's 100 characters.
        assert len(card.thread_name) <= MAX_THREAD_NAME
        assert card.thread_name == " ".join(item.title.split())[: MAX_THREAD_NAME - 1].rstrip() + "…"
    assert not any(message.thread_name for message in digest_messages(shown, marker="d-1"))  # cards layout


# -- delivery ----------------------------------------------------------------------------------


@pytest.fixture
async def store(engine: AsyncEngine) -> SubscriptionStore:
    subscriptions = SubscriptionStore(engine)
    await subscriptions.save(COMPACT)
    return subscriptions


def publisher(client: FakeClient, store: SubscriptionStore) -> DiscordPublisher:
    return DiscordPublisher(cast(discord.Client, client), store)


def references(channel: FakeChannel) -> list[int | None]:
    found = []
    for kwargs in sent(channel):
        reference = kwargs.get("reference")
        assert reference is None or (
            reference.fail_if_not_exists is False and kwargs["mention_author"] is False
        )
        found.append(reference.message_id if reference is not None else None)
    return found


async def test_each_card_replies_to_the_list_message(store: SubscriptionStore) -> None:
    channel = FakeChannel(CHANNEL)
    messages = digest_messages(digest(4), marker="d-1", layout="compact")
    result = await publisher(FakeClient(channel), store).publish(COMPACT, messages, delivery_id="d-1")
    assert (result.status, result.next_part, result.parts) == ("posted", 5, 5)
    first = channel.messages[0].id
    assert references(channel) == [None, first, first, first, first]
    assert sent(channel)[0]["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()


async def test_a_crashed_compact_delivery_resumes_replying_to_the_list_without_posting_twice(
    store: SubscriptionStore,
) -> None:
    channel = FakeChannel(CHANNEL)
    client = FakeClient(channel)
    messages = digest_messages(digest(4), marker="d-7", layout="compact")
    channel.failures[2] = server_error(502)
    first = await publisher(client, store).publish(COMPACT, messages, delivery_id="d-7")
    assert (first.status, first.next_part) == ("failed", 2)

    fresh = publisher(client, store)  # a new process: it knows nothing but the channel's history
    done = await fresh.posted_parts(str(CHANNEL), "d-7")
    assert done == {0, 1}
    second = await fresh.publish(COMPACT, messages, delivery_id="d-7", start_at=max(done) + 1)

    assert (second.status, second.next_part) == ("posted", 5)
    assert len(channel.messages) == 5
    assert await fresh.posted_parts(str(CHANNEL), "d-7") == {0, 1, 2, 3, 4}
    list_id = channel.messages[0].id
    # Every card's send, the failed one and the resumed ones included, replies to the list.
    assert references(channel) == [None] + [list_id] * 5


async def test_a_list_message_gone_before_the_resume_leaves_the_cards_unthreaded(
    store: SubscriptionStore,
) -> None:
    channel = FakeChannel(CHANNEL)
    messages = digest_messages(digest(2), marker="d-9", layout="compact")
    result = await publisher(FakeClient(channel), store).publish(
        COMPACT, messages, delivery_id="d-9", start_at=1
    )
    assert result.status == "posted"
    assert references(channel) == [None, None]
