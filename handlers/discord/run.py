"""`paperbot run` with DISCORD_TOKEN: log in, connect, serve until the stop signal.

Start-up checks the credentials with Discord itself: the login (`GET /users/@me`) must accept
DISCORD_TOKEN, else the one error line names the variable (exit 2). `/readyz` reports Discord
ready only once the gateway said READY and the connection is open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

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
from handlers.runtime import retry_delay, stop_on_signals, stopped_within

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
    """Serve Discord until `stop`. Discord being unavailable (no answer, a 5xx, a failed
    connection) never ends it: the other platforms keep serving and Discord is tried again,
    with backoff, until it answers. A token Discord refuses before it ever accepted one is a
    configuration error (exit 2); one refused later (reset in the Developer Portal while
    running) is logged as an error and tried again like an outage, so it stops nothing else."""
    stop = stop or stop_on_signals()
    current: list[PaperBot] = []  # the bot of the current try

    async def connected() -> bool:
        # READY arrived and the gateway connection is open right now (not between reconnects).
        bot = current[-1] if current else None
        return (
            bot is not None and bot.is_ready() and not bot.is_closed() and bot.ws is not None and bot.ws.open
        )

    if readiness is not None:
        readiness.platforms["discord"] = connected
    accepted = False  # whether Discord's gateway has accepted DISCORD_TOKEN in this process

    def served() -> None:
        nonlocal accepted
        accepted = True

    failures = 0
    while not stop.is_set():
        bot = make_bot(app)
        current[:] = [bot]
        try:
            async with bot:  # closes the HTTP session and the gateway on the way out
                await log_in(bot, app.settings)  # also syncs the commands (setup_hook)
                await _use_gateway_of(bot, app.settings.discord_api_url)
                if failures:
                    log.info("Discord: reachable again after %d failed tries", failures)
                failures = 0
                # discord.py reconnects a dropped gateway on its own, with its own backoff; it
                # raises only what a reconnect cannot mend (a refused token, bad intents).
                if await _serve(bot, stop, on_ready=served):
                    break
        except ConfigurationError:
            if not accepted:
                raise  # misconfigured from the start: fail fast, one line naming the variable
            # Reset while serving: nothing else must stop for it; the operator must act.
            level, why = (
                logging.ERROR,
                "Discord refused DISCORD_TOKEN (reset in the Developer Portal? set the new one)",
            )
        except PaperbotError as exc:  # unreachable, or a gateway closed for good: an outage
            level, why = logging.WARNING, str(exc)
        failures += 1
        delay = retry_delay(failures)
        log.log(
            level,
            "Discord unavailable: %s; trying again in %.0f s (the other platforms keep serving)",
            why,
            delay,
        )
        if await stopped_within(stop, delay):
            break
    log.warning("Discord: stopping")
    return 0


async def _serve(bot: PaperBot, stop: asyncio.Event, on_ready: Callable[[], None]) -> bool:
    """Hold the gateway connection until `stop` (True) or until discord.py gives up on it:
    raises ConfigurationError for a token the gateway refuses, PaperbotError for the rest.
    `on_ready` is called once the gateway said READY."""
    connection = asyncio.create_task(bot.connect(reconnect=True))
    stopping = asyncio.create_task(stop.wait())
    ready = asyncio.create_task(bot.wait_until_ready())
    ready.add_done_callback(lambda task: None if task.cancelled() or task.exception() else on_ready())
    done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if connection in done:
        stopping.cancel()
        failure = connection.exception()
        if isinstance(failure, discord.ConnectionClosed) and failure.code == AUTHENTICATION_FAILED:
            raise _refused()
        raise PaperbotError(f"Discord connection failed: {failure or 'closed'}")
    await bot.close()
    connection.cancel()
    return True


async def _use_gateway_of(bot: PaperBot, api_url: str) -> None:
    """Connect to the gateway that Discord's `GET /gateway/bot` names (discord.py would use its
    built-in address, a class attribute like Route.BASE)."""
    try:
        _shards, gateway, _limit = await bot.http.get_bot_gateway()
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        why = str(exc) or type(exc).__name__
        raise PlatformUnavailable(f"cannot reach Discord at DISCORD_API_URL={api_url}: {why}") from None
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
