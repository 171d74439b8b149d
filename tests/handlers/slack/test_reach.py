"""`/paper subscribe` (and `list`, `schedule`, `cadence` in a subscribed channel) in a Slack
conversation paperbot cannot post in says so at once.

Slack answers a slash command anywhere, but a digest needs paperbot in the channel: the reply
says why it cannot post there (conversations.info, through the loopback double) and the
subscription is made all the same; when Slack does not answer, nothing extra is said.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pytest
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import t
from bot.models import ChannelRef
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from handlers.slack.app import SlackEdge
from handlers.slack.messages import DIGEST_EVENT
from handlers.slack.publisher import pause_notice, pause_reason
from handlers.slack.reach import HIDDEN, NOT_MEMBER
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.test_app import CHINESE, MEMBER, TEAM, bolt_app, edge, slack
from tests.handlers.slack.test_personal import AFTER_THE_REPORT, deliverer, typed

__all__ = ["edge", "slack"]  # the fixtures, shared with test_app

PUBLIC, PRIVATE, GROUP_DM, SHARED = "C0PUBLIC", "C0SECRET", "C0GROUPDM", "C0CONNECT"


async def subscribe_in(
    app: AsyncApp, slack: FakeSlack, channel: str, text: str = "subscribe RL", user: str = MEMBER.id
) -> str:
    return await typed(app, slack, text, user=user, channel=channel)


async def subscribed(edge: SlackEdge, channel: str) -> bool:
    subscription = await edge.store.get(ChannelRef("slack", TEAM, channel))
    return subscription is not None and bool(subscription.interests)


async def test_a_public_channel_paperbot_is_not_in_is_told_to_invite_it(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    slack.join(PUBLIC, MEMBER.id)
    text = await subscribe_in(bolt_app(edge, slack), slack, PUBLIC)
    assert text == (
        "Subscribed. This channel now follows: reinforcement learning. Digest daily at 09:00 (UTC). "
        "Note: paperbot is not in this channel yet, so it cannot post the digest here. "
        "Type `/invite @paperbot` here, or the digest will be paused at its first delivery."
    )
    assert await subscribed(edge, PUBLIC)  # the subscription stands: an invite is all it takes


async def test_the_note_is_in_the_callers_language(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PUBLIC, CHINESE.id)
    text = await subscribe_in(bolt_app(edge, slack), slack, PUBLIC, "订阅 强化学习", user=CHINESE.id)
    # As docs/slack.md shows it.
    assert text == (
        "订阅成功。本频道现在订阅：强化学习。每天 09:00（UTC）推送日报。注意：paperbot 还不在本频道中，"
        "暂时无法在这里发送日报。请在这里输入 `/invite @paperbot` 邀请它，否则日报会在首次推送时被暂停。"
    )


async def test_a_private_channel_paperbot_was_not_invited_to(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PRIVATE, MEMBER.id, private=True)  # Slack hides it from paperbot: channel_not_found
    text = await subscribe_in(bolt_app(edge, slack), slack, PRIVATE)
    assert text.startswith("Subscribed.")
    assert "paperbot cannot see this conversation" in text
    assert "In a private channel, type `/invite @paperbot` here." in text
    assert await subscribed(edge, PRIVATE)


async def test_a_group_dm(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.describe(GROUP_DM, mpim=True)  # paperbot has no mpim:read: missing_scope, needing it
    text = await subscribe_in(bolt_app(edge, slack), slack, GROUP_DM)
    assert "or a group DM" in text
    assert "paperbot cannot join a group DM" in text


async def test_an_archived_channel(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PUBLIC, MEMBER.id, slack.bot_user_id)
    slack.describe(PUBLIC, archived=True)
    text = await subscribe_in(bolt_app(edge, slack), slack, PUBLIC)
    assert "this channel is archived" in text
    assert "Unarchive it" in text


async def test_a_slack_connect_channel_needs_the_invite_too(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(SHARED, MEMBER.id)
    slack.describe(SHARED, ext_shared=True)
    app = bolt_app(edge, slack)
    assert "Type `/invite @paperbot` here" in await subscribe_in(app, slack, SHARED)
    slack.join(SHARED, slack.bot_user_id)
    again = await subscribe_in(app, slack, SHARED, "subscribe agents")
    assert "Note:" not in again


async def test_where_paperbot_is_a_member_the_reply_is_unchanged(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PRIVATE, MEMBER.id, slack.bot_user_id, private=True)
    text = await subscribe_in(bolt_app(edge, slack), slack, PRIVATE)
    assert text.startswith("Subscribed.")
    assert "Note:" not in text
    assert len(slack.calls_to("conversations.info", channel=PRIVATE)) == 1


async def test_a_resubscribe_while_still_not_invited_says_it_again(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PUBLIC, MEMBER.id)
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC)
    again = await subscribe_in(app, slack, PUBLIC)  # "Nothing new": still cannot post
    assert again.startswith("Nothing new")
    assert "`/invite @paperbot`" in again


async def test_only_an_accepted_subscribe_asks_slack(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PUBLIC, MEMBER.id)
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC, "subscribe")  # its usage line: nothing subscribed
    await subscribe_in(app, slack, PUBLIC, "help")
    await subscribe_in(app, slack, PUBLIC, "list")
    assert slack.calls_to("conversations.info") == []


async def test_a_readers_own_dm_is_not_asked_about(edge: SlackEdge, slack: FakeSlack) -> None:
    dm = slack.dm_channel(MEMBER.id)
    text = await subscribe_in(bolt_app(edge, slack), slack, dm)
    assert text.startswith("Subscribed. Your personal digest")
    assert slack.calls_to("conversations.info") == []


@pytest.mark.parametrize("trouble", ["ratelimited", "server_error", "disconnect", "slow"])
async def test_when_slack_does_not_say_the_subscription_is_answered_as_usual(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture, trouble: str
) -> None:
    slack.join(PUBLIC, MEMBER.id)  # paperbot is not in it, but Slack will not tell
    if trouble == "ratelimited":
        slack.slack_error("conversations.info", "ratelimited", times=None)
    elif trouble == "server_error":  # after the client's own retries too
        slack.server_error("conversations.info", times=None)
    elif trouble == "disconnect":
        slack.disconnect("conversations.info", times=None)
    else:
        edge.user_lookup_seconds = 0.2
        slack.delay("conversations.info", 1)
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        text = await subscribe_in(bolt_app(edge, slack), slack, PUBLIC)
    assert text.startswith("Subscribed. This channel now follows: reinforcement learning.")
    assert "Note:" not in text
    assert await subscribed(edge, PUBLIC)
    assert any("conversations.info" in record.getMessage() for record in caplog.records)


# -- replies that promise the digest: list, schedule, cadence ----------------------------------


async def test_list_in_a_subscribed_channel_paperbot_is_not_in_says_so(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    slack.join(PUBLIC, MEMBER.id)
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC)
    text = await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)
    # As docs/slack.md shows it: the list's lines, then the note on a line of its own.
    assert text == (
        "This channel follows: reinforcement learning\n"
        "Digest daily at 09:00 (UTC). Language: English.\n"
        "Note: paperbot is not in this channel yet, so it cannot post the digest here. "
        "Type `/invite @paperbot` here, or the digest will be paused at its first delivery."
    )


async def test_list_says_it_in_the_callers_language(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PRIVATE, CHINESE.id, private=True)  # hidden from paperbot: channel_not_found
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PRIVATE, "订阅 强化学习", user=CHINESE.id)
    text = await typed(app, slack, "列表", user=CHINESE.id, channel=PRIVATE)
    # As docs/slack.md shows it.
    assert text == "本频道订阅：强化学习\n每天 09:00（UTC）推送日报。语言：中文。\n" + t(HIDDEN, "zh")


@pytest.mark.parametrize(
    ("command", "said"),
    [("schedule 08:30", "Digest time set: daily at 08:30 (UTC)."), ("cadence weekdays", "Digest")],
)
async def test_a_new_time_or_cadence_says_it_too(
    edge: SlackEdge, slack: FakeSlack, command: str, said: str
) -> None:
    slack.join(PUBLIC, MEMBER.id)
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC)
    text = await typed(app, slack, command, user=MEMBER.id, channel=PUBLIC)
    assert text.startswith(said)
    assert text.endswith(" " + t(NOT_MEMBER, "en"))


async def test_list_where_paperbot_is_a_member_is_unchanged(edge: SlackEdge, slack: FakeSlack) -> None:
    slack.join(PUBLIC, MEMBER.id, slack.bot_user_id)
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC)
    text = await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)
    assert (
        text
        == "This channel follows: reinforcement learning\nDigest daily at 09:00 (UTC). Language: English."
    )
    assert len(slack.calls_to("conversations.info", channel=PUBLIC)) == 2  # subscribe, then list


async def test_list_asks_only_where_a_digest_is_to_come(edge: SlackEdge, slack: FakeSlack) -> None:
    # Nothing followed, or paused (the reason, shown, says what to do): no digest is promised.
    slack.join(PUBLIC, MEMBER.id)
    slack.join(SHARED, MEMBER.id)
    app = bolt_app(edge, slack)
    assert (await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)).startswith(
        "This channel follows nothing"
    )
    await subscribe_in(app, slack, SHARED)
    ref = ChannelRef("slack", TEAM, SHARED)
    await edge.store.set_paused(ref, True, pause_reason("not_in_channel", "en"))
    asked = len(slack.calls_to("conversations.info"))
    text = await typed(app, slack, "list", user=MEMBER.id, channel=SHARED)
    assert "\nPaused: paperbot is not a member of the channel" in text
    assert "Note:" not in text
    assert len(slack.calls_to("conversations.info")) == asked
    assert slack.calls_to("conversations.info", channel=PUBLIC) == []


@pytest.mark.parametrize("trouble", ["ratelimited", "server_error", "disconnect", "slow"])
async def test_when_slack_does_not_say_list_is_answered_as_usual_and_logged_once(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture, trouble: str
) -> None:
    slack.join(PUBLIC, MEMBER.id)  # paperbot is not in it, but Slack will not tell
    app = bolt_app(edge, slack)
    await subscribe_in(app, slack, PUBLIC)
    if trouble == "ratelimited":  # HTTP 429, after the client's own retries
        slack.rate_limit("conversations.info", retry_after=0, times=None)
    elif trouble == "server_error":
        slack.server_error("conversations.info", times=None)
    elif trouble == "disconnect":
        slack.disconnect("conversations.info", times=None)
    else:
        edge.user_lookup_seconds = 0.2
        slack.delay("conversations.info", 1)
    with caplog.at_level(logging.WARNING, logger="paperbot.slack"):
        text = await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)
    assert (
        text
        == "This channel follows: reinforcement learning\nDigest daily at 09:00 (UTC). Language: English."
    )
    said = [r for r in caplog.records if "conversations.info" in r.getMessage()]
    assert len(said) == 1


# -- posting permissions: seen only when Slack refuses the first digest ------------------------


async def test_a_channel_only_some_may_post_in_pauses_at_its_first_digest_with_the_cure_and_resumes(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    # paperbot is in the channel, so nothing can be said at subscribe time (conversations.info
    # documents nothing of posting permissions); the first digest is refused and names the cure.
    slack.join(PUBLIC, MEMBER.id, slack.bot_user_id)
    app = bolt_app(edge, slack)
    assert "Note:" not in await subscribe_in(app, slack, PUBLIC)
    slack.slack_error("chat.postMessage", "restricted_action_read_only_channel", times=None, channel=PUBLIC)
    job = deliverer(engine, slack)
    await job.run_pass(AFTER_THE_REPORT, force=True)

    ref = ChannelRef("slack", TEAM, PUBLIC)
    stored = await edge.store.get(ref)
    assert stored is not None
    assert stored.paused
    [dm] = [c.params["text"] for c in slack.calls_to("chat.postMessage", channel=MEMBER.id)]
    assert dm == (
        f"I paused the paperbot digest for <#{PUBLIC}>: paperbot may not post in this channel (only some "
        "members may post there) (Slack: `restricted_action_read_only_channel`).\n"
        "To resume it, let paperbot post there: in the channel's details, More → Manage posting permissions "
        "(only whoever set them, or a workspace owner or admin, can change them); paperbot tries each "
        "digest at its usual time and resumes by itself once it may post."
    )
    listed = await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)
    assert "\nPaused: paperbot may not post in this channel" in listed
    assert "More → Manage posting permissions" in listed

    # The admin lets paperbot post: the next digest comes and resumes the channel, nobody subscribes again.
    slack.clear_failures()
    report = await LocalSource(SAMPLE_REPORT).read()
    await Archive(engine).ingest(replace(report, date=report.date + dt.timedelta(days=1)))
    await job.run_pass(AFTER_THE_REPORT + dt.timedelta(days=1), force=True)
    assert [m for m in slack.messages_in(PUBLIC) if m["metadata"]["event_type"] == DIGEST_EVENT]
    assert "Paused" not in await typed(app, slack, "list", user=MEMBER.id, channel=PUBLIC)


def test_the_cure_is_named_in_both_languages() -> None:
    for locale, where, itself in (
        ("en", "Manage posting permissions", "resumes by itself"),
        ("zh", "管理发帖权限", "自动恢复"),
    ):
        for code in ("restricted_action", "restricted_action_read_only_channel"):
            reason = pause_reason(code, locale)
            assert where in reason
            assert itself in reason  # nobody need subscribe again: each digest is tried
            assert code in reason


def test_the_dm_reads_as_docs_slack_md_shows_it_in_chinese() -> None:
    assert pause_notice("restricted_action_read_only_channel", "C0PAPERS", "zh") == (
        "我已暂停 <#C0PAPERS> 的 paperbot 日报：paperbot 无权在该频道发消息（该频道只允许部分成员发言）"
        "（Slack：`restricted_action_read_only_channel`）。\n"
        "恢复方法：请在频道详情中打开“更多 → 管理发帖权限”（Manage posting permissions；"
        "只有设置者、工作区所有者或管理员可以更改），允许 paperbot 在该频道发消息；"
        "paperbot 会在每期日报的时间重试，一旦可以发消息便自动恢复。"
    )
