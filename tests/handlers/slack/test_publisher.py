from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import DividerBlock, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef, Interests, Subscription
from bot.ports import PublishResult
from bot.store.subscriptions import SubscriptionStore
from handlers.slack.messages import DIGEST_EVENT, SlackMessage
from handlers.slack.publisher import (
    CONNECTION_ERROR_RETRIES,
    NO_THREADS,
    PERMANENT_ERRORS,
    RATE_LIMIT_RETRIES,
    SERVER_ERROR_RETRIES,
    WORKSPACE_ERRORS,
    SlackHistoryError,
    SlackPublisher,
    make_client,
    make_session,
    pause_reason,
    retried_while_paused,
)
from tests.handlers.slack.fake_slack import FAKE_TOKEN, Failure, FakeSlack, FakeUser

CHANNEL = "C0DIGEST"
CREATOR = "U0CREATOR"
SUBSCRIPTION = Subscription(
    channel=ChannelRef("slack", "T0FAKE", CHANNEL),
    interests=Interests(("reinforcement-learning",)),
    created_by=CREATOR,
)


def digest(parts: int = 3) -> list[SlackMessage]:
    return [
        SlackMessage(
            f"Daily Papers, part {n + 1}",
            [SectionBlock(text=f"*Part {n + 1}*").to_dict(), DividerBlock().to_dict()],
        )
        for n in range(parts)
    ]


class RecordedSleep:
    """Stands in for asyncio.sleep in the retry handlers: remembers each wait, takes none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=[FakeUser(CREATOR, is_admin=True)]) as fake:
        yield fake


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def client(slack: FakeSlack, sleep: RecordedSleep) -> AsyncWebClient:
    return make_client(FAKE_TOKEN, slack.base_url, retry_sleep=sleep)


@pytest.fixture
async def store(engine: AsyncEngine) -> SubscriptionStore:
    subscriptions = SubscriptionStore(engine)
    await subscriptions.save(SUBSCRIPTION)
    return subscriptions


@pytest.fixture
def publisher(client: AsyncWebClient, store: SubscriptionStore) -> SlackPublisher:
    return SlackPublisher(client, store)


def posts(slack: FakeSlack) -> list[dict[str, Any]]:
    return [call.params for call in slack.calls_to("chat.postMessage", channel=CHANNEL)]


# -- the happy path ----------------------------------------------------------------------------


async def test_posts_every_part_in_order_with_its_metadata(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    result = await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")

    assert result.status == "posted"
    assert result.next_part == 3
    assert result.error is None
    stored = slack.messages_in(CHANNEL)
    assert result.posted == tuple(message["ts"] for message in stored)
    assert [message["text"] for message in stored] == [f"Daily Papers, part {n}" for n in (1, 2, 3)]
    assert len(posts(slack)) == 3
    for n, params in enumerate(posts(slack)):
        assert params["metadata"] == {
            "event_type": DIGEST_EVENT,
            "event_payload": {"delivery_id": "d-1", "part": n, "parts": 3},
        }
        assert params["unfurl_links"] is False
        assert params["unfurl_media"] is False
        assert params["blocks"] == digest(3)[n].blocks
    assert slack.calls_to("chat.postMessage")[0].headers["Authorization"] == f"Bearer {FAKE_TOKEN}"


async def test_start_at_skips_the_parts_already_posted(slack: FakeSlack, publisher: SlackPublisher) -> None:
    result = await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1", start_at=1)

    assert result.status == "posted"
    assert len(result.posted) == 2
    assert [p["metadata"]["event_payload"]["part"] for p in posts(slack)] == [1, 2]


async def test_an_empty_remainder_posts_nothing(slack: FakeSlack, publisher: SlackPublisher) -> None:
    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1", start_at=2)

    assert result == PublishResult("posted", (), 2, parts=2)
    assert slack.calls == []


async def test_start_at_outside_the_digest_is_a_programming_error(publisher: SlackPublisher) -> None:
    with pytest.raises(ValueError, match="start_at"):
        await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1", start_at=3)


# -- retries -----------------------------------------------------------------------------------


async def test_a_429_is_retried_after_retry_after(
    slack: FakeSlack, publisher: SlackPublisher, sleep: RecordedSleep
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=1)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result.status == "posted"
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert len(slack.messages_in(CHANNEL)) == 1
    assert len(sleep.waits) == 1
    assert sleep.waits[0] >= 1.0  # Retry-After is honoured (plus jitter); the wait itself is faked


async def test_a_retry_after_beyond_the_cap_is_left_to_the_outbox(
    slack: FakeSlack, publisher: SlackPublisher, sleep: RecordedSleep
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=600)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    # An outage for the outbox, which waits the Retry-After out without using up an attempt.
    assert result == PublishResult("failed", (), 0, "ratelimited", parts=1, outage=True, retry_after=600)
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert sleep.waits == []


async def test_rate_limited_on_every_attempt_fails_at_that_part(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=0, times=None)

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert result == PublishResult("failed", (), 0, "ratelimited", parts=2, outage=True, retry_after=0)
    assert len(slack.calls_to("chat.postMessage")) == 1 + RATE_LIMIT_RETRIES


async def test_two_503s_then_success(
    slack: FakeSlack, publisher: SlackPublisher, sleep: RecordedSleep
) -> None:
    slack.server_error("chat.postMessage", status=503, times=2)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result.status == "posted"
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert len(sleep.waits) == 2


def part_at_least(first: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: bool(params["metadata"]["event_payload"]["part"] >= first)


async def test_503_forever_fails_at_the_failing_part_and_posts_nothing_after_it(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.server_error("chat.postMessage", status=503, times=None, when=part_at_least(1))

    result = await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")

    assert result.status == "failed"
    assert result.outage  # Slack's, not the channel's: the outbox uses up no attempt on it
    assert result.next_part == 1
    assert result.error == "http_503"  # the 503 came with an HTML body, not Slack's JSON
    assert result.posted == (slack.messages_in(CHANNEL)[0]["ts"],)
    tried = [call.params["metadata"]["event_payload"]["part"] for call in slack.calls_to("chat.postMessage")]
    assert tried == [0] + [1] * (1 + SERVER_ERROR_RETRIES)


async def test_a_failed_digest_resumes_from_next_part_without_reposting(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    messages = digest(3)
    slack.server_error("chat.postMessage", status=500, times=None, when=part_at_least(1))
    first = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-1")
    slack.clear_failures()

    second = await publisher.publish(SUBSCRIPTION, messages, delivery_id="d-1", start_at=first.next_part)

    assert (first.status, second.status) == ("failed", "posted")
    assert len(first.posted) + len(second.posted) == 3
    assert len(slack.messages_in(CHANNEL)) == 3
    assert await publisher.posted_parts(CHANNEL, "d-1") == {0, 1, 2}


async def test_a_dropped_connection_is_not_retried_for_a_post_that_may_have_landed(
    slack: FakeSlack, publisher: SlackPublisher, sleep: RecordedSleep
) -> None:
    slack.disconnect("chat.postMessage")

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert result == PublishResult(
        "failed", (), 0, "connection_error: ServerDisconnectedError", parts=2, outage=True
    )
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert sleep.waits == []


async def test_a_dropped_connection_is_retried_for_a_read(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.disconnect("conversations.history", times=CONNECTION_ERROR_RETRIES)

    assert await publisher.posted_parts(CHANNEL, "d-1") == set()
    assert len(slack.calls_to("conversations.history")) == 1 + CONNECTION_ERROR_RETRIES


async def test_a_refused_connection_is_retried_then_reported(
    store: SubscriptionStore, sleep: RecordedSleep
) -> None:
    async with FakeSlack() as gone:
        url = gone.base_url  # nothing listens here once the fake has stopped
    publisher = SlackPublisher(make_client(FAKE_TOKEN, url, retry_sleep=sleep), store)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert (result.status, result.outage) == ("failed", True)
    assert result.error == "connection_error: ClientConnectorError"
    assert len(sleep.waits) == CONNECTION_ERROR_RETRIES


async def test_a_mix_of_errors_shares_one_retry_budget(slack: FakeSlack, publisher: SlackPublisher) -> None:
    # slack_sdk keeps one attempt counter per request for all its handlers.
    slack.server_error("chat.postMessage", times=SERVER_ERROR_RETRIES)
    slack.rate_limit("chat.postMessage", retry_after=0, times=None)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result.error == "ratelimited"
    assert len(slack.calls_to("chat.postMessage")) == 1 + max(RATE_LIMIT_RETRIES, SERVER_ERROR_RETRIES)


async def test_a_non_permanent_slack_error_fails_without_pausing(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    slack.slack_error("chat.postMessage", "msg_blocks_too_long")

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert result == PublishResult("failed", (), 0, "msg_blocks_too_long", parts=2)
    assert len(slack.calls_to("chat.postMessage")) == 1
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert not stored.paused


async def test_a_body_that_is_not_json_is_recorded_by_its_status_not_as_a_crash(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    """A truncated JSON answer reaches slack_sdk's error with the raw aiohttp response (no
    `data`): it was recorded as "AttributeError: … has no attribute 'data'"."""
    slack.fail("chat.postMessage", Failure(status=200, body='{"ok": tr', content_type="application/json"))

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert (result.status, result.error, result.outage) == ("failed", "not_json_http_200", False)


@pytest.mark.parametrize("error", ["internal_error", "fatal_error", "service_unavailable", "request_timeout"])
async def test_slacks_own_words_for_an_outage_are_an_outage(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore, error: str
) -> None:
    """Slack says some of its outages in a 200 ({"ok": false, "error": "internal_error"}): they say
    nothing about the channel either."""
    slack.slack_error("chat.postMessage", error, when=part_at_least(1))

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert (result.status, result.error, result.outage, result.next_part) == ("failed", error, True, 1)
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert not stored.paused


# -- permanent errors --------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PERMANENT_ERRORS))
async def test_a_permanent_error_pauses_the_subscription_and_stops(
    code: str,
    slack: FakeSlack,
    publisher: SlackPublisher,
    store: SubscriptionStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack.slack_error("chat.postMessage", code, times=None, channel=CHANNEL, when=part_at_least(1))

    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        result = await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")

    assert result.status == "paused"
    assert (result.next_part, result.error, len(result.posted)) == (1, code, 1)
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason is not None
    assert code in stored.paused_reason
    tried = [
        call.params["metadata"]["event_payload"]["part"]
        for call in slack.calls_to("chat.postMessage", channel=CHANNEL)
    ]
    assert tried == [0, 1]  # a permanent error is not retried, and part 2 is never tried
    warnings = [r for r in caplog.records if r.name == "paperbot.slack" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert code in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("not_in_channel", "/invite @paperbot"),
        ("channel_not_found", "/invite @paperbot"),
        ("is_archived", "unarchive"),
    ],
)
async def test_a_channel_error_dms_the_creator_once_with_what_to_do(
    code: str, advice: str, slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.slack_error("chat.postMessage", code, times=None, channel=CHANNEL)

    await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")

    dms = slack.calls_to("chat.postMessage", channel=CREATOR)
    assert len(dms) == 1
    text = str(dms[0].params["text"])
    assert f"<#{CHANNEL}>" in text
    assert code in text
    assert advice in text
    assert "/paper subscribe" in text
    assert slack.messages_in(slack.dm_channel(CREATOR))[0]["text"] == text


async def test_the_dm_follows_the_channels_language(
    slack: FakeSlack, store: SubscriptionStore, client: AsyncWebClient
) -> None:
    chinese = replace(SUBSCRIPTION, locale="zh")
    await store.save(chinese)
    slack.slack_error("chat.postMessage", "not_in_channel", channel=CHANNEL)

    await SlackPublisher(client, store).publish(chinese, digest(1), delivery_id="d-1")

    assert "暂停" in str(slack.calls_to("chat.postMessage", channel=CREATOR)[0].params["text"])
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused_reason is not None
    assert "/invite @paperbot" in stored.paused_reason


@pytest.mark.parametrize("code", sorted(WORKSPACE_ERRORS))
async def test_a_workspace_token_error_sends_no_dm_that_could_not_work(
    code: str, slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.slack_error("chat.postMessage", code, channel=CHANNEL)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result.status == "paused"
    assert slack.calls_to("chat.postMessage", channel=CREATOR) == []


async def test_a_real_invalid_token_pauses(slack: FakeSlack, store: SubscriptionStore) -> None:
    publisher = SlackPublisher(make_client("xoxb-revoked", slack.base_url), store)

    result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result == PublishResult("paused", (), 0, "invalid_auth", parts=1)
    assert slack.messages_in(CHANNEL) == []


@pytest.mark.parametrize("creator", [None, "", "someone@example.com", "B0BOT", "console"])
async def test_no_dm_without_a_slack_user_to_send_it_to(
    creator: str | None, slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    subscription = replace(SUBSCRIPTION, created_by=creator)
    slack.slack_error("chat.postMessage", "not_in_channel", channel=CHANNEL)

    result = await publisher.publish(subscription, digest(1), delivery_id="d-1")

    assert result.status == "paused"
    assert len(slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("failure", ["error", "503", "disconnect"])
async def test_a_failed_dm_is_logged_not_raised(
    failure: str,
    slack: FakeSlack,
    publisher: SlackPublisher,
    store: SubscriptionStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack.slack_error("chat.postMessage", "is_archived", channel=CHANNEL)
    if failure == "error":
        slack.slack_error("chat.postMessage", "cannot_dm_bot", channel=CREATOR)
    elif failure == "503":
        slack.server_error("chat.postMessage", channel=CREATOR, times=None)
    else:
        slack.disconnect("chat.postMessage", channel=CREATOR)

    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        result = await publisher.publish(SUBSCRIPTION, digest(1), delivery_id="d-1")

    assert result.status == "paused"
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused
    assert any(CREATOR in record.getMessage() for record in caplog.records)


# -- posted_parts ------------------------------------------------------------------------------


async def test_posted_parts_finds_one_deliverys_parts_only(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.seed_message(CHANNEL, "chatter before")
    await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="yesterday")
    await publisher.publish(SUBSCRIPTION, digest(3)[:2], delivery_id="today")
    slack.seed_message(CHANNEL, "chatter between")
    slack.seed_message(
        CHANNEL, "another app", metadata={"event_type": "other_app", "event_payload": {"part": 7}}
    )
    slack.seed_message(
        CHANNEL,
        "forged part",
        metadata={"event_type": DIGEST_EVENT, "event_payload": {"delivery_id": "today", "part": "2"}},
    )

    assert await publisher.posted_parts(CHANNEL, "today") == {0, 1}
    assert await publisher.posted_parts(CHANNEL, "yesterday") == {0, 1}
    assert await publisher.posted_parts(CHANNEL, "never") == set()
    history = slack.calls_to("conversations.history")[0].params
    assert history["include_all_metadata"] == "1"  # slack_sdk sends booleans in GET params as 0/1


async def test_posted_parts_honours_oldest(slack: FakeSlack, publisher: SlackPublisher) -> None:
    early = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    parts = await publisher.posted_parts(CHANNEL, "d-1", oldest=float(early.posted[0]))

    assert parts == {1}  # oldest is exclusive, as on Slack


async def test_posted_parts_pages_through_history(
    slack: FakeSlack, publisher: SlackPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.slack.publisher.HISTORY_PAGE_SIZE", 2)
    await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")
    for n in range(3):
        slack.seed_message(CHANNEL, f"chatter {n}")

    assert await publisher.posted_parts(CHANNEL, "d-1") == {0, 1, 2}
    assert len(slack.calls_to("conversations.history")) == 3


async def test_posted_parts_stops_after_a_bounded_number_of_pages(
    slack: FakeSlack, publisher: SlackPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.slack.publisher.HISTORY_PAGE_SIZE", 1)
    monkeypatch.setattr("handlers.slack.publisher.HISTORY_MAX_PAGES", 2)
    await publisher.publish(SUBSCRIPTION, digest(3), delivery_id="d-1")

    assert await publisher.posted_parts(CHANNEL, "d-1") == {1, 2}  # newest first, two pages
    assert len(slack.calls_to("conversations.history")) == 2


async def test_posted_parts_raises_when_history_cannot_be_read(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    slack.slack_error("conversations.history", "missing_scope")

    with pytest.raises(SlackHistoryError, match="missing_scope"):
        await publisher.posted_parts(CHANNEL, "d-1")


# -- the fake itself ---------------------------------------------------------------------------


async def test_the_fake_rejects_more_than_50_blocks(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=FAKE_TOKEN, base_url=slack.base_url)
    blocks = [DividerBlock().to_dict() for _ in range(51)]

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=CHANNEL, text="too many", blocks=blocks)

    assert caught.value.response["error"] == "invalid_blocks"
    assert slack.messages_in(CHANNEL) == []
    await client.chat_postMessage(channel=CHANNEL, text="just right", blocks=blocks[:50])
    assert len(slack.messages_in(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"channel": CHANNEL}, "no_text"),
        ({"channel": CHANNEL, "text": "x", "blocks": [{"type": "section"}]}, "invalid_blocks"),
        ({"channel": CHANNEL, "text": "x", "blocks": [{"type": "no_such_block"}]}, "invalid_blocks"),
        (
            {
                "channel": CHANNEL,
                "text": "x",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}],
            },
            "invalid_blocks",
        ),
        (
            {
                "channel": CHANNEL,
                "text": "x",
                "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            },
            "invalid_blocks",
        ),
        (
            {"channel": CHANNEL, "text": "x", "blocks": [SectionBlock(text="z" * 2900).to_dict()] * 5},
            "msg_blocks_too_long",
        ),
        ({"channel": CHANNEL, "text": "x", "metadata": {"event_type": "e"}}, "invalid_metadata_format"),
    ],
)
async def test_the_fake_validates_message_payloads_like_slack(
    payload: dict[str, Any], error: str, slack: FakeSlack
) -> None:
    client = AsyncWebClient(token=FAKE_TOKEN, base_url=slack.base_url)

    # api_call sends the payload as given (chat_postMessage would warn about a missing text).
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("chat.postMessage", json=payload)

    assert caught.value.response["error"] == error


async def test_the_fake_accepts_form_encoded_calls_and_decodes_their_json(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=FAKE_TOKEN, base_url=slack.base_url)
    blocks = [SectionBlock(text="hi").to_dict()]

    await client.api_call(
        "chat.postMessage", data={"channel": CHANNEL, "text": "hi", "blocks": json.dumps(blocks)}
    )

    assert slack.calls[0].params["blocks"] == blocks
    assert slack.messages_in(CHANNEL)[0]["blocks"] == blocks


async def test_the_fake_checks_the_token(slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url)

    with pytest.raises(SlackApiError) as caught:
        await client.auth_test()

    assert caught.value.response["error"] == "invalid_auth"


async def test_the_fake_answers_the_other_methods(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=FAKE_TOKEN, base_url=slack.base_url)

    assert (await client.auth_test())["user_id"] == slack.bot_user_id
    user = (await client.users_info(user=CREATOR, include_locale=True))["user"]
    assert (user["is_admin"], user["locale"]) == (True, "en-US")
    assert "locale" not in (await client.users_info(user=CREATOR))["user"]
    posted = await client.chat_postMessage(channel=CHANNEL, text="v1")
    await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2")
    assert slack.messages_in(CHANNEL)[0]["text"] == "v2"
    link = await client.chat_getPermalink(channel=CHANNEL, message_ts=posted["ts"])
    assert CHANNEL in link["permalink"]
    assert (await client.chat_postEphemeral(channel=CHANNEL, user=CREATOR, text="psst"))["message_ts"]
    assert len(slack.messages_in(CHANNEL)) == 1  # ephemeral messages stay out of history
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Subscribe"},
        "blocks": [SectionBlock(text="Pick topics").to_dict()],
    }
    assert (await client.views_open(trigger_id="t.1", view=modal))["view"]["type"] == "modal"
    home = {"type": "home", "blocks": [SectionBlock(text="Home").to_dict()]}
    assert (await client.views_publish(user_id=CREATOR, view=home))["ok"]
    with pytest.raises(SlackApiError):
        await client.views_open(
            trigger_id="t.2", view={"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}}
        )


async def test_the_fake_gives_increasing_unique_ts() -> None:
    frozen = FakeSlack(clock=lambda: 1_700_000_000.0)
    async with frozen:
        client = AsyncWebClient(token=FAKE_TOKEN, base_url=frozen.base_url)
        stamps = [(await client.chat_postMessage(channel=CHANNEL, text=str(n)))["ts"] for n in range(3)]

    assert stamps == ["1700000000.000000", "1700000000.000001", "1700000000.000002"]


async def test_the_shared_session_sends_what_was_written(slack: FakeSlack, store: SubscriptionStore) -> None:
    # make_session encodes bodies with orjson: Chinese, emoji and quotes arrive as written.
    text = '强化学习 "RL" 🚀 <&>'
    message = SlackMessage(text, [SectionBlock(text=text).to_dict()])
    async with make_session() as session:
        publisher = SlackPublisher(make_client(FAKE_TOKEN, slack.base_url, session=session), store)
        result = await publisher.publish(SUBSCRIPTION, [message], delivery_id="d-9")
    assert result.status == "posted"
    [stored] = slack.messages_in(CHANNEL)
    assert stored["text"] == text
    assert stored["blocks"][0]["text"]["text"] == text


@pytest.mark.parametrize(
    ("root", "expected"), [(logging.WARNING, logging.INFO), (logging.DEBUG, logging.DEBUG)]
)
def test_the_client_logger_formats_payloads_only_when_debugging(root: int, expected: int) -> None:
    # slack_sdk builds its debug line (the whole payload) whenever its logger's own level is
    # DEBUG or unset; the client's logger gets an explicit level from the root's.
    sdk_logger, root_logger = logging.getLogger("slack_sdk.web.async_client"), logging.getLogger()
    levels = sdk_logger.level, root_logger.level
    sdk_logger.setLevel(logging.NOTSET)  # setLevel, not assignment: it also clears level caches
    root_logger.setLevel(root)
    try:
        client = make_client(FAKE_TOKEN)
        assert client.logger is sdk_logger
        assert sdk_logger.level == expected
    finally:
        sdk_logger.setLevel(levels[0])
        root_logger.setLevel(levels[1])


async def test_the_shared_session_has_explicit_timeouts() -> None:
    # slack_sdk's own `timeout` never reaches a session it did not create (aiohttp's default is
    # 300 s in total): the session every delivery pass shares carries the bound itself.
    from handlers.slack.publisher import REQUEST_TIMEOUT_SECONDS, SESSION_TIMEOUT

    async with make_session() as session:
        assert session.timeout == SESSION_TIMEOUT
    assert SESSION_TIMEOUT.total == REQUEST_TIMEOUT_SECONDS
    assert SESSION_TIMEOUT.connect is not None
    assert SESSION_TIMEOUT.sock_read is not None


@pytest.mark.parametrize(
    "code",
    ["restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel"],
)
async def test_a_channel_closed_to_paperbots_posts_pauses_instead_of_failing_every_day(
    code: str, slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    # An admin made the channel read-only ("only admins can post"): no retry can post there, as
    # with Discord's Missing Permissions. It was retried six times a day, every day.
    slack.slack_error("chat.postMessage", code, times=None, channel=CHANNEL)

    result = await publisher.publish(SUBSCRIPTION, digest(2), delivery_id="d-1")

    assert (result.status, result.error) == ("paused", code)
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason is not None
    assert code in stored.paused_reason
    assert "Manage posting permissions" in stored.paused_reason
    dm = str(slack.calls_to("chat.postMessage", channel=CREATOR)[0].params["text"])
    assert "may not post" in dm
    assert "resumes by itself" in dm


async def paused_for(store: SubscriptionStore, code: str, locale: str = "en") -> Subscription:
    await store.set_paused(SUBSCRIPTION.channel, True, pause_reason(code, locale))
    paused = await store.get(SUBSCRIPTION.channel)
    assert paused is not None
    return paused


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_a_channel_paused_for_posting_permissions_resumes_with_the_first_post_slack_takes(
    locale: str, slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    paused = await paused_for(store, "restricted_action_read_only_channel", locale)
    assert retried_while_paused(paused.paused_reason)

    result = await publisher.publish(paused, digest(2), delivery_id="d-1")

    assert result.status == "posted"
    resumed = await store.get(SUBSCRIPTION.channel)
    assert resumed is not None
    assert (resumed.paused, resumed.paused_reason) == (False, None)


async def test_refused_again_it_stays_paused_as_it_was_and_nobody_is_dmed(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    paused = await paused_for(store, "restricted_action")
    slack.slack_error("chat.postMessage", "restricted_action_read_only_channel", times=None, channel=CHANNEL)

    result = await publisher.publish(paused, digest(2), delivery_id="d-1")

    assert (result.status, result.creator_told) == ("paused", False)
    assert await store.get(SUBSCRIPTION.channel) == paused
    assert not slack.calls_to("chat.postMessage", channel=CREATOR)


async def test_resumed_by_its_first_part_and_refused_at_the_next_it_is_paused_again(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    # Part 0 went up (the channel resumed), part 1 was refused: the refusal was taken for the
    # pause the pass began with, which the post had just ended, so the channel stayed resumed
    # with nobody told, and its next digest was tried as a working channel's.
    paused = await paused_for(store, "restricted_action")
    slack.slack_error(
        "chat.postMessage",
        "restricted_action",
        times=None,
        channel=CHANNEL,
        when=lambda params: params["metadata"]["event_payload"]["part"] == 1,
    )

    result = await publisher.publish(paused, digest(2), delivery_id="d-1")

    assert (result.status, len(result.posted)) == ("paused", 1)
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused
    assert retried_while_paused(stored.paused_reason)


async def test_a_pause_for_another_cause_meanwhile_is_not_undone(
    publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    paused = await paused_for(store, "restricted_action")
    await store.set_paused(SUBSCRIPTION.channel, True, pause_reason("is_archived", "en"))  # archived since

    await publisher.publish(paused, digest(1), delivery_id="d-1")

    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert stored.paused
    assert not retried_while_paused(stored.paused_reason)


async def test_refused_after_a_pause_for_another_cause_meanwhile_that_pause_stands(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore
) -> None:
    paused = await paused_for(store, "restricted_action")
    archived = pause_reason("is_archived", "en")
    await store.set_paused(SUBSCRIPTION.channel, True, archived)  # archived since the pass began
    slack.slack_error("chat.postMessage", "restricted_action", times=None, channel=CHANNEL)

    result = await publisher.publish(paused, digest(1), delivery_id="d-1")

    assert (result.status, result.creator_told) == ("paused", False)
    stored = await store.get(SUBSCRIPTION.channel)
    assert stored is not None
    assert (stored.paused, stored.paused_reason) == (True, archived)
    assert not slack.calls_to("chat.postMessage", channel=CREATOR)


def test_only_pauses_for_posting_permissions_are_tried_again() -> None:
    for locale in ("en", "zh"):
        for code in (
            "restricted_action",
            "restricted_action_read_only_channel",
            "restricted_action_thread_only_channel",
        ):
            assert retried_while_paused(pause_reason(code, locale))
        for code in (
            "not_in_channel",
            "channel_not_found",
            "is_archived",
            "token_revoked",
            "channel_deleted",
        ):
            assert not retried_while_paused(pause_reason(code, locale))
    assert not retried_while_paused(None)
    # A reason stored before the cure was reworded (the tenth pass's) is still recognised.
    assert retried_while_paused(
        "paperbot may not post in this channel (only some members may post there) "
        "(Slack: restricted_action). To resume, let paperbot post there: …, "
        "then run `/paper subscribe …` there again."
    )


def compact(cards: int = 3) -> list[SlackMessage]:
    """A compact digest: the list, then a card per paper in its thread."""
    head = SlackMessage("Daily Papers, the list", [SectionBlock(text="*The list*").to_dict()])
    return [head] + [
        SlackMessage(f"Card {n + 1}", [SectionBlock(text=f"*Card {n + 1}*").to_dict()], thread=True)
        for n in range(cards)
    ]


async def test_a_channel_that_allows_no_threads_gets_the_cards_in_the_channel(
    slack: FakeSlack, publisher: SlackPublisher, store: SubscriptionStore, caplog: pytest.LogCaptureFixture
) -> None:
    # Posting permissions without threads: Slack refuses every thread reply. The cards were
    # retried six times a day and never posted (the list alone came); they now follow it.
    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )

    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        result = await publisher.publish(SUBSCRIPTION, compact(3), delivery_id="d-1")

    assert (result.status, result.error, len(result.posted)) == ("posted", None, 4)
    stored = slack.messages_in(CHANNEL)
    assert [m["text"] for m in stored] == ["Daily Papers, the list", "Card 1", "Card 2", "Card 3"]
    assert all(not m.get("thread_ts") for m in stored)
    assert [m["metadata"]["event_payload"]["part"] for m in stored] == [0, 1, 2, 3]
    # One refused reply, not one per card; said once.
    assert len([c for c in slack.calls_to("chat.postMessage") if c.params.get("thread_ts")]) == 1
    assert len([r for r in caplog.records if "takes no thread replies" in r.getMessage()]) == 1
    subscription = await store.get(SUBSCRIPTION.channel)
    assert subscription is None or not subscription.paused


async def test_resuming_a_compact_digest_where_threads_are_refused(
    slack: FakeSlack, publisher: SlackPublisher
) -> None:
    # An attempt from before: the list is up; the cards still go, in the channel.
    await publisher.publish(SUBSCRIPTION, compact(2)[:1], delivery_id="d-2")
    slack.fail(
        "chat.postMessage", Failure(error=NO_THREADS), times=None, when=lambda p: bool(p.get("thread_ts"))
    )

    result = await publisher.publish(SUBSCRIPTION, compact(2), delivery_id="d-2", start_at=1)

    assert result.status == "posted"
    assert [m["text"] for m in slack.messages_in(CHANNEL)] == ["Daily Papers, the list", "Card 1", "Card 2"]
