"""`paperbot run` with DISCORD_TOKEN: log in, connect, serve until the stop signal.

Start-up checks the credentials with Discord itself: the login (`GET /users/@me`) must accept
DISCORD_TOKEN, else the one error line names the variable (exit 2). `/readyz` reports Discord
ready only once the gateway said READY and the connection is open.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

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
from handlers.runtime import RETRY_CAP, retry_delay, stop_on_signals, try_again

log = logging.getLogger("paperbot.discord")

# The gateway's close code for a token it does not accept (Discord's "Authentication failed").
AUTHENTICATION_FAILED = 4004
# A connection lost sooner than this after READY is the same outage flaring up, not a new one:
# the waits between tries go on growing instead of starting again at 1 s. A gateway that accepts
# each session and drops it at once (a flapping network, a gateway node going up and down) was
# otherwise identified with again every couple of seconds, and Discord resets a bot's token
# after 1,000 IDENTIFYs in a day (session_start_limit), which only the operator can mend.
STEADY_SECONDS = RETRY_CAP


def _refused() -> ConfigurationError:
    return ConfigurationError(
        [
            (
                "DISCORD_TOKEN",
                "Discord refused it: copy the bot token again from the Developer Portal (Bot → Reset Token)",
            )
        ]
    )


def make_bot(app: App, *, sync_commands: bool = True) -> PaperBot:
    edge = DiscordEdge(
        app.archive,
        app.subscriptions,
        app.taxonomy,
        default_tz=app.settings.timezone,
        vote_store=app.votes,
        notices=app.recorded_notices("discord-edge"),
    )
    return PaperBot(edge, guild_id=app.settings.discord_guild_id, sync_commands=sync_commands)


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


class _RefusedWhileServing(PlatformUnavailable):
    """DISCORD_TOKEN refused after Discord had accepted it in this process (reset in the Developer
    Portal while running): tried again like an outage, so it stops nothing else, but said as an
    error, since only the operator can mend it."""


async def run_discord(
    app: App,
    stop: asyncio.Event | None = None,
    readiness: Readiness | None = None,
    *,
    delay_after: Callable[[int], float] = retry_delay,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Serve Discord until `stop`. Discord being unavailable (no answer, a 5xx, a failed
    connection, a gateway connection lost) never ends it: the other platforms keep serving and
    Discord is tried again on the shared policy (handlers/runtime.py `try_again`: 1, 2, 4 … s
    apart, at most RETRY_CAP, with jitter; `delay_after` replaces it in tests), each try logged,
    the waits starting again from 1 s only after a connection that held STEADY_SECONDS (`clock`),
    and /readyz and `paperbot_platform_connected` say "not connected" meanwhile. A token Discord
    refuses before it ever accepted one is a configuration error (exit 2); one refused later
    (reset in the Developer Portal while running) is logged as an error and tried again like an
    outage, so it stops nothing else."""
    stop = stop or stop_on_signals()
    current: list[PaperBot] = []  # the bot of the current try

    async def connected() -> bool:
        # READY arrived, this loop has counted it (`ready_at`: discord.py's ready flag is set one
        # loop turn before `served` runs, and a connection counted later would seem to have held
        # for less than it did), and the gateway connection is open right now (not between
        # reconnects).
        bot = current[-1] if current else None
        return (
            bot is not None
            and ready_at is not None
            and bot.is_ready()
            and not bot.is_closed()
            and bot.ws is not None
            and bot.ws.open
        )

    if readiness is not None:
        readiness.platforms["discord"] = connected
    accepted = False  # whether Discord's gateway has accepted DISCORD_TOKEN in this process
    synced = False  # whether /paper was synced in this process (once is enough: it changes only on upgrade)
    failing = False  # whether the last try failed (the next one that gets through says so)
    ready_at: float | None = None  # when the current connection said READY (`clock`)

    def served() -> None:
        nonlocal accepted, ready_at
        accepted = True
        ready_at = clock()

    async def session() -> PlatformUnavailable | None:
        """One connection, from the login to its end: None once `stop` ended it; the failure that
        ended a connection that had held STEADY_SECONDS after READY (a fresh outage, backed off
        from the start); raises PlatformUnavailable when it did not get that far."""
        nonlocal synced, failing, ready_at
        ready_at = None
        bot = make_bot(app, sync_commands=not synced)
        current[:] = [bot]
        try:
            async with bot:  # closes the HTTP session and the gateway on the way out
                await log_in(bot, app.settings)  # also syncs the commands (setup_hook)
                synced = True
                await _use_gateway_of(bot, app.settings.discord_api_url)
                if failing:
                    log.info("Discord: reachable again")
                failing = False
                await _serve(bot, stop, on_ready=served)
                return None
        except ConfigurationError:
            if not accepted:
                raise  # misconfigured from the start: fail fast, one line naming the variable
            raise _RefusedWhileServing(
                "Discord refused DISCORD_TOKEN (reset in the Developer Portal? set the new one)"
            ) from None
        except _ConnectionLost as lost:
            if ready_at is not None and clock() - ready_at >= STEADY_SECONDS:
                return PlatformUnavailable(str(lost))
            raise PlatformUnavailable(str(lost)) from None

    def said(failure: Exception, delay: float) -> None:
        nonlocal failing
        failing = True
        level = logging.ERROR if isinstance(failure, _RefusedWhileServing) else logging.WARNING
        log.log(
            level,
            "Discord unavailable: %s; trying again in %s (the other platforms keep serving)",
            failure,
            _in_words(delay),
        )

    failure: PlatformUnavailable | None = None
    while not stop.is_set():
        if failure is None:
            try:
                failure = await session()  # the first try: a refused token ends `run` here
            except PlatformUnavailable as exc:
                failure = exc
            if failure is None:
                break  # stopped
            continue
        failure = await try_again(session, stop, failure, said, delay_after=delay_after)
        if failure is None:
            break  # stopped (while Discord was down, or after serving)
    log.warning("Discord: stopping")
    return 0


class _ConnectionLost(PaperbotError):
    """The gateway connection ended for a reason a new connection may mend."""


async def _serve(bot: PaperBot, stop: asyncio.Event, on_ready: Callable[[], None]) -> None:
    """Hold the gateway connection until `stop`, or until it is lost: raises
    ConfigurationError for a token the gateway refuses, _ConnectionLost for the rest.
    `on_ready` is called once the gateway said READY.

    discord.py itself follows Discord's requests to reconnect or resume (op 7, a session to
    resume), and resumes once right after a dropped connection; with `reconnect=False` it
    gives up when that fails instead of trying again on its own backoff (up to ~17 minutes
    apart, a traceback logged each time), so every reconnect after that is run_discord's, on
    the shared policy."""
    connection = asyncio.create_task(bot.connect(reconnect=False))
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
        why = _why(failure) if failure is not None else "closed"
        raise _ConnectionLost(f"Discord connection lost: {why}")
    await bot.close()
    connection.cancel()


def _why(failure: BaseException) -> str:
    """A failure's text; its type when it has none (a timeout)."""
    return str(failure) or type(failure).__name__


async def _use_gateway_of(bot: PaperBot, api_url: str) -> None:
    """Connect to the gateway that Discord's `GET /gateway/bot` names (discord.py would use its
    built-in address, a class attribute like Route.BASE), if Discord allows another session
    start today (_check_session_starts)."""
    try:
        _shards, gateway, limit = await bot.http.get_bot_gateway()
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        why = str(exc) or type(exc).__name__
        raise PlatformUnavailable(f"cannot reach Discord at DISCORD_API_URL={api_url}: {why}") from None
    _check_session_starts(limit)
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


# Below this share of the day's session starts left, each new session is logged as a warning.
_FEW_STARTS_LEFT = 0.1


def _check_session_starts(limit: Mapping[str, Any]) -> None:
    """Discord allows a bot `total` session starts (IDENTIFYs; a resumed session is none) a day,
    1,000 for most bots, and on the one after them terminates every session, resets the bot's
    token and emails its owner: paperbot would be off until the operator set a new one. With none
    `remaining`, the next try is no sooner than their `reset_after` (ms); with few, each start
    is a warning, since something (a flapping network) is using them up. A limit that is not
    there (an older API, a double) is no limit."""
    try:
        total, remaining = int(limit["total"]), int(limit["remaining"])
        reset_after = float(limit["reset_after"]) / 1000
    except (KeyError, TypeError, ValueError):
        return
    if remaining <= 0:
        raise PlatformUnavailable(
            f"Discord allows no more session starts until its daily limit of {total:,} resets in"
            f" {_in_words(reset_after)} (one more would make Discord reset DISCORD_TOKEN)",
            wait=reset_after,
        )
    if remaining <= total * _FEW_STARTS_LEFT:
        log.warning(
            "Discord: %s of today's %s session starts left (they reset in %s); each reconnect"
            " that cannot resume uses one, and Discord resets DISCORD_TOKEN after the last",
            f"{remaining:,}",
            f"{total:,}",
            _in_words(reset_after),
        )


def _in_words(seconds: float) -> str:
    """`3 h 12 min`, `12 min`, `40 s`: a wait as an operator reads it."""
    whole = max(0, round(seconds))
    hours, minutes = whole // 3600, whole % 3600 // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{whole} s"
