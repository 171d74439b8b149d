"""The digest publishers this process can use, from its configuration (for `deliver` and `run`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

import aiohttp

from bot.ports import DigestPublisher, Recipient
from bot.runtime.composition import App
from handlers.console.publisher import ConsolePublisher


@asynccontextmanager
async def publishers(app: App, out: TextIO) -> AsyncIterator[dict[str, DigestPublisher]]:
    """Slack and Discord when configured. The console's digests only without them: its channels
    are the demo's, printed in this terminal, never a platform service's log; a process serving a
    platform keeps the console for PAPERBOT_OPERATOR_CHANNEL=console's notices alone."""
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
            from handlers.slack.delivery import SlackDigestPublisher
            from handlers.slack.oauth import WorkspaceClients
            from handlers.slack.publisher import make_session

            # One connection pool for every post of every pass, not a TLS handshake per message.
            http = make_session()
            if settings.slack_client_id:
                from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

                store = AsyncSQLAlchemyInstallationStore(
                    client_id=settings.slack_client_id, engine=app.engine
                )
                clients = WorkspaceClients(settings.slack_api_url, installations=store, session=http)
            else:
                assert settings.slack_bot_token is not None
                token = settings.slack_bot_token.get_secret_value()
                clients = WorkspaceClients(settings.slack_api_url, token=token, session=http)
            found["slack"] = SlackDigestPublisher(clients, app.subscriptions)
        if settings.discord_token is not None:
            from handlers.discord.delivery import DiscordDigestPublisher, delivery_client
            from handlers.discord.run import log_in

            # Posting needs only Discord's HTTP API: log in, no gateway connection.
            discord_client = delivery_client()
            await log_in(discord_client, settings)  # a refused DISCORD_TOKEN: one line, exit 2
            found["discord"] = DiscordDigestPublisher(discord_client, app.subscriptions)
        yield found
    finally:
        if discord_client is not None:
            await discord_client.close()
        if http is not None:
            await http.close()
