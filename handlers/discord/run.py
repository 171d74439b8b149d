"""`paperbot run` with DISCORD_TOKEN: log in, connect, serve until the stop signal."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.app import App
from bot.errors import PaperbotError
from handlers.discord.bot import DiscordEdge, PaperBot
from handlers.ops import Readiness
from handlers.runtime import stop_on_signals

log = logging.getLogger("paperbot.discord")


def make_bot(app: App) -> PaperBot:
    edge = DiscordEdge(app.archive, app.subscriptions, app.taxonomy, default_tz=app.settings.timezone)
    return PaperBot(edge, guild_id=app.settings.discord_guild_id)


async def run_discord(app: App, stop: asyncio.Event | None = None, readiness: Readiness | None = None) -> int:
    token = app.settings.discord_token
    assert token is not None
    stop = stop or stop_on_signals()
    bot = make_bot(app)

    async def connected() -> bool:
        return bot.is_ready() and not bot.is_closed()

    if readiness is not None:
        readiness.platforms["discord"] = connected
    async with bot:  # closes the HTTP session and the gateway on the way out
        try:
            await bot.login(token.get_secret_value())
        except discord.LoginFailure:
            raise PaperbotError(
                "Discord refused DISCORD_TOKEN: copy the bot token again from the Developer Portal"
            ) from None
        connection = asyncio.create_task(bot.connect(reconnect=True))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connection in done and connection.exception() is not None:
            stopping.cancel()
            raise PaperbotError(f"Discord connection failed: {connection.exception()}")
        log.warning("Discord: stopping")
        await bot.close()
        connection.cancel()
    return 0
