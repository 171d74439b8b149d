"""Slack's lifecycle events and impossible ids, as signed requests dispatched to the Bolt app
(with the loopback Slack double behind it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.channel_changes import Gone
from bot.delivery.deliverer import Deliverer
from bot.delivery.loud_failures import NoticePolicy, Notices
from bot.i18n import t
from bot.models import ChannelRef, Interests, Report, Subscription
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
from handlers.slack.lifecycle import CHANNEL_GONE_EVENTS, LIFECYCLE_EVENTS, slack_reason
from handlers.slack.oauth import BOT_SCOPES, WorkspaceClients, delete_workspace_rows, oauth_settings
from handlers.slack.publisher import PERMANENT_ERRORS, make_client, pause_notice, pause_reason
from tests.factories import paper
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack
from tests.handlers.slack.test_app import (
    CHANNEL,
    MEMBER,
    SECRET,
    TEAM,
    action_body,
    command,
    command_body,
    dispatch,
    for_bolt,
    signed,
)
from tests.handlers.slack.test_app import edge as edge
from tests.handlers.slack.test_app import slack as slack
from tests.waiting import until

RL = Interests(("reinforcement-learning",))
REF = ChannelRef("slack", TEAM, CHANNEL)
ZH_REF = ChannelRef("slack", TEAM, "C0ZH")
DAY = dt.date(2026, 5, 6)


def lifecycle_app(edge: SlackEdge, slack: FakeSlack) -> AsyncApp:
    """The Bolt app, finishing each listener before it answers: a listener still writing after
    its test ended would hold a database connection past the test's engine."""
    return build_app(
        edge,
        signing_secret=SECRET,
        client=make_client(FAKE_TOKEN, slack.base_url),
        process_before_response=True,
    )


def event_body(event: dict[str, Any], team: str = TEAM, enterprise: str | None = None) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": team,
            **({"enterprise_id": enterprise} if enterprise else {}),
            "api_app_id": "A1",
            "event": event,
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
        }
    )


async def send_event(
    app: AsyncApp, event: dict[str, Any], team: str = TEAM, enterprise: str | None = None
) -> int:
    body = event_body(event, team, enterprise)
    headers = {**signed(body), "content-type": "application/json"}
    response = await app.async_dispatch(AsyncBoltRequest(body=body, headers=for_bolt(headers)))
    return response.status


async def paused(store: SubscriptionStore, ref: ChannelRef) -> tuple[bool, str | None]:
    subscription = await store.get(ref)
    assert subscription is not None
    return subscription.paused, subscription.paused_reason


async def subscribed(edge: SlackEdge) -> None:
    await edge.store.save_all([Subscription(REF, RL), Subscription(ZH_REF, RL, locale="zh")])


# -- the catalogue -------------------------------------------------------------------------------


def test_every_reason_is_written_in_both_languages_with_the_same_placeholders() -> None:
    # Every reason a post or an event can give has its text in both languages (bot/i18n.py).
    for code in (*PERMANENT_ERRORS, "channel_deleted", "app_uninstalled", "not_installed"):
        assert pause_reason(code, "en") != pause_reason(code, "zh")
        assert pause_notice(code, CHANNEL, "en") != pause_notice(code, CHANNEL, "zh")
    for kind in Gone:
        english, chinese = slack_reason(kind, "en"), slack_reason(kind, "zh")
        assert "/paper subscribe" in english  # how to resume
        assert "/paper subscribe" in chinese
        assert english != chinese
    assert slack_reason(Gone.DELETED, "en").startswith("the channel was deleted (Slack: channel_deleted)")
    # A channel paused by the event reads like one paused by a refused post.
    assert slack_reason(Gone.ARCHIVED, "zh") == pause_reason("is_archived", "zh")
    assert slack_reason(Gone.REMOVED, "en") == pause_reason("not_in_channel", "en")


def test_the_events_scopes_are_asked_for_at_install() -> None:
    assert {"channels:read", "groups:read"} <= set(BOT_SCOPES)


# -- channels ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LIFECYCLE_EVENTS))
async def test_every_lifecycle_event_has_a_listener(edge: SlackEdge, slack: FakeSlack, name: str) -> None:
    # Bolt answers 404 to an event nobody listens to, and Slack then retries and disables it.
    app = lifecycle_app(edge, slack)
    assert await send_event(app, {"type": name, "channel": "C0NOBODY"}) == 200
    assert await send_event(app, {"type": "reaction_added", "user": MEMBER.id}) == 404  # the control


@pytest.mark.parametrize(("name", "kind"), sorted(CHANNEL_GONE_EVENTS.items()))
async def test_a_channel_gone_is_paused_at_once_with_a_reason_in_its_language(
    edge: SlackEdge, slack: FakeSlack, name: str, kind: Gone
) -> None:
    await subscribed(edge)
    app = lifecycle_app(edge, slack)
    for ref in (REF, ZH_REF):
        assert await send_event(app, {"type": name, "channel": ref.channel, "user": MEMBER.id}) == 200

    async def both_paused() -> bool:
        return all([(await paused(edge.store, ref))[0] for ref in (REF, ZH_REF)])

    await until(both_paused)
    assert await paused(edge.store, REF) == (True, slack_reason(kind, "en"))
    assert await paused(edge.store, ZH_REF) == (True, slack_reason(kind, "zh"))
    assert not slack.calls_to("chat.postMessage")  # nobody is told in a channel that is gone


async def test_a_channel_of_another_workspace_with_the_same_id_is_left_alone(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    elsewhere = ChannelRef("slack", "T0OTHER", CHANNEL)
    await edge.store.save_all([Subscription(REF, RL), Subscription(elsewhere, RL)])
    app = lifecycle_app(edge, slack)
    assert await send_event(app, {"type": "channel_deleted", "channel": CHANNEL}) == 200

    async def done() -> bool:
        return (await paused(edge.store, REF))[0]

    await until(done)
    assert await paused(edge.store, elsewhere) == (False, None)


@pytest.mark.parametrize(
    ("gone", "back"), [("channel_archive", "channel_unarchive"), ("group_archive", "group_unarchive")]
)
async def test_unarchiving_resumes_a_channel_paused_for_the_archive(
    edge: SlackEdge, slack: FakeSlack, gone: str, back: str
) -> None:
    await subscribed(edge)
    app = lifecycle_app(edge, slack)
    await send_event(app, {"type": gone, "channel": CHANNEL, "user": MEMBER.id})

    async def archived() -> bool:
        return (await paused(edge.store, REF))[0]

    await until(archived)
    assert await send_event(app, {"type": back, "channel": CHANNEL, "user": MEMBER.id}) == 200

    async def resumed() -> bool:
        return not (await paused(edge.store, REF))[0]

    await until(resumed)
    assert await paused(edge.store, REF) == (False, None)


async def test_inviting_paperbot_back_resumes_a_channel_paused_for_its_absence(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    # A post refused with not_in_channel (a public channel) or channel_not_found (a private one
    # paperbot was never invited to), stored in the channel's language; an archived one as well.
    archived_ref = ChannelRef("slack", TEAM, "C0ARCHIVED")
    await edge.store.save_all(
        [
            Subscription(REF, RL, paused=True, paused_reason=pause_reason("not_in_channel", "en")),
            Subscription(
                ZH_REF, RL, locale="zh", paused=True, paused_reason=pause_reason("channel_not_found", "zh")
            ),
            Subscription(archived_ref, RL, paused=True, paused_reason=pause_reason("is_archived", "en")),
        ]
    )
    app = lifecycle_app(edge, slack)
    joined = {"type": "member_joined_channel", "channel_type": "C", "team": TEAM}
    # Someone else joining changes nothing.
    assert await send_event(app, {**joined, "channel": CHANNEL, "user": MEMBER.id}) == 200
    await asyncio.sleep(0.2)  # give a wrong resume every chance to happen
    assert (await paused(edge.store, REF))[0]
    for ref in (REF, ZH_REF, archived_ref):
        assert await send_event(app, {**joined, "channel": ref.channel, "user": slack.bot_user_id}) == 200

    async def resumed() -> bool:
        return not (await paused(edge.store, REF))[0] and not (await paused(edge.store, ZH_REF))[0]

    await until(resumed)
    assert await paused(edge.store, REF) == (False, None)
    # Joining an archived channel is not possible; whatever the event says, that pause stays.
    assert (await paused(edge.store, archived_ref))[0]


async def test_unarchiving_leaves_a_channel_the_bot_was_removed_from_paused_until_subscribe(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    await subscribed(edge)
    app = lifecycle_app(edge, slack)
    await send_event(app, {"type": "channel_left", "channel": CHANNEL, "actor_id": MEMBER.id})

    async def removed() -> bool:
        return (await paused(edge.store, REF))[0]

    await until(removed)
    await send_event(app, {"type": "channel_unarchive", "channel": CHANNEL, "user": MEMBER.id})
    await send_event(app, {"type": "channel_unarchive", "channel": ZH_REF.channel, "user": MEMBER.id})
    await asyncio.sleep(0.2)  # give a wrong resume every chance to happen
    assert await paused(edge.store, REF) == (True, slack_reason(Gone.REMOVED, "en"))
    # The reason is what `/paper list` shows in the channel; a re-invite plus subscribe resumes.
    listed = await command(app, slack, "list")
    assert "Paused: paperbot is not a member of the channel (Slack: not_in_channel)" in listed["text"]
    assert "/invite @paperbot" in listed["text"]
    assert (await command(app, slack, "subscribe RL"))["text"].startswith("Resumed: ")
    assert await paused(edge.store, REF) == (False, None)


async def test_app_home_shows_why_a_channel_is_paused(edge: SlackEdge, slack: FakeSlack) -> None:
    await subscribed(edge)
    app = lifecycle_app(edge, slack)
    await send_event(app, {"type": "channel_archive", "channel": ZH_REF.channel, "user": MEMBER.id})

    async def archived() -> bool:
        return (await paused(edge.store, ZH_REF))[0]

    await until(archived)
    readable = Readable(frozenset({CHANNEL, ZH_REF.channel}), frozenset())
    view = json.dumps(await home_view(edge, TEAM, "zh", readable=readable), ensure_ascii=False)
    assert "⏸ 频道已归档（Slack：is_archived）" in view
    assert f"<#{CHANNEL}>" in view


# -- the workspace -------------------------------------------------------------------------------

CLIENT_ID, CLIENT_SECRET = "1234.5678", "client-secret-abc"
LAB, OTHER = "T0LAB", "T0OTHER"


def oauth_app(edge: SlackEdge, engine: AsyncEngine, slack: FakeSlack, **bolt: Any) -> AsyncApp:
    """paperbot's Bolt app in OAuth mode, its installations in `engine`, against the Slack double."""
    return build_app(
        edge,
        signing_secret=SECRET,
        oauth_settings=oauth_settings(engine, CLIENT_ID, CLIENT_SECRET),
        client=make_client("", slack.base_url),
        **bolt,
    )


@pytest.fixture
async def two_workspaces() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(tokens=("xoxb-lab", "xoxb-other")) as fake:
        yield fake


def installation(team: str | None, token: str, enterprise: str | None = None) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        is_enterprise_install=team is None,
        team_id=team,
        bot_token=token,
        bot_id=f"B{team}",
        bot_user_id=f"U{team}",
        bot_scopes=",".join(BOT_SCOPES),
        user_id="U0ADMIN",
        installed_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC).timestamp(),
    )


async def rows(store: AsyncSQLAlchemyInstallationStore, team: str | None) -> tuple[int, int]:
    async with store.engine.connect() as conn:
        counts = []
        for table in (store.installations, store.bots):
            query = (
                select(func.count())
                .select_from(table)
                .where(table.c.client_id == store.client_id, table.c.team_id == team)
            )
            counts.append((await conn.execute(query)).scalar_one())
    return counts[0], counts[1]


async def test_after_app_uninstalled_its_tokens_are_gone_and_nothing_is_posted_there(
    engine: AsyncEngine, two_workspaces: FakeSlack
) -> None:
    slack = two_workspaces
    installations = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    await installations.async_save(installation(LAB, "xoxb-lab"))
    await installations.async_save(installation(OTHER, "xoxb-other"))
    archive = Archive(engine)
    await archive.ingest(Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),)))
    store = SubscriptionStore(engine)
    lab, lab_zh, other = (
        ChannelRef("slack", LAB, "C0LAB"),
        ChannelRef("slack", LAB, "C0LABZH"),
        ChannelRef("slack", OTHER, "C0OTHER"),
    )
    await store.save_all(
        [Subscription(lab, RL), Subscription(lab_zh, RL, locale="zh"), Subscription(other, RL)]
    )
    clients = WorkspaceClients(slack.base_url, installations=installations)
    assert await clients.client_for(LAB) is not None  # cached, as a running deliverer holds it

    edge = SlackEdge(archive, store, builtin_taxonomy())
    app = oauth_app(edge, engine, slack, process_before_response=True)
    assert await send_event(app, {"type": "app_uninstalled"}, team=LAB) == 200

    async def gone() -> bool:
        return await rows(installations, LAB) == (0, 0) and (await paused(store, lab_zh))[0]

    await until(gone)
    assert await rows(installations, OTHER) == (1, 1)  # the other workspace keeps its install
    assert await installations.async_find_bot(enterprise_id=None, team_id=LAB) is None
    assert await clients.client_for(LAB) is None  # the cached client was dropped
    assert await paused(store, lab) == (True, pause_reason("app_uninstalled", "en"))
    assert await paused(store, lab_zh) == (True, pause_reason("app_uninstalled", "zh"))
    assert "paperbot was uninstalled from this workspace" in pause_reason("app_uninstalled", "en")
    assert await paused(store, other) == (False, None)

    publisher = SlackDigestPublisher(clients, store)
    job = Deliverer(archive, store, Outbox(engine), builtin_taxonomy(), {"slack": publisher})
    await job.run_pass(dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC), force=True)
    posts = slack.calls_to("chat.postMessage")
    assert {call.params["channel"] for call in posts} == {"C0OTHER"}  # the pass did run
    assert all(call.headers.get("Authorization") == "Bearer xoxb-other" for call in slack.calls)


async def test_after_tokens_revoked_the_shared_token_is_never_used_for_that_workspace(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    await subscribed(edge)
    clients = WorkspaceClients(slack.base_url, token=FAKE_TOKEN)
    assert await clients.client_for(TEAM) is not None
    app = lifecycle_app(edge, slack)
    # Only a person's token: the bot's own is fine, nothing pauses.
    assert await send_event(app, {"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN"]}}) == 200
    await asyncio.sleep(0.1)
    assert await paused(edge.store, REF) == (False, None)
    assert await clients.client_for(TEAM) is not None
    # The bot token.
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UPAPERBOT"]}}
    assert await send_event(app, revoked) == 200

    async def done() -> bool:
        return (await paused(edge.store, ZH_REF))[0]

    await until(done)
    assert await paused(edge.store, REF) == (True, pause_reason("token_revoked", "en"))
    assert await paused(edge.store, ZH_REF) == (True, pause_reason("token_revoked", "zh"))
    assert await clients.client_for(TEAM) is None
    publisher = SlackDigestPublisher(clients, edge.store)
    job = Deliverer(
        edge.archive, edge.store, Outbox(edge.archive.engine), builtin_taxonomy(), {"slack": publisher}
    )
    await job.run_pass(force=True)
    assert not slack.calls_to("chat.postMessage")


GRID = "E0GRID"


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UT0LAB"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_a_workspace_that_joined_a_grid_org_after_installing_loses_its_token_when_it_leaves(
    engine: AsyncEngine, two_workspaces: FakeSlack, event: dict[str, Any]
) -> None:
    # LAB installed paperbot before it joined an Enterprise Grid org: its rows say enterprise None,
    # while Slack's events now name the org. The token lookup asks by team id alone, so a row left
    # behind would hand the revoked token out again.
    slack = two_workspaces
    installations = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    await installations.async_save(installation(LAB, "xoxb-lab"))
    await installations.async_save(installation(OTHER, "xoxb-other", enterprise=GRID))
    another_app = AsyncSQLAlchemyInstallationStore(client_id="9999.0000", engine=engine)
    await another_app.async_save(installation(LAB, "xoxb-another-app"))
    edge = SlackEdge(Archive(engine), SubscriptionStore(engine), builtin_taxonomy())
    app = oauth_app(edge, engine, slack, process_before_response=True)
    assert await send_event(app, event, team=LAB, enterprise=GRID) == 200

    async def gone() -> bool:
        return await rows(installations, LAB) == (0, 0)

    await until(gone)
    assert await WorkspaceClients(slack.base_url, installations=installations).client_for(LAB) is None
    assert await rows(installations, OTHER) == (1, 1)  # the org's other workspace keeps its install
    assert await rows(another_app, LAB) == (1, 1)  # another app's rows are not paperbot's to delete


async def test_an_org_level_event_deletes_the_org_install_only(engine: AsyncEngine) -> None:
    # No team id: the organisation's own install goes, as slack_sdk deletes it; its workspaces'
    # rows stay (each pauses on its first refused post).
    installations = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    await installations.async_save(installation(None, "xoxb-org", enterprise=GRID))
    await installations.async_save(installation(LAB, "xoxb-lab", enterprise=GRID))
    await delete_workspace_rows(installations, GRID, None)
    assert await rows(installations, None) == (0, 0)
    assert await rows(installations, LAB) == (1, 1)


# -- impossible ids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("team", "channel"),
    [
        ("T1/C2", CHANNEL),
        ("", CHANNEL),
        (TEAM, ""),
        (TEAM, "C" * 200),
        ("t0fake", CHANNEL),
        (TEAM, "C0VIDEO/C0OTHER"),
    ],
)
async def test_a_command_with_an_impossible_id_changes_nothing_and_says_so_in_both_languages(
    edge: SlackEdge, slack: FakeSlack, team: str, channel: str
) -> None:
    app = lifecycle_app(edge, slack)
    body = (
        command_body(slack, "subscribe RL")
        .replace(f"team_id={TEAM}", urlencode({"team_id": team}))
        .replace(f"channel_id={CHANNEL}", urlencode({"channel_id": channel}))
    )
    assert await dispatch(app, body) == 200
    await until(lambda: len(slack.responses) == 1)
    reply = slack.responses[0]
    assert reply["response_type"] == "ephemeral"
    assert t("ids.invalid", "en", platform="Slack") in reply["text"]
    assert t("ids.invalid", "zh", platform="Slack") in reply["text"]
    assert await edge.store.all() == []
    assert not slack.calls_to("users.info")  # nothing asked about an id Slack never issued


async def test_a_vote_from_an_impossible_channel_is_refused_and_records_nothing(
    edge: SlackEdge, slack: FakeSlack
) -> None:
    app = lifecycle_app(edge, slack)
    body = action_body(slack, VOTE_UP_ACTION, "2611.01001").replace(
        f"%22id%22%3A+%22{CHANNEL}%22", "%22id%22%3A+%22C1%2FC2%22"
    )
    assert "C1%2FC2" in body
    assert await dispatch(app, body) == 200
    await until(lambda: len(slack.responses) == 1)
    assert "nothing was changed" in slack.responses[0]["text"]
    assert await VoteStore(edge.archive.engine).channels_with_votes() == set()


async def test_a_workspace_without_an_installation_is_paused_in_its_language_without_a_call(
    engine: AsyncEngine, two_workspaces: FakeSlack
) -> None:
    # Installed once, its rows deleted while this replica was down and missed app_uninstalled.
    slack = two_workspaces
    installations = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    archive = Archive(engine)
    await archive.ingest(Report(DAY, (paper(arxiv_id="2605.00001", title="Scaling RL", domain="强化学习"),)))
    store = SubscriptionStore(engine)
    lab_zh = ChannelRef("slack", LAB, "C0LABZH")
    await store.save(Subscription(lab_zh, RL, locale="zh"))
    publisher = SlackDigestPublisher(WorkspaceClients(slack.base_url, installations=installations), store)
    job = Deliverer(archive, store, Outbox(engine), builtin_taxonomy(), {"slack": publisher})
    await job.run_pass(dt.datetime(2026, 5, 6, 13, 0, tzinfo=dt.UTC), force=True)
    assert await paused(store, lab_zh) == (True, pause_reason("not_installed", "zh"))
    assert "已不再安装于此工作区" in pause_reason("not_installed", "zh")
    assert not slack.calls


# -- who hears of it ---------------------------------------------------------------------------


async def test_a_channel_paused_by_an_event_is_told_to_the_operator_and_its_creator_once(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    # Slack tells paperbot at once that it was removed: the channel was paused and nobody heard
    # of it (only a log line), while the same removal found by a refused post tells both.
    ops = Recipient("slack", TEAM, "C0OPS")
    edge.notices = Notices(
        NoticeStore(engine), Outbox(engine), edge.store, {}, NoticePolicy(operator=ops), worker="edge"
    )
    await edge.store.save_all(
        [Subscription(REF, RL, created_by=MEMBER.id), Subscription(ZH_REF, RL, locale="zh")]
    )
    app = lifecycle_app(edge, slack)
    for _ in range(2):  # Slack delivers an event again when its answer is late
        assert await send_event(app, {"type": "channel_left", "channel": CHANNEL}) == 200
    assert await send_event(app, {"type": "channel_archive", "channel": "C0ZH"}) == 200

    kept = await NoticeStore(engine).list()
    assert sorted((n.kind, str(n.recipient)) for n in kept) == [
        ("channel_paused", f"slack:{TEAM}/@{MEMBER.id}"),
        ("channel_paused", str(ops)),
        ("channel_paused", str(ops)),  # C0ZH's: it has no creator to tell
    ]
    texts = "\n".join(n.text for n in kept)
    assert f"slack:{TEAM}/{CHANNEL}" in texts
    assert "/invite @paperbot" in texts
    assert "取消归档" in texts  # C0ZH reads its reason in its own language


async def test_an_uninstall_tells_the_operator_only(
    edge: SlackEdge, slack: FakeSlack, engine: AsyncEngine
) -> None:
    ops = Recipient("discord", "111111111111111111", "222222222222222222")
    edge.notices = Notices(
        NoticeStore(engine), Outbox(engine), edge.store, {}, NoticePolicy(operator=ops), worker="edge"
    )
    await edge.store.save_all([Subscription(REF, RL, created_by=MEMBER.id)])
    app = lifecycle_app(edge, slack)
    assert await send_event(app, {"type": "app_uninstalled"}) == 200
    # The creator cannot be sent a DM with a token Slack just revoked.
    [notice] = await NoticeStore(engine).list()
    assert notice.recipient == ops
    assert "reinstall" in notice.text
