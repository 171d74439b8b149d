"""Multi-workspace installs: Bolt's OAuth flow on our database, against the loopback Slack double."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import t
from bot.models import ChannelRef, Interests, Subscription
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import builtin_taxonomy
from handlers.slack.app import SlackEdge
from handlers.slack.oauth import (
    BOT_SCOPES,
    INSTALL_PATH,
    REDIRECT_PATH,
    WorkspaceClients,
    WorkspaceInstallations,
    delete_workspace_rows,
    oauth_settings,
)
from handlers.slack.server import EVENTS_PATH, http_app
from tests.handlers.slack.fake_slack import FAKE_TOKEN, FakeSlack, FakeUser
from tests.handlers.slack.test_app import CHANNEL, MEMBER, TEAM, command_body, signed
from tests.handlers.slack.test_lifecycle import CLIENT_ID, CLIENT_SECRET, installation, oauth_app
from tests.waiting import until


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    # Whoever installs paperbot and types /paper is a member of the newly installed workspace.
    async with FakeSlack(tokens=(), users=[FakeUser(MEMBER.id, team=FakeSlack.install_team)]) as fake:
        yield fake


async def test_an_installation_saved_by_slack_sdk_gives_that_workspace_a_client(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    await store.async_save(
        Installation(
            app_id="A1",
            enterprise_id=None,
            team_id="T0LAB",
            bot_token="xoxb-lab",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_scopes=",".join(BOT_SCOPES),
            user_id="U0ADMIN",
            installed_at=dt.datetime.now(dt.UTC).timestamp(),
        )
    )
    clients = WorkspaceClients(slack.base_url, installations=store)
    client = await clients.client_for("T0LAB")
    assert client is not None
    assert client.token == "xoxb-lab"
    assert client.base_url == slack.base_url
    assert await clients.client_for("T0OTHER") is None
    single = WorkspaceClients(slack.base_url, token="xoxb-single")
    shared = await single.client_for("anything")
    assert shared is not None
    assert shared.token == "xoxb-single"


async def test_install_then_use_from_the_new_workspace(engine: AsyncEngine, slack: FakeSlack) -> None:
    edge = SlackEdge(Archive(engine), SubscriptionStore(engine), builtin_taxonomy())
    bolt = oauth_app(edge, engine, slack)
    async with TestClient(TestServer(http_app(bolt))) as client:
        page = await client.get(INSTALL_PATH)
        assert page.status == 200
        html = await page.text()
        assert "slack.com/oauth/v2/authorize" in html
        assert f"client_id={CLIENT_ID}" in html
        state = re.search(r"state=([\w-]+)", html)
        assert state is not None
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM slack_oauth_states"))).scalar_one() == 1

        # A forged state is refused and installs nothing.
        forged = await client.get(REDIRECT_PATH, params={"code": slack.oauth_code, "state": "forged"})
        assert forged.status in {400, 403}
        # The browser brings back the state cookie Bolt set (Secure, so sent by hand over http).
        cookie = page.cookies["slack-app-oauth-state"].value
        done = await client.get(
            REDIRECT_PATH,
            params={"code": slack.oauth_code, "state": state.group(1)},
            headers={"Cookie": f"slack-app-oauth-state={cookie}"},
        )
        assert done.status == 200
        assert slack.calls_to("oauth.v2.access")

        # The new workspace's commands are authorised with its own, just-installed token.
        body = command_body(slack, "subscribe RL").replace("T0FAKE", slack.install_team)
        answered = await client.post(EVENTS_PATH, data=body, headers=signed(body))
        assert answered.status == 200
        await until(lambda: len(slack.responses) == 1)
        assert slack.responses[0]["text"].startswith("Subscribed")
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    bot = await store.async_find_bot(enterprise_id=None, team_id=slack.install_team)
    assert bot is not None
    assert bot.bot_token == f"xoxb-installed-{slack.install_team}"
    async with engine.connect() as conn:
        rows = await conn.execute(select(func.count()).select_from(store.installations))
        assert rows.scalar_one() == 1


async def test_a_workspace_of_an_enterprise_grid_org_gets_its_own_token_for_deliveries(
    engine: AsyncEngine, slack: FakeSlack
) -> None:
    # A workspace of an Enterprise Grid org installs paperbot like any other, but Slack's
    # installation names its organisation (enterprise_id): the delivery, which knows only the
    # workspace a subscription was made in, must still find that workspace's token, and the
    # newest one after a reinstall (a workspace that later joined a Grid org included).
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)

    def installed(team: str, enterprise: str | None, token: str, at: float) -> Installation:
        return Installation(
            app_id="A1",
            enterprise_id=enterprise,
            team_id=team,
            bot_token=token,
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_scopes=",".join(BOT_SCOPES),
            user_id="U0ADMIN",
            installed_at=at,
        )

    now = dt.datetime(2026, 2, 3, 9, tzinfo=dt.UTC).timestamp()
    await store.async_save(installed("T0GRID", "E0ORG", "xoxb-grid", now))
    await store.async_save(installed("T0MOVED", None, "xoxb-before-grid", now))
    await store.async_save(installed("T0MOVED", "E0ORG", "xoxb-in-grid", now + 60))
    # Another app (another client id) installed in the same workspace never lends its token.
    other = AsyncSQLAlchemyInstallationStore(client_id="9999.0000", engine=engine)
    await other.async_save(installed("T0ELSE", "E0ORG", "xoxb-other-app", now))

    clients = WorkspaceClients(slack.base_url, installations=store)
    grid = await clients.client_for("T0GRID")
    assert grid is not None
    assert grid.token == "xoxb-grid"
    moved = await clients.client_for("T0MOVED")
    assert moved is not None
    assert moved.token == "xoxb-in-grid"
    assert await clients.client_for("T0ELSE") is None


async def test_a_workspace_that_joined_a_grid_org_after_installing_still_finds_its_bot(
    engine: AsyncEngine,
) -> None:
    # Installed before the org existed: stored without an enterprise id. Its requests now name
    # the org, and slack_sdk's own lookup, which matches that id too, found no bot: every
    # /paper was answered "not installed" (Bolt asks the store through async_find_bot).
    store = WorkspaceInstallations(client_id=CLIENT_ID, engine=engine)
    plain = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    await store.async_save(installation("T0LAB", "xoxb-lab"))
    assert await plain.async_find_bot(enterprise_id="E0ORG", team_id="T0LAB") is None
    bot = await store.async_find_bot(enterprise_id="E0ORG", team_id="T0LAB")
    assert bot is not None
    assert bot.bot_token == "xoxb-lab"
    # Another workspace of the org, and an org-wide install, are not that workspace.
    assert await store.async_find_bot(enterprise_id="E0ORG", team_id="T0ELSE") is None
    assert await store.async_find_bot(enterprise_id="E0ORG", team_id=None, is_enterprise_install=True) is None
    # The settings Bolt is built with use it.
    assert isinstance(
        oauth_settings(engine, CLIENT_ID, CLIENT_SECRET).installation_store, WorkspaceInstallations
    )


async def test_a_shared_channel_left_by_a_workspace_that_uninstalled_is_subscribed_from_another(
    engine: AsyncEngine,
) -> None:
    # A Slack Connect channel subscribed from T0GONE, which then uninstalled paperbot: its
    # subscription stays, paused. While T0GONE is installed it keeps the channel (the reply says
    # the digest is paused there); once its installation rows are gone, TEAM's `/paper subscribe`
    # in the same channel takes it over, as the installation store says.
    installations = WorkspaceInstallations(client_id=CLIENT_ID, engine=engine)
    await installations.async_save(installation(TEAM, FAKE_TOKEN))
    await installations.async_save(installation("T0GONE", "xoxb-gone"))
    store = SubscriptionStore(engine)
    owner = ChannelRef("slack", "T0GONE", CHANNEL)
    await store.save(Subscription(owner, Interests(("agents",)), paused=True, paused_reason="uninstalled"))
    edge = SlackEdge(Archive(engine), store, builtin_taxonomy())
    async with FakeSlack(users=[MEMBER]) as slack:
        bolt = oauth_app(edge, engine, slack)
        async with TestClient(TestServer(http_app(bolt))) as client:

            async def subscribe() -> str:
                asked = len(slack.responses)
                body = command_body(slack, "subscribe RL")
                assert (await client.post(EVENTS_PATH, data=body, headers=signed(body))).status == 200
                await until(lambda: len(slack.responses) > asked)
                return str(slack.responses[-1]["text"])

            assert await subscribe() == t("subscribe.elsewhere_paused", "en", workspace="T0GONE")
            await delete_workspace_rows(installations, None, "T0GONE")  # as on app_uninstalled
            taken = await subscribe()
    assert taken.endswith(t("subscribe.took_over", "en", workspace="T0GONE"))
    assert [s.channel for s in await store.all()] == [ChannelRef("slack", TEAM, CHANNEL)]
