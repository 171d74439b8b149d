"""Multi-workspace installs: Bolt's OAuth flow with slack_sdk's SQLAlchemy stores on our database.

The stores' tables are created by migration 0003, so Alembic owns the schema; the library only
reads and writes rows. Each workspace's bot token comes from its installation, for commands
(Bolt's authorize) and for scheduled deliveries (`WorkspaceClients`).
"""

from __future__ import annotations

import time
import weakref
from typing import ClassVar

import aiohttp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import delete, desc, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.use_cases import Installed
from handlers.slack.publisher import make_client

# What the bot needs and why (the same list is in deploy/slack-manifest.yaml, and a test keeps
# the two and the code's API calls in step).
BOT_SCOPES = (
    "commands",  # /paper
    "chat:write",  # digests in channels the bot was invited to; DMs about paused channels
    "users:read",  # users.info: the caller's language; admin check; user_change (a reader left)
    "channels:history",  # conversations.history: was a digest already posted before a crash?
    "groups:history",  # the same for private channels
    "im:history",  # the same in a reader's DM with the app (a personal digest)
    "im:write",  # open a DM with whoever set up a channel that had to be paused; conversations.open
    # Lifecycle events (handlers/slack/lifecycle.py): pause a channel archived, deleted or left.
    "channels:read",  # channel_archive, channel_unarchive, channel_deleted, channel_left
    "groups:read",  # group_archive, group_unarchive, group_deleted, group_left (private channels)
    # Both also for users.conversations: the App Home lists a channel only to who could see it;
    # and conversations.info: can paperbot post where /paper subscribe was typed?
    # Link unfurls (handlers/slack/unfurls.py): a pasted paper link shows the paper's card.
    "links:read",  # the link_shared event for arxiv.org and huggingface.co links
    "links:write",  # chat.unfurl
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # an install link is good for ten minutes
TOKEN_CACHE_SECONDS = 300  # a reinstall (new token) is picked up within five minutes


class WorkspaceInstallations(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, which also finds a workspace's bot when Slack names an
    Enterprise Grid org the workspace had not joined when it installed paperbot. slack_sdk
    matches the enterprise id too: such a workspace's row is stored without one, so once its
    requests name the org, Bolt found no bot and answered every `/paper` with "not installed"
    (deliveries, which ask by team id alone, `_bot_token`, went on). A `T…` id names one
    workspace everywhere, so the row stored without an org is the same workspace's."""

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        bot = await super().async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None and enterprise_id and team_id and not is_enterprise_install:
            bot = await super().async_find_bot(enterprise_id=None, team_id=team_id)
        return bot


def oauth_settings(engine: AsyncEngine, client_id: str, client_secret: str) -> AsyncOAuthSettings:
    store = WorkspaceInstallations(client_id=client_id, engine=engine)
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )


class WorkspaceClients:
    """A Web API client per workspace: one shared client in single-workspace mode, else one per
    installed workspace with the bot token from its installation (cached briefly).

    A workspace that uninstalled paperbot or revoked its token is forgotten by every instance
    in the process (`forget_everywhere`, called by the lifecycle listeners, which have no handle
    on the delivery's clients): its cached client is dropped and, with the one shared token (which
    is then the revoked one), no client is given for it any more."""

    _instances: ClassVar[weakref.WeakSet[WorkspaceClients]] = weakref.WeakSet()

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        client: AsyncWebClient | None = None,
        installations: AsyncSQLAlchemyInstallationStore | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._base_url = base_url
        self._session = session
        self._shared = client or (make_client(token, base_url, session=session) if token else None)
        self._installations = installations
        self._clients: dict[str, tuple[float, AsyncWebClient]] = {}
        self._revoked: set[str] = set()  # workspaces the shared token no longer serves
        WorkspaceClients._instances.add(self)

    def forget(self, team_id: str) -> None:
        """Never hand out a client for `team_id` with the token known now (it was revoked)."""
        self._clients.pop(team_id, None)
        if self._shared is not None:
            self._revoked.add(team_id)

    @classmethod
    def forget_everywhere(cls, team_id: str) -> None:
        for clients in list(cls._instances):
            clients.forget(team_id)

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """The client for a workspace, or None when paperbot is not installed there."""
        if self._shared is not None:
            return None if team_id in self._revoked else self._shared
        cached = self._clients.get(team_id)
        if cached and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        if self._installations is None:
            return None
        token = await _bot_token(self._installations, team_id)
        if not token:
            return None
        client = make_client(token, self._base_url, session=self._session)
        self._clients[team_id] = (time.monotonic(), client)
        return client


async def _bot_token(installations: AsyncSQLAlchemyInstallationStore, team_id: str) -> str | None:
    """The newest bot token this app was given for the workspace `team_id`, whatever organisation
    Slack named with it. slack_sdk's `async_find_bot` matches the enterprise id too, and a
    subscription knows only its workspace: asked with None, it never finds the install of a
    workspace in an Enterprise Grid org (stored with its `E…` id), whose digests then went
    unposted as "not installed". A `T…` id names one workspace everywhere, so it is key enough;
    org-wide installs (no team id) are off in the manifest."""
    bots = installations.bots
    newest = (
        select(bots.c.bot_token)
        .where(
            bots.c.client_id == installations.client_id,
            bots.c.team_id == team_id,
            bots.c.bot_token.is_not(None),
        )
        .order_by(desc(bots.c.installed_at))
        .limit(1)
    )
    async with installations.engine.connect() as conn:
        token = (await conn.execute(newest)).scalar()
    return str(token) if token else None


def installed_check(installations: AsyncInstallationStore | None) -> Installed | None:
    """Whether paperbot is installed in a workspace, as its installation rows say (the bot token
    `_bot_token` finds; `delete_workspace_rows` deletes them when the workspace uninstalls or
    revokes the token): lets another workspace subscribe a shared channel whose subscription
    that workspace left behind (bot/chat/use_cases.py `subscribe`). None with one token (no
    installation store): paperbot then serves one workspace and cannot tell."""
    if not isinstance(installations, AsyncSQLAlchemyInstallationStore):
        return None
    store = installations

    async def installed(team_id: str) -> bool:
        return await _bot_token(store, team_id) is not None

    return installed


async def delete_workspace_rows(
    installations: AsyncInstallationStore, enterprise_id: str | None, team_id: str | None
) -> None:
    """Delete this app's installation and bot rows for a workspace that uninstalled paperbot or
    revoked its token. For a workspace (`team_id`), every row of it goes, whatever enterprise id
    it was stored with: slack_sdk's `async_delete_all` matches the enterprise id too, so a
    workspace installed before it joined an Enterprise Grid org (stored with None) and removed
    after (the event names the org's `E…` id) kept its row, and `_bot_token`, which asks by team
    id alone, found the revoked token again. An org-level event (no team id) deletes the org's
    own rows, as slack_sdk does."""
    if not team_id or not isinstance(installations, AsyncSQLAlchemyInstallationStore):
        await installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        return
    async with installations.engine.begin() as conn:
        for table in (installations.bots, installations.installations):
            await conn.execute(
                delete(table).where(table.c.client_id == installations.client_id, table.c.team_id == team_id)
            )
