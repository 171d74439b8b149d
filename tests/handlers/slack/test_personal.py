"""Personal digests on Slack (issue 19, part 1), over the wire to the loopback Slack double.

A reader types `/paper subscribe …` in the app's Messages tab: Slack sends the slash command with
the DM's D… channel id; paperbot checks with conversations.open that this is the caller's own DM
with the app, stores a personal subscription, and a delivery pass posts the digest into that DM
through the ordinary outbox and publisher. Votes there tune only that DM's digest; a reader who
leaves the workspace (user_change, deleted) pauses it and the operator, not the reader, is told.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy, Notices
from bot.models import ChannelRef, Interests, Subscription
from bot.ports import Recipient
from bot.store.archive import Archive
from bot.store.notices import NoticeStore
from bot.store.outbox import Outbox
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import VoteStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.app import Readable, SlackEdge, build_app, home_view
from handlers.slack.blocks import VOTE_UP_ACTION
from handlers.slack.delivery import SlackDigestPublisher
from handlers.slack.messages import DIGEST_EVENT
from handlers.slack.oauth import WorkspaceClients
from handlers.slack.publisher import make_client
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack, FakeUser
from tests.handlers.slack.test_app import SECRET, dispatch
from tests.handlers.slack.test_app import edge as edge
from tests.handlers.slack.test_lifecycle import send_event
from tests.waiting import until

TEAM = "T0FAKE"
READER = FakeUser("U0READER", locale="en-US")
OTHER = FakeUser("U0OTHER", locale="zh-CN")
ADMIN = FakeUser("U0ADMIN", is_admin=True)
READER_DM = FakeSlack.dm_channel(READER.id)  # D0READER: the reader's Messages tab
PERSONAL = ChannelRef("slack", TEAM, READER_DM)
CHANNEL = ChannelRef("slack", TEAM, "C0PAPERS")
OPS = Recipient("slack", TEAM, "C0OPS")
AFTER_THE_REPORT = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # the sample report's day


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(team_id=TEAM, users=[READER, OTHER, ADMIN]) as fake:
        yield fake


async def no_wait(_seconds: float) -> None:
    return None


def app_of(edge: SlackEdge, slack: FakeSlack) -> AsyncApp:
    client = make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    return build_app(edge, signing_secret=SECRET, client=client, process_before_response=True)


async def typed(app: AsyncApp, slack: FakeSlack, text: str, *, user: str, channel: str) -> str:
    """`/paper TEXT` typed by `user` in `channel`; the ephemeral answer's text."""
    before = len(slack.responses)
    body = urlencode(
        {
            "command": "/paper",
            "text": text,
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "papers",
            "user_id": user,
            "response_url": slack.response_url(),
            "trigger_id": "1.2.3",
        }
    )
    assert await dispatch(app, body) == 200
    await until(lambda: len(slack.responses) > before)
    answer = slack.responses[-1]
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def deliverer(engine: AsyncEngine, slack: FakeSlack, policy: NoticePolicy | None = None) -> Deliverer:
    clients = WorkspaceClients(
        slack.base_url, client=make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    )
    return Deliverer(
        archive=Archive(engine),
        store=SubscriptionStore(engine),
        outbox=Outbox(engine),
        taxonomy=builtin_taxonomy(),
        publishers={"slack": SlackDigestPublisher(clients, SubscriptionStore(engine))},
        worker="w1",
        notice_policy=policy or NoticePolicy(),
    )


async def test_subscribing_in_the_messages_tab_brings_the_digest_to_that_dm_exactly_once(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    app = app_of(edge, slack)
    answer = await typed(app, slack, 'subscribe agents, "GRPO"', user=READER.id, channel=READER_DM)
    assert answer.startswith('Subscribed. Your personal digest now follows: agents, "GRPO".')
    assert [c.params["users"] for c in slack.calls_to("conversations.open")] == [READER.id]
    stored = await edge.store.get(PERSONAL)
    assert stored is not None
    assert (stored.created_by, stored.interests.topics, stored.interests.keywords) == (
        READER.id,
        ("agents",),
        ("GRPO",),
    )
    listing = await typed(app, slack, "list", user=READER.id, channel=READER_DM)
    assert listing.startswith('Your personal digest follows: agents, "GRPO"')

    job = deliverer(engine, slack)
    await job.run_pass(AFTER_THE_REPORT, force=True)
    await job.run_pass(AFTER_THE_REPORT + dt.timedelta(hours=1), force=True)  # nothing twice
    posted = slack.messages_in(READER_DM)
    assert posted, "the digest never reached the reader's DM"
    assert posted[0]["text"].startswith("Daily Papers · 2026-11-20")
    assert {m["metadata"]["event_type"] for m in posted} == {DIGEST_EVENT}
    assert len({m["metadata"]["event_payload"]["delivery_id"] for m in posted}) == 1
    assert {c.params["channel"] for c in slack.calls_to("chat.postMessage")} == {READER_DM}
    [row] = await Outbox(engine).list()
    assert (row.channel, row.status) == (PERSONAL, "posted")
    assert row.to_json()["personal"] is True


async def test_votes_in_a_dm_tune_only_that_dm(edge: SlackEdge, slack: FakeSlack) -> None:
    await edge.store.save_all(
        [
            Subscription(PERSONAL, Interests(("reinforcement-learning",)), created_by=READER.id),
            Subscription(CHANNEL, Interests(("reinforcement-learning",))),
        ]
    )
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": READER.id, "team_id": TEAM},
        "channel": {"id": READER_DM},
        "container": {"type": "message", "channel_id": READER_DM},
        "trigger_id": "9.8.7",
        "response_url": slack.response_url("action"),
        "actions": [
            {
                "action_id": VOTE_UP_ACTION,
                "block_id": "paper_2611.01004",
                "value": "2611.01004",
                "type": "button",
            }
        ],
    }
    before = len(slack.responses)
    assert await dispatch(app_of(edge, slack), urlencode({"payload": json.dumps(payload)})) == 200
    await until(lambda: len(slack.responses) > before)
    votes = VoteStore(edge.archive.engine)
    assert [(v.paper, v.user) for v in await votes.votes(PERSONAL)] == [("2611.01004", READER.id)]
    assert await votes.votes(CHANNEL) == []


async def test_a_dm_between_people_is_not_a_personal_digest(edge: SlackEdge, slack: FakeSlack) -> None:
    # Slack also sends /paper typed in a DM between two people; paperbot cannot post there.
    app = app_of(edge, slack)
    between = "D0BETWEENUS"
    answer = await typed(app, slack, "subscribe RL", user=READER.id, channel=between)
    assert answer.startswith("A personal digest lives in your own DM with paperbot")
    assert await edge.store.get(ChannelRef("slack", TEAM, between)) is None
    chinese = await typed(app, slack, "订阅 强化学习", user=OTHER.id, channel=between)
    assert chinese.startswith("个人日报只在你与 paperbot 的私信中设置")
    # Everything that changes nothing still works there.
    assert "/paper subscribe" in await typed(app, slack, "help", user=READER.id, channel=between)


async def test_with_admins_only_a_member_still_manages_their_own_dm_but_not_a_channel(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    edge.managers = "admins"
    app = app_of(edge, slack)
    refused = await typed(app, slack, "subscribe RL", user=READER.id, channel=CHANNEL.channel)
    assert refused == "Only people who can manage this channel may change its subscriptions."
    assert await edge.store.get(CHANNEL) is None
    answer = await typed(app, slack, "subscribe RL", user=READER.id, channel=READER_DM)
    assert answer.startswith("Subscribed. Your personal digest")
    assert await edge.store.get(PERSONAL) is not None
    admin = await typed(app, slack, "subscribe RL", user=ADMIN.id, channel=CHANNEL.channel)
    assert admin.startswith("Subscribed. This channel")


async def test_a_refused_post_in_a_dm_pauses_it_and_tells_the_operator_not_the_reader(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    await edge.store.save(Subscription(PERSONAL, Interests(("agents",)), created_by=READER.id))
    slack.slack_error("chat.postMessage", "channel_not_found", channel=READER_DM, times=None)
    job = deliverer(engine, slack, NoticePolicy(operator=OPS))
    await job.run_pass(AFTER_THE_REPORT, force=True)
    stored = await edge.store.get(PERSONAL)
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason is not None
    assert "in their DM with paperbot again" in stored.paused_reason
    [notice] = [str(m["text"]) for m in slack.messages_in(OPS.channel)]
    assert notice.startswith(f"⚠️ paperbot paused the digest of the personal digest of user {READER.id}")
    assert slack.calls_to("chat.postMessage", channel=READER.id) == []  # the reader is not told


async def test_a_reader_who_left_the_workspace_pauses_their_personal_digest(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    edge.notices = Notices(
        NoticeStore(engine), Outbox(engine), edge.store, {}, NoticePolicy(operator=OPS), worker="edge"
    )
    channel = Subscription(CHANNEL, Interests(("agents",)), created_by=READER.id)
    await edge.store.save_all([Subscription(PERSONAL, Interests(("agents",)), created_by=READER.id), channel])
    app = app_of(edge, slack)
    profile: dict[str, Any] = {"id": READER.id, "team_id": TEAM, "deleted": False, "name": "reader"}
    assert await send_event(app, {"type": "user_change", "user": profile}) == 200
    assert not (await edge.store.get(PERSONAL) or channel).paused  # a mere profile change
    assert await send_event(app, {"type": "user_change", "user": {**profile, "deleted": True}}) == 200
    stored = await edge.store.get(PERSONAL)
    assert stored is not None
    assert stored.paused
    assert stored.paused_reason == (
        "the reader's Slack account was deactivated (Slack: user_deactivated). To resume, the reader "
        "runs `/paper subscribe …` in their DM with paperbot again once paperbot can message them."
    )
    assert await edge.store.get(CHANNEL) == channel  # the channel they set up is not theirs alone
    [notice] = await NoticeStore(engine).list()
    assert notice.recipient == OPS
    assert "the personal digest of user U0READER (slack:T0FAKE/D0READER)" in notice.text
    assert slack.calls_to("chat.postMessage") == []  # recorded now, sent by the delivering process


async def test_the_app_home_shows_the_viewers_personal_digest_and_only_counts_the_others(
    edge: SlackEdge,
) -> None:
    other_dm = ChannelRef("slack", TEAM, FakeSlack.dm_channel(OTHER.id))
    await edge.store.save_all(
        [
            Subscription(PERSONAL, Interests(("agents",)), created_by=READER.id),
            Subscription(other_dm, Interests(("robotics",)), created_by=OTHER.id),
            Subscription(CHANNEL, Interests(("reinforcement-learning",))),
        ]
    )
    readable = Readable(frozenset({CHANNEL.channel}), frozenset())
    view = json.dumps(
        await home_view(edge, TEAM, "en", user=READER.id, readable=readable), ensure_ascii=False
    )
    assert "🔒 Your personal digest (DM)" in view
    assert "agents" in view
    assert "<#C0PAPERS>" in view
    assert "robotics" not in view  # another reader's topics are theirs
    assert "…and 1 personal digest of another reader (theirs to see)." in view
    assert f"<#{READER_DM}>" not in view
