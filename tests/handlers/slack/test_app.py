"""The Bolt app against Bolt's own dispatch with signed requests and the loopback Slack double."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.commands import CHANGES, VERBS
from bot.models import ChannelRef, Interests, Subscription
from bot.reports.sources.local import LocalSource
from bot.runtime.config import SAMPLE_REPORT
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.app import Readable, SlackEdge, build_app, home_view
from handlers.slack.blocks import DETAILS_ACTION, SHARE_ACTION
from handlers.slack.publisher import make_client
from handlers.slack.server import EVENTS_PATH, http_app
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack, FakeUser
from tests.waiting import until

SECRET = "0123456789abcdef0123456789abcdef"
TEAM, CHANNEL = "T0FAKE", "C0VIDEO"
MEMBER = FakeUser("U0MEMBER", locale="en-US")
ADMIN = FakeUser("U0ADMIN", is_admin=True)
CHINESE = FakeUser("U0ZH", locale="zh-CN")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=[MEMBER, ADMIN, CHINESE]) as fake:
        yield fake


@pytest.fixture
async def edge(engine: AsyncEngine) -> SlackEdge:
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    return SlackEdge(archive, SubscriptionStore(engine), builtin_taxonomy())


def bolt_app(edge: SlackEdge, slack: FakeSlack) -> AsyncApp:
    async def no_wait(_seconds: float) -> None:
        return None

    client = make_client(FAKE_TOKEN, slack.base_url, retry_sleep=no_wait)
    return build_app(edge, signing_secret=SECRET, client=client)


def signed(body: str, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }


def for_bolt(headers: dict[str, str]) -> dict[str, str | Sequence[str]]:
    converted: dict[str, str | Sequence[str]] = {}
    converted.update(headers)
    return converted


def command_body(slack: FakeSlack, text: str, user: str = MEMBER.id) -> str:
    return urlencode(
        {
            "command": "/paper",
            "text": text,
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": user,
            "response_url": slack.response_url(),
            "trigger_id": "1.2.3",
        }
    )


def action_body(slack: FakeSlack, action_id: str, value: str, user: str = MEMBER.id) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "channel": {"id": CHANNEL},
        "trigger_id": "9.8.7",
        "response_url": slack.response_url("action"),
        "actions": [{"action_id": action_id, "block_id": f"paper_{value}", "value": value, "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)})


async def dispatch(app: AsyncApp, body: str, **kwargs: Any) -> int:
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=for_bolt(signed(body, **kwargs))))
    return response.status


async def command(app: AsyncApp, slack: FakeSlack, text: str, user: str = MEMBER.id) -> dict[str, Any]:
    before = len(slack.responses)
    assert await dispatch(app, command_body(slack, text, user)) == 200
    await until(lambda: len(slack.responses) > before)
    return slack.responses[-1]


async def test_every_subcommand_answers_ephemerally(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    help_reply = await command(app, slack, "help")
    assert help_reply["response_type"] == "ephemeral"
    assert "/paper subscribe TOPICS" in help_reply["blocks"][0]["text"]["text"]
    subscribed = await command(app, slack, "subscribe video generation, RL")
    assert subscribed["text"].startswith("Subscribed. This channel now follows: video generation")
    stored = await edge.store.get(ChannelRef("slack", TEAM, CHANNEL))
    assert stored is not None
    assert stored.created_by == MEMBER.id
    assert "08:15 (Asia/Tokyo)" in (await command(app, slack, "schedule 08:15 Asia/Tokyo"))["text"]
    assert "reinforcement learning" in (await command(app, slack, "list"))["text"]
    assert "built-in topics" in (await command(app, slack, "topics"))["text"]
    lookup = await command(app, slack, "diffusion distillation")
    assert any(b.get("block_id") == "paper_2611.01009" for b in lookup["blocks"])
    before = len(slack.responses)
    assert await dispatch(app, command_body(slack, "digest")) == 200
    await until(lambda: len(slack.responses) > before)
    digest = slack.responses[before]
    assert digest["blocks"][0]["type"] == "header"
    assert digest["response_type"] == "ephemeral"
    assert (await command(app, slack, "unsubscribe all"))["text"].startswith("Unsubscribed")


async def test_chinese_speakers_get_chinese_replies(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    reply = await command(app, slack, "help", user=CHINESE.id)
    assert reply["blocks"][0]["text"]["text"].startswith("```/paper 关键词")
    assert slack.calls_to("users.info")


async def test_chinese_speakers_mistakes_are_answered_in_chinese(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    await command(app, slack, "subscribe RL")
    # Someone whose Slack is in Chinese; the platform's language wins over the typed one.
    for typed, answer in (
        ("schedule 25:00", "时间「25:00」无效：请用 24 小时制的 HH:MM（例如 09:30），或写成 21点、下午3点半"),
        ('subscribe "!!!"', "关键词「!!!」不含字母或数字"),
        ("set colour red", "未知设置「colour」：请用 数量、最少点赞、排序、图片 或 布局"),
    ):
        assert (await command(app, slack, typed, user=CHINESE.id))["text"] == answer
    assert (await command(app, slack, "定时 25:00", user=CHINESE.id))["text"].startswith("时间「25:00」无效")
    assert (await command(app, slack, "定时 25:00"))["text"].startswith("bad time '25:00'")


async def test_only_admins_may_change_subscriptions_when_configured(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    edge.managers = "admins"
    app = bolt_app(edge, slack)
    refused = await command(app, slack, "subscribe RL", user=MEMBER.id)
    assert refused["text"].startswith("Only people who can manage this channel")
    assert await edge.store.get(ChannelRef("slack", TEAM, CHANNEL)) is None
    accepted = await command(app, slack, "subscribe RL", user=ADMIN.id)
    assert accepted["text"].startswith("Subscribed")


# People Slack lets type /paper in a channel who are not full members of its workspace.
GUEST = FakeUser("U0GUEST", is_restricted=True)
SINGLE_CHANNEL_GUEST = FakeUser("U0ONECHAN", is_restricted=True, is_ultra_restricted=True)
PARTNER = FakeUser("U0PARTNER", team="T0PARTNER")  # a Slack Connect member from another org
PARTNER_ADMIN = FakeUser("U0PARTNERADM", team="T0PARTNER", is_admin=True, is_owner=True)
STRANGER = FakeUser("U0STRANGER", team="T0PARTNER", is_stranger=True)
DEACTIVATED = FakeUser("U0GONE", deleted=True)
WORKFLOW = FakeUser("U0WORKFLOW", is_bot=True)
OUTSIDERS = [GUEST, SINGLE_CHANNEL_GUEST, PARTNER, PARTNER_ADMIN, STRANGER, DEACTIVATED, WORKFLOW]
# An Enterprise Grid member whose users.info names another workspace of the org first.
GRID_MEMBER = FakeUser("U0GRID", team="T0SISTER", enterprise_teams=("T0SISTER", TEAM))


@pytest.mark.parametrize("managers", ["members", "admins"])
@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda user: user.id)
async def test_guests_and_people_of_other_organisations_never_change_a_channel(
    engine: AsyncEngine, managers: str, outsider: FakeUser
) -> None:
    # Slack lets guests, Slack Connect members from another organisation (an admin of theirs
    # included) and workflows use /paper in a channel; the channel's digest is still its own
    # workspace's to change, whatever PAPERBOT_SLACK_MANAGERS says. They may still look things up.
    archive = Archive(engine)
    await archive.ingest(await LocalSource(SAMPLE_REPORT).read())
    edge = SlackEdge(archive, SubscriptionStore(engine), builtin_taxonomy())
    edge.managers = "admins" if managers == "admins" else "members"
    async with FakeSlack(users=[ADMIN, outsider]) as slack:
        app = bolt_app(edge, slack)
        ref = ChannelRef("slack", TEAM, CHANNEL)
        await command(app, slack, "subscribe video generation", user=ADMIN.id)
        before = await edge.store.get(ref)
        for change in ("subscribe RL", "unsubscribe all", "schedule 03:00", "language zh", "set size 1"):
            refused = await command(app, slack, change, user=outsider.id)
            assert refused["text"] == "Only people who can manage this channel may change its subscriptions."
        assert await edge.store.get(ref) == before
        assert "video generation" in (await command(app, slack, "list", user=outsider.id))["text"]


async def test_under_admins_an_admin_of_the_grid_org_changes_a_channel(edge: SlackEdge) -> None:
    # An org admin administers every workspace of the org: Slack says so in enterprise_user.
    org_admin = FakeUser("U0ORGADMIN", enterprise_teams=(TEAM,), org_admin=True)
    edge.managers = "admins"
    async with FakeSlack(users=[org_admin]) as slack:
        app = bolt_app(edge, slack)
        assert (await command(app, slack, "subscribe RL", user=org_admin.id))["text"].startswith("Subscribed")


async def test_a_grid_member_of_this_workspace_changes_a_channel(edge: SlackEdge) -> None:
    async with FakeSlack(users=[GRID_MEMBER]) as slack:
        app = bolt_app(edge, slack)
        reply = await command(app, slack, "subscribe RL", user=GRID_MEMBER.id)
        assert reply["text"].startswith("Subscribed")


# An argument for each sub-command that changes a channel (bot/chat/commands.py CHANGES).
CHANGE_ARGUMENTS = {
    "subscribe": "RL",
    "unsubscribe": "all",
    "exclude": "survey",
    "include": '"robot"',
    "schedule": "07:00 Asia/Shanghai",
    "language": "zh",
    "set": "size 3",
    "cadence": "weekly friday",
}
# Every name a user may type for those sub-commands, English and Chinese: all must be refused.
TYPED_CHANGES = sorted(name for name, verb in VERBS.items() if verb in CHANGES)


def test_every_change_has_an_argument_here() -> None:
    assert set(CHANGE_ARGUMENTS) == CHANGES


@pytest.mark.parametrize("typed", TYPED_CHANGES)
async def test_under_admins_no_member_changes_a_channel_by_any_name_of_any_change(
    edge: SlackEdge, slack: FakeSlack, typed: str
) -> None:
    edge.managers = "admins"
    app = bolt_app(edge, slack)
    ref = ChannelRef("slack", TEAM, CHANNEL)
    await command(app, slack, 'subscribe video generation -"robot"', user=ADMIN.id)
    before = await edge.store.get(ref)
    for user in (MEMBER, CHINESE):
        refused = await command(app, slack, f"{typed} {CHANGE_ARGUMENTS[VERBS[typed]]}", user=user.id)
        expected = "只有能管理本频道" if user is CHINESE else "Only people who can manage this channel"
        assert refused["text"].startswith(expected), refused
    assert await edge.store.get(ref) == before


async def test_forged_and_stale_signatures_are_refused_with_no_side_effect(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    app = bolt_app(edge, slack)
    body = command_body(slack, "subscribe RL")
    async with TestClient(TestServer(http_app(app))) as client:
        forged = await client.post(EVENTS_PATH, data=body, headers=signed(body, secret="f" * 32))
        stale = await client.post(
            EVENTS_PATH, data=body, headers=signed(body, timestamp=int(time.time()) - 600)
        )
        missing = await client.post(
            EVENTS_PATH, data=body, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert (forged.status, stale.status, missing.status) == (401, 401, 401)
        good = await client.post(EVENTS_PATH, data=body, headers=signed(body))
        assert good.status == 200
        await until(lambda: len(slack.responses) == 1)
    assert slack.responses[0]["text"].startswith("Subscribed")


async def test_details_open_a_modal_and_share_posts_into_the_channel(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    app = bolt_app(edge, slack)
    assert await dispatch(app, action_body(slack, DETAILS_ACTION, "2611.01001")) == 200
    await until(lambda: bool(slack.calls_to("views.open")))
    view = slack.calls_to("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "modal"
    assert any("TempoWeave" in json.dumps(b, ensure_ascii=False) for b in view["blocks"])
    assert await dispatch(app, action_body(slack, SHARE_ACTION, "2611.01001")) == 200
    await until(lambda: len(slack.responses) == 1)
    shared = slack.responses[0]
    assert shared["response_type"] == "in_channel"
    assert f"Shared by <@{MEMBER.id}>" in json.dumps(shared["blocks"])
    # An id that is not archived does nothing rather than fail.
    assert await dispatch(app, action_body(slack, DETAILS_ACTION, "2999.99999")) == 200


@pytest.mark.parametrize("trouble", ["expired_trigger_id", "server_error"])
async def test_details_that_cannot_open_as_a_modal_come_as_a_message_to_the_clicker(
    edge: SlackEdge, slack: FakeSlack, trouble: str
) -> None:
    # The trigger lasts 3 s: past it (a slow archive, Slack's 429 or 5xx retried) views.open
    # fails, and the click did nothing but log a traceback.
    if trouble == "server_error":
        slack.server_error("views.open", times=None)
    else:
        slack.slack_error("views.open", trouble)
    app = bolt_app(edge, slack)
    assert await dispatch(app, action_body(slack, DETAILS_ACTION, "2611.01001")) == 200
    await until(lambda: len(slack.responses) == 1)
    (shown,) = slack.responses
    assert shown["response_type"] == "ephemeral"
    assert "TempoWeave" in shown["text"]
    assert shown["blocks"][0]["type"] == "header"
    assert any(block["type"] == "actions" for block in shown["blocks"])


async def open_home(app: AsyncApp, slack: FakeSlack, user: str = MEMBER.id) -> str:
    """The Home tab `user` is shown, as the JSON of the view paperbot published."""
    before = len(slack.calls_to("views.publish"))
    event = {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A1",
        "event": {"type": "app_home_opened", "user": user, "tab": "home"},
        "event_id": f"Ev{before}",
        "event_time": int(time.time()),
    }
    body = json.dumps(event)
    headers = {**signed(body), "content-type": "application/json"}
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=for_bolt(headers)))
    assert response.status == 200
    await until(lambda: len(slack.calls_to("views.publish")) > before)
    view = slack.calls_to("views.publish")[before].params["view"]
    return json.dumps(view, ensure_ascii=False)


async def test_app_home_lists_the_workspace_subscriptions(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    slack.join(CHANNEL, slack.bot_user_id)  # a public channel paperbot was invited to
    await command(app, slack, "subscribe agents")
    text = await open_home(app, slack)
    assert f"<#{CHANNEL}>" in text
    assert "agents" in text
    assert "Some channels may be missing" not in text


PRIVATE = "C0SECRET"


async def private_and_public(edge: SlackEdge, slack: FakeSlack) -> None:
    """#C0VIDEO public, C0SECRET private with paperbot and the admin in it, both subscribed."""
    slack.join(CHANNEL, slack.bot_user_id)
    slack.join(PRIVATE, slack.bot_user_id, ADMIN.id, private=True)
    await edge.store.save_all(
        [
            Subscription(ChannelRef("slack", TEAM, CHANNEL), Interests(("agents",))),
            Subscription(ChannelRef("slack", TEAM, PRIVATE), Interests(("robotics",))),
        ]
    )


async def test_app_home_shows_a_private_channel_only_to_its_members(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    await private_and_public(edge, slack)
    app = bolt_app(edge, slack)
    outsider = await open_home(app, slack, MEMBER.id)
    assert f"<#{CHANNEL}>" in outsider
    assert "agents" in outsider
    assert PRIVATE not in outsider
    assert "robotics" not in outsider  # neither its name nor its topics
    member = await open_home(app, slack, ADMIN.id)
    assert f"<#{PRIVATE}>" in member
    assert "robotics" in member
    assert f"<#{CHANNEL}>" in member
    asked = slack.calls_to("users.conversations")
    assert {c.params.get("user") for c in asked} == {None, MEMBER.id, ADMIN.id}


@pytest.mark.parametrize("outsider", [GUEST, PARTNER], ids=lambda user: user.id)
async def test_app_home_shows_a_guest_or_partner_only_the_channels_they_are_in(
    edge: SlackEdge, outsider: FakeUser
) -> None:
    # A guest, or a Slack Connect member from another organisation, sees in Slack only the
    # channels they were invited to: the App Home must not list the workspace's other public
    # channels, their topics and schedule.
    async with FakeSlack(users=[ADMIN, outsider]) as slack:
        await private_and_public(edge, slack)
        shared = "C0SHARED"
        slack.join(shared, slack.bot_user_id, outsider.id)
        follows = Interests(("video-generation",))
        await edge.store.save(Subscription(ChannelRef("slack", TEAM, shared), follows))
        app = bolt_app(edge, slack)
        text = await open_home(app, slack, outsider.id)
        assert f"<#{shared}>" in text
        assert "video generation" in text
        for hidden in (CHANNEL, PRIVATE, "agents", "robotics"):
            assert hidden not in text
        assert "Some channels may be missing" not in text
        member = await open_home(app, slack, ADMIN.id)
        assert f"<#{CHANNEL}>" in member


NOT_INVITED = "C0NOBOT"


async def three_channels(edge: SlackEdge, slack: FakeSlack, *viewers: str) -> None:
    """Public #C0VIDEO with paperbot, public C0NOBOT without it, private C0SECRET with it; the
    viewers in all three, and all three subscribed."""
    slack.join(CHANNEL, slack.bot_user_id, *viewers)
    slack.join(NOT_INVITED, *viewers)
    slack.join(PRIVATE, slack.bot_user_id, *viewers, private=True)
    await edge.store.save_all(
        [
            Subscription(ChannelRef("slack", TEAM, channel), Interests(("agents",)))
            for channel in (CHANNEL, NOT_INVITED, PRIVATE)
        ]
    )


def line_of(home: str, channel: str) -> str:
    """The App Home's line about `channel` (its section's text)."""
    view = json.loads(home)
    texts = [str(block.get("text", {}).get("text", "")) for block in view["blocks"]]
    [text] = [text for text in texts if f"<#{channel}>" in text]
    return text


@pytest.mark.parametrize(
    ("viewer", "warning"),
    [
        (MEMBER, "⚠️ paperbot is not in this channel, so its digest will be paused: `/invite @paperbot` "),
        (CHINESE, "⚠️ paperbot 不在该频道中，日报将被暂停：请在该频道输入 `/invite @paperbot`"),
    ],
    ids=["en", "zh"],
)
async def test_app_home_says_which_subscribed_channels_paperbot_is_not_in(
    edge: SlackEdge, viewer: FakeUser, warning: str
) -> None:
    # A channel subscribed before paperbot was invited would be paused at its first digest; the
    # listings the Home tab reads anyway say so, with no call per channel.
    async with FakeSlack(users=[viewer]) as slack:
        await three_channels(edge, slack, viewer.id)
        app = bolt_app(edge, slack)
        home = await open_home(app, slack, viewer.id)
        assert warning in line_of(home, NOT_INVITED)
        assert "⚠️" not in line_of(home, CHANNEL)
        assert "⚠️" not in line_of(home, PRIVATE)
        assert not slack.calls_to("conversations.info")
        assert len(slack.calls_to("users.conversations")) == 2  # paperbot's, the viewer's


async def test_app_home_warns_of_nothing_it_could_not_read_whole(edge: SlackEdge, slack: FakeSlack) -> None:
    await three_channels(edge, slack, MEMBER.id)
    app = bolt_app(edge, slack)
    # paperbot's own channels unknown: a channel missing from them says nothing.
    slack.slack_error("users.conversations", "internal_error", when=lambda params: not params.get("user"))
    assert "⚠️" not in line_of(await open_home(app, slack, MEMBER.id), NOT_INVITED)
    # Read, but only its first pages (a workspace where paperbot is in thousands of channels).
    readable = Readable(frozenset({CHANNEL}), frozenset({CHANNEL, NOT_INVITED}), public_whole=False)
    assert not readable.without_paperbot(NOT_INVITED)
    assert replace(readable, public_whole=True).without_paperbot(NOT_INVITED)
    # A paused channel shows why it is paused instead.
    ref = ChannelRef("slack", TEAM, NOT_INVITED)
    await edge.store.set_paused(ref, True, "paused for a reason")
    paused = line_of(await open_home(app, slack, MEMBER.id), NOT_INVITED)
    assert "paused for a reason" in paused
    assert "⚠️" not in paused


async def test_app_home_hides_private_channels_when_slack_will_not_say_who_is_in_them(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    await private_and_public(edge, slack)
    app = bolt_app(edge, slack)
    # A workspace installed before paperbot asked for groups:read refuses the viewer's question.
    slack.slack_error("users.conversations", "missing_scope", when=lambda p: bool(p.get("user")), times=None)
    text = await open_home(app, slack, ADMIN.id)
    assert PRIVATE not in text
    assert "robotics" not in text
    assert f"<#{CHANNEL}>" in text  # paperbot's own public channels it could still tell
    assert "Some channels may be missing: Slack did not say which channels you can see" in text
    # Nothing answers at all: only the note, in the viewer's language.
    slack.clear_failures()
    slack.slack_error("users.conversations", "missing_scope", times=None)
    text = await open_home(app, slack, CHINESE.id)
    assert PRIVATE not in text
    assert CHANNEL not in text
    assert "robotics" not in text
    assert "部分频道可能未列出" in text


async def test_app_home_says_how_many_channels_it_left_out(edge: SlackEdge, slack: FakeSlack) -> None:
    channels = [f"C0MANY{i:03d}" for i in range(95)]
    for channel in channels:
        slack.join(channel, slack.bot_user_id)
    await edge.store.save_all(
        [Subscription(ChannelRef("slack", TEAM, c), Interests(("agents",))) for c in channels]
    )
    text = await open_home(bolt_app(edge, slack), slack)
    assert sum(f"<#{c}>" in text for c in channels) == 90
    assert "…and 5 more channels, not listed here: `/paper list` in a channel shows what it follows." in text
    view = await home_view(edge, TEAM, "zh", readable=Readable(frozenset(channels), frozenset()))
    assert "另有 5 个频道未在此列出" in json.dumps(view, ensure_ascii=False)
    # The channels the viewer is in come first, so a member of the last ones still finds them.
    readable = Readable(frozenset(channels), frozenset(channels[-3:]))
    sections = [
        b["text"]["text"] for b in (await home_view(edge, TEAM, "en", readable=readable))["blocks"][1:4]
    ]
    assert [s.split(" ·")[0] for s in sections] == [f"<#{c}>" for c in channels[-3:]]


async def test_app_home_leaves_out_a_channel_that_follows_nothing(edge: SlackEdge, slack: FakeSlack) -> None:
    app = bolt_app(edge, slack)
    await command(app, slack, "subscribe agents")
    await command(app, slack, "unsubscribe agents")  # the row stays, with its settings
    assert await edge.store.get(ChannelRef("slack", TEAM, CHANNEL)) is not None
    text = json.dumps(await home_view(edge, TEAM, "en"), ensure_ascii=False)
    assert f"<#{CHANNEL}>" not in text
    assert "No channel you can see follows anything yet." in text
    assert "This channel" not in text  # the Home tab is no channel


async def test_list_of_a_channel_following_many_keywords_keeps_every_line(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    # 80 long keywords: the reply was cut at 3,000 characters into one flat line, losing 30 of
    # the keywords and the schedule line after them, without a word.
    app = bolt_app(edge, slack)
    keywords = [f"kw{n:02d} " + "long phrase " * 4 for n in range(80)]
    for batch in range(4):
        await command(
            app, slack, "subscribe " + " ".join(f'"{k.strip()}"' for k in keywords[batch * 20 :][:20])
        )
    await command(app, slack, "schedule 07:30 Asia/Shanghai")
    listed = await command(app, slack, "list")  # the double refuses what Slack would
    shown = "\n".join(block["text"]["text"] for block in listed["blocks"])
    assert all(f'"kw{n:02d} long' in shown for n in range(80))  # a break may fall inside one
    assert "07:30 (Asia/Shanghai)" in shown
    assert all(b["text"]["text"].startswith("```") for b in listed["blocks"])  # still preformatted


async def test_a_home_tab_slack_refuses_is_one_log_line_not_a_traceback(
    edge: SlackEdge, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.rate_limit("views.publish", retry_after=0, times=None)
    await open_home(bolt_app(edge, slack), slack)
    await until(lambda: any("App Home for" in r.getMessage() for r in caplog.records))
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in problems] == [f"App Home for {MEMBER.id} not published: ratelimited"]
    assert all(r.exc_info is None for r in problems)


async def test_app_home_ends_a_long_keyword_list_with_an_ellipsis_not_half_an_entity(edge: SlackEdge) -> None:
    keywords = tuple(f"r&d {n:02d} " + "x" * 40 for n in range(80))
    await edge.store.save_all(
        [Subscription(ChannelRef("slack", TEAM, CHANNEL), Interests(keywords=keywords))]
    )
    view = await home_view(edge, TEAM, "en", readable=Readable(frozenset({CHANNEL}), frozenset()))
    [section] = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert len(section) <= 3000
    assert section.endswith("…")
    assert re.search(r"&(?!amp;|lt;|gt;)", section) is None  # every & is a whole entity


async def test_app_home_shows_keywords_as_typed_never_as_links_or_mentions(edge: SlackEdge) -> None:
    # Without `verbatim`, Slack links "#general" to the channel, "evil.example/login" to a site
    # and parses "@here" itself: keywords an admin typed became links in every member's Home tab.
    keywords = ("#general", "@here", "evil.example/login")
    channel = ChannelRef("slack", TEAM, CHANNEL)
    await edge.store.save_all([Subscription(channel, Interests(keywords=keywords))])
    view = await home_view(edge, TEAM, "en", readable=Readable(frozenset({CHANNEL}), frozenset()))
    texts = [b["text"] for b in view["blocks"][1:] if "text" in b]
    texts += [e for b in view["blocks"] for e in b.get("elements", [])]
    assert any("evil.example/login" in text["text"] for text in texts)
    assert all(text.get("verbatim") is True for text in texts if text["type"] == "mrkdwn")
