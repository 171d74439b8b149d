"""`paperbot run` with DISCORD_TOKEN: log in, connect, serve until the stop signal.

Start-up checks the credentials with Discord itself: the login (`GET /users/@me`) must accept
DISCORD_TOKEN, else the one error line names the variable (exit 2). `/readyz` reports Discord
ready only once the gateway said READY and the connection is open.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.errors import PaperbotError, PlatformUnavailable
from bot.runtime.composition import App
from bot.runtime.config import ConfigurationError, Settings
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.ops import Readiness
from handlers.runtime import stop_on_signals

log = logging.getLogger("paperbot.discord")

# The gateway's close code for a token it does not accept (Discord's "Authentication failed").
AUTHENTICATION_FAILED = 4004


def _refused() -> ConfigurationError:
    return ConfigurationError(
        [
            (
                "DISCORD_TOKEN",
                "Discord refused it: copy the bot token again from the Developer Portal (Bot → Reset Token)",
            )
        ]
    )


def make_bot(app: App) -> PaperBot:
    edge = DiscordEdge(
        app.archive,
        app.subscriptions,
        app.taxonomy,
        default_tz=app.settings.timezone,
        vote_store=app.votes,
        notices=app.recorded_notices("discord-edge"),
    )
    return PaperBot(edge, guild_id=app.settings.discord_guild_id)


async def log_in(client: discord.Client, settings: Settings) -> None:
    """Log `client` in at DISCORD_API_URL: Discord checks DISCORD_TOKEN here (`GET /users/@me`),
    so a refused token is one configuration error naming it (exit 2), before anything is served.

    discord.py keeps its REST base in a class attribute (`Route.BASE`), shared by every client
    of the process: the posting client and the gateway client use the same Discord anyway.
    """
    assert settings.discord_token is not None
    Route.BASE = settings.discord_api_url.rstrip("/")
    try:
        await client.login(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        raise _refused() from None
    except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        # A timeout carries no text of its own: the line would end at "…/api/v10: ".
        why = str(exc) or (
            "no answer in time (timeout)" if isinstance(exc, TimeoutError) else type(exc).__name__
        )
        raise PlatformUnavailable(
            f"cannot reach Discord at DISCORD_API_URL={settings.discord_api_url}: {why}"
        ) from None


async def run_discord(app: App, stop: asyncio.Event | None = None, readiness: Readiness | None = None) -> int:
    stop = stop or stop_on_signals()
    bot = make_bot(app)

    async def connected() -> bool:
        # READY arrived and the gateway connection is open right now (not between reconnects).
        return bot.is_ready() and not bot.is_closed() and bot.ws is not None and bot.ws.open

    if readiness is not None:
        readiness.platforms["discord"] = connected
    async with bot:  # closes the HTTP session and the gateway on the way out
        await log_in(bot, app.settings)  # also syncs the commands (setup_hook)
        await _use_gateway_of(bot, app.settings.discord_api_url)
        connection = asyncio.create_task(bot.connect(reconnect=True))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connection in done and (failure := connection.exception()) is not None:
            stopping.cancel()
            if isinstance(failure, discord.ConnectionClosed) and failure.code == AUTHENTICATION_FAILED:
                raise _refused() from None
            raise PaperbotError(f"Discord connection failed: {failure}")
        log.warning("Discord: stopping")
        await bot.close()
        connection.cancel()
    return 0


async def _use_gateway_of(bot: PaperBot, api_url: str) -> None:
    """Connect to the gateway that Discord's `GET /gateway/bot` names (discord.py would use its
    built-in address, a class attribute like Route.BASE)."""
    try:
        _shards, gateway, _limit = await bot.http.get_bot_gateway()
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        why = str(exc) or type(exc).__name__
        raise PlatformUnavailable(f"cannot reach Discord at DISCORD_API_URL={api_url}: {why}") from None
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
