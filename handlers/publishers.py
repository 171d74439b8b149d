"""The digest publishers this process can use, from its configuration (for `deliver` and `run`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TextIO

import aiohttp

from bot.errors import PlatformUnavailable
from bot.ports import DigestPublisher, Recipient
from bot.runtime.composition import App
from handlers.console.publisher import ConsolePublisher

if TYPE_CHECKING:
    import discord

log = logging.getLogger("paperbot.delivery")


async def discord_publisher(app: App) -> tuple[discord.Client, DigestPublisher]:
    """A logged-in Discord delivery client and its publisher. Raises ConfigurationError when
    Discord refuses DISCORD_TOKEN, PlatformUnavailable when Discord cannot be reached now; the
    client is closed when it raises."""
    from handlers.discord.delivery import DiscordDigestPublisher, delivery_client
    from handlers.discord.run import log_in

    # Posting needs only Discord's HTTP API: log in, no gateway connection.
    client = delivery_client()
    try:
        await log_in(client, app.settings)
    except BaseException:
        await client.close()
        raise
    return client, DiscordDigestPublisher(client, app.subscriptions)


async def slack_publisher(app: App, http: aiohttp.ClientSession) -> DigestPublisher:
    """The Slack delivery publisher, once Slack's Web API has answered: `auth.test` with the bot
    token, or in OAuth mode `api.test` (no token; each workspace's own installation is that
    workspace's matter, never an outage). Raises BadInputError when Slack refuses SLACK_BOT_TOKEN,
    PlatformUnavailable when Slack cannot be reached now (no answer, a 5xx after retries)."""
    from handlers.slack.delivery import SlackDigestPublisher
    from handlers.slack.oauth import WorkspaceClients, WorkspaceInstallations
    from handlers.slack.publisher import make_client
    from handlers.slack.tenancy import verify_api, verify_bot_token

    settings = app.settings
    if settings.slack_client_id:
        await verify_api(make_client("", settings.slack_api_url, session=http))
        store = WorkspaceInstallations(client_id=settings.slack_client_id, engine=app.engine)
        clients = WorkspaceClients(settings.slack_api_url, installations=store, session=http)
    else:
        assert settings.slack_bot_token is not None
        token = settings.slack_bot_token.get_secret_value()
        await verify_bot_token(make_client(token, settings.slack_api_url, session=http))
        clients = WorkspaceClients(settings.slack_api_url, token=token, session=http)
    return SlackDigestPublisher(clients, app.subscriptions)


@asynccontextmanager
async def publishers(
    app: App, out: TextIO, unavailable: dict[str, str] | None = None
) -> AsyncIterator[dict[str, DigestPublisher]]:
    """Slack and Discord when configured. The console's digests only without them: its channels
    are the demo's, printed in this terminal, never a platform service's log; a process serving a
    platform keeps the console for PAPERBOT_OPERATOR_CHANNEL=console's notices alone.

    With `unavailable`, a platform that cannot be reached now (an outage, not a refused token) is
    left out and named there with why, so the others are still served; without it, it raises."""
    settings = app.settings
    found: dict[str, DigestPublisher] = {}
    if not settings.has_platform:
        found["console"] = ConsolePublisher(out)
    elif settings.operator_channel and Recipient.parse(settings.operator_channel).platform == "console":
        found["console"] = ConsolePublisher(out, digests=False)
    discord_client = None
    http: aiohttp.ClientSession | None = None
    try:
        if settings.slack_mode is not None:
            from handlers.slack.publisher import make_session

            # One connection pool for every post of every pass, not a TLS handshake per message.
            http = make_session()
            try:
                # A refused SLACK_BOT_TOKEN is a configuration error: one line, exit 2.
                found["slack"] = await slack_publisher(app, http)
            except PlatformUnavailable as exc:
                if unavailable is None:
                    raise
                # Slack's outage must not use up its digests' attempts, nor keep Discord's back.
                unavailable["slack"] = str(exc)
                log.warning("Slack is unavailable: %s", exc)
        if settings.discord_token is not None:
            try:
                # A refused DISCORD_TOKEN is a configuration error: one line, exit 2.
                discord_client, found["discord"] = await discord_publisher(app)
            except PlatformUnavailable as exc:
                if unavailable is None:
                    raise
                # Discord's outage must not keep Slack's digests from going out.
                unavailable["discord"] = str(exc)
                log.warning("Discord is unavailable: %s", exc)
        yield found
    finally:
        if discord_client is not None:
            await discord_client.close()
        if http is not None:
            await http.close()
