"""Cards people would rather look at (issue 19), on Slack: the paper's thumbnail as an image
accessory, and the compact layout (a list message, each card a reply in its thread), within
Block Kit's limits and delivered exactly once across a crash."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import DigestSettings, Interests
from bot.ranking.digest import Digest, build_digest
from bot.reports.arxiv import thumbnail_url
from bot.store.subscriptions import SubscriptionStore
from bot.text import clip
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.blocks import MAX_ALT_TEXT, MAX_BLOCKS, MAX_MESSAGE_BLOCK_CHARS, digest_messages
from handlers.slack.publisher import NO_THREADS, SlackPublisher, make_client
from tests.handlers.slack.fake_slack import FAKE_TOKEN, Failure, FakeSlack, blocks_problem, message_problem
from tests.handlers.slack.test_blocks import HOSTILE, big_report
from tests.handlers.slack.test_publisher import CHANNEL, SUBSCRIPTION, RecordedSleep

RL = Interests(("reinforcement-learning",))
COMPACT = SUBSCRIPTION.__class__(
    SUBSCRIPTION.channel, SUBSCRIPTION.interests, settings=DigestSettings(images=True, layout="compact")
)


def digest(papers: int, text: str = HOSTILE) -> Digest:
    return build_digest(big_report(papers, text), RL, builtin_taxonomy(), limit=None)


def accessories(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [block["accessory"] for block in blocks if "accessory" in block]


def test_images_put_each_papers_thumbnail_beside_its_card() -> None:
    shown = digest(60)
    messages = digest_messages(shown, images=True)
    found = [a for m in messages for a in accessories(m.blocks)]
    assert [a["image_url"] for a in found] == [thumbnail_url(item.arxiv_id) for item in shown.items]
    for accessory, item in zip(found, shown.items, strict=True):
        assert accessory["type"] == "image"
        assert accessory["alt_text"] == clip(" ".join(item.title.split()), MAX_ALT_TEXT)  # plain text
    for message in messages:
        # Slack's own checks, with slack_sdk's models (the fake's): blocks, sizes, the image element.
        assert message_problem({"text": message.text, "blocks": message.blocks}) is None
        assert message.plain_blocks is not None
        assert not accessories(message.plain_blocks)
        assert len(message.plain_blocks) == len(message.blocks)
    huge = digest(1, "t" * 3000)  # a title past alt_text's 2,000 characters is clipped
    (accessory,) = accessories(digest_messages(huge, images=True)[0].blocks)
    assert len(accessory["alt_text"]) == MAX_ALT_TEXT
    assert accessory["alt_text"].endswith("…")
    without = digest_messages(shown)
    assert not [a for m in without for a in accessories(m.blocks)]
    assert all(m.plain_blocks is None for m in without)


@pytest.mark.parametrize("papers", [1, 10, 50, 60])
def test_compact_is_one_list_message_then_a_threaded_card_per_paper(papers: int) -> None:
    shown = digest(papers)
    listing, *cards = digest_messages(shown, images=True, layout="compact")
    assert not listing.thread
    assert len(listing.blocks) <= MAX_BLOCKS
    assert len(json.dumps(listing.blocks, ensure_ascii=False)) <= MAX_MESSAGE_BLOCK_CHARS
    assert blocks_problem(listing.blocks) is None
    text = json.dumps(listing.blocks, ensure_ascii=False)
    assert listing.blocks[0]["type"] == "header"
    for number, item in enumerate(shown.items, start=1):  # every paper, linked, numbered, with topics
        assert f"{number}. *<{item.hf_url}|" in text
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "Each paper's card is in this message's thread" in text
    # The same list for a channel that allows no threads fits as well, and says so instead.
    assert listing.unthreaded_blocks is not None
    assert len(listing.unthreaded_blocks) == len(listing.blocks)
    assert len(json.dumps(listing.unthreaded_blocks, ensure_ascii=False)) <= MAX_MESSAGE_BLOCK_CHARS
    assert blocks_problem(listing.unthreaded_blocks) is None
    below = json.dumps(listing.unthreaded_blocks, ensure_ascii=False)
    assert "follows this message in the channel" in below
    assert "thread:" not in below
    assert listing.unthreaded_blocks[:-1] == listing.blocks[:-1]  # only the note differs
    assert len(cards) == len(shown.items)
    for card, item in zip(cards, shown.items, strict=True):
        assert card.thread
        assert message_problem({"text": card.text, "blocks": card.blocks}) is None
        assert card.blocks[-1]["block_id"] == f"paper_{item.arxiv_id}"  # its buttons, 👍 / 👎 too
        assert accessories(card.blocks)[0]["image_url"] == thumbnail_url(item.arxiv_id)
        assert card.plain_blocks is not None
        assert not accessories(card.plain_blocks)


def test_compact_says_how_many_more() -> None:
    shown = digest(12).shortened(3)
    listing, *cards = digest_messages(shown, layout="compact")
    assert len(cards) == 3
    assert "…and 9 more" in json.dumps(listing.blocks) or "Showing 3 of 12" in json.dumps(listing.blocks)


# -- delivery ----------------------------------------------------------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return make_client(FAKE_TOKEN, slack.base_url, retry_sleep=RecordedSleep())


@pytest.fixture
async def store(engine: AsyncEngine) -> SubscriptionStore:
    subscriptions = SubscriptionStore(engine)
    await subscriptions.save(COMPACT)
    return subscriptions


def part_of(message: dict[str, Any]) -> int:
    return int(message["metadata"]["event_payload"]["part"])


async def test_each_card_is_a_reply_in_the_list_messages_thread(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore
) -> None:
    messages = digest_messages(digest(6), images=True, layout="compact")
    result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-1")
    assert (result.status, result.next_part, result.parts) == ("posted", 7, 7)
    first, *replies = slack.messages_in(CHANNEL)
    assert "thread_ts" not in slack.calls_to("chat.postMessage")[0].params
    assert [part_of(m) for m in replies] == list(range(1, 7))
    assert {m["thread_ts"] for m in replies} == {first["ts"]}
    # The channel shows one message; its thread holds the cards.
    history = (await client.conversations_history(channel=CHANNEL)).data
    assert isinstance(history, dict)
    assert [m["ts"] for m in history["messages"]] == [first["ts"]]
    assert history["messages"][0]["reply_count"] == 6


async def test_a_crashed_compact_delivery_resumes_in_the_thread_without_posting_twice(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore
) -> None:
    messages = digest_messages(digest(5), layout="compact")
    slack.slack_error(
        "chat.postMessage",
        "internal_error",
        times=None,
        when=lambda params: params["metadata"]["event_payload"]["part"] == 3,
    )
    first = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-7")
    assert (first.status, first.next_part) == ("failed", 3)
    slack.clear_failures()

    # After a crash a new process asks Slack what is up: the list, and the cards in its thread.
    fresh = SlackPublisher(client, store)
    done = await fresh.posted_parts(CHANNEL, "d-7")
    assert done == {0, 1, 2}
    assert slack.calls_to("conversations.replies")
    second = await fresh.publish(COMPACT, messages, delivery_id="d-7", start_at=max(done) + 1)

    assert (second.status, second.next_part) == ("posted", 6)
    stored = slack.messages_in(CHANNEL)
    assert sorted(part_of(m) for m in stored) == list(range(6))  # every part once
    assert {m["thread_ts"] for m in stored[1:]} == {stored[0]["ts"]}  # resumed cards in the thread too
    assert await fresh.posted_parts(CHANNEL, "d-7") == set(range(6))


async def test_a_list_message_deleted_before_the_resume_leaves_the_cards_in_the_channel(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore
) -> None:
    messages = digest_messages(digest(2), layout="compact")
    result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-9", start_at=1)
    assert result.status == "posted"
    assert all("thread_ts" not in m for m in slack.messages_in(CHANNEL))


def list_text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks"), ensure_ascii=False)


@pytest.mark.parametrize(
    ("locale", "below", "thread"),
    [
        ("en", "follows this message in the channel", "in this message's thread"),
        ("zh", "紧随本消息发在频道中", "在本消息的讨论串中"),
    ],
)
async def test_where_threads_are_refused_the_list_says_its_cards_follow_in_the_channel(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore, locale: str, below: str, thread: str
) -> None:
    # The list went up saying "in this message's thread", then Slack refused the first card
    # (posting permissions without threads): the list is edited before the cards follow it.
    shown = build_digest(big_report(3, "Paper"), RL, builtin_taxonomy(), locale=locale, limit=None)
    messages = digest_messages(shown, layout="compact")
    assert thread in list_text({"blocks": messages[0].blocks})
    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )

    result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-3")

    assert result.status == "posted"
    first, *cards = slack.messages_in(CHANNEL)
    assert below in list_text(first)
    assert thread not in list_text(first)
    assert part_of(first) == 0  # still found by posted_parts
    assert all("thread_ts" not in card for card in cards)
    (update,) = slack.calls_to("chat.update")
    assert update.params["ts"] == first["ts"]
    # Edited before any card reached the channel.
    methods = [call.method for call in slack.calls if call.method in {"chat.postMessage", "chat.update"}]
    assert methods == ["chat.postMessage", "chat.postMessage", "chat.update", *["chat.postMessage"] * 3]
    assert await SlackPublisher(client, store).posted_parts(CHANNEL, "d-3") == {0, 1, 2, 3}


async def test_a_resumed_compact_digest_edits_the_list_of_the_attempt_before(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore
) -> None:
    messages = digest_messages(digest(2), layout="compact")
    await SlackPublisher(client, store).publish(COMPACT, messages[:1], delivery_id="d-4")
    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )

    result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-4", start_at=1)

    assert result.status == "posted"
    first = slack.messages_in(CHANNEL)[0]
    assert "follows this message in the channel" in list_text(first)


async def test_a_list_slack_will_not_edit_still_gets_its_cards(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore, caplog: pytest.LogCaptureFixture
) -> None:
    messages = digest_messages(digest(2), layout="compact")
    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )
    slack.fail("chat.update", Failure(error="cant_update_message"), times=None)

    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-5")

    assert (result.status, len(slack.messages_in(CHANNEL))) == ("posted", 3)
    assert [r for r in caplog.records if "cant_update_message" in r.getMessage()]


async def test_an_image_slack_cannot_fetch_costs_the_image_not_the_card(
    slack: FakeSlack, client: AsyncWebClient, store: SubscriptionStore
) -> None:
    messages = digest_messages(digest(3), images=True)
    # What Slack answers when it cannot download an image_url ("downloading image failed").
    slack.slack_error(
        "chat.postMessage",
        "invalid_blocks",
        times=None,
        when=lambda params: any("accessory" in block for block in params.get("blocks") or []),
    )
    result = await SlackPublisher(client, store).publish(COMPACT, messages, delivery_id="d-3")
    assert result.status == "posted"
    stored = slack.messages_in(CHANNEL)
    assert len(stored) == len(messages)
    assert not [a for m in stored for a in accessories(m["blocks"])]


async def test_a_channel_that_refused_threads_gets_the_next_compact_digest_without_trying_again(
    slack: FakeSlack, store: SubscriptionStore
) -> None:
    """Each compact digest to a channel without threads tried a thread reply, had it refused and
    edited its list: one refused call and an "edited" list every morning. The process remembers
    the refusal: the next digest's list says its cards follow it in the channel, and they do."""
    from handlers.slack.delivery import SlackDigestPublisher
    from handlers.slack.oauth import WorkspaceClients

    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )
    publisher = SlackDigestPublisher(WorkspaceClients(slack.base_url, token=FAKE_TOKEN), store)
    first = await publisher.publish(COMPACT, digest(2), key="d-6", start_at=0)
    assert first.status == "posted"
    assert len(slack.calls_to("chat.update")) == 1
    before = len(slack.calls)

    second = await publisher.publish(COMPACT, digest(2), key="d-7", start_at=0)

    assert second.status == "posted"
    calls = slack.calls[before:]
    assert [call.method for call in calls if call.method.startswith("chat.")] == ["chat.postMessage"] * 3
    assert not [call for call in calls if call.params.get("thread_ts")]
    listing, *cards = slack.messages_in(CHANNEL)[-3:]
    assert "follows this message in the channel" in list_text(listing)
    assert "in this message's thread" not in list_text(listing)
    assert all("thread_ts" not in card for card in cards)
