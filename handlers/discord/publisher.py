"""Posts scheduled digests to Discord channels (or threads), one message per digest part.

Each part's last embed carries the footer `paperbot · {marker} · {i}/{n}` (see
`embeds.digest_messages`), so after a crash the delivery layer can ask `posted_parts` what
already reached the channel instead of guessing. Discord failures never raise out of
`publish`: a channel paperbot can no longer see or post in pauses its subscription (with a
reason `/paper list` shows); anything else comes back as "failed" with the part to resume
from, for the delivery outbox to retry later. discord.py sits out 429s itself.

A compact digest's card starts a public thread of its own once it is posted (in a server's text or
announcement channel; never in a DM or a thread, where Discord has none). The thread is a bonus on
a card already delivered: if Discord refuses it (an install whose invite lacks Create Public
Threads) or fails, the log says so once and the card stays a reply to the list; the part still
counts as posted. A card posted just before a crash keeps no thread: the resumed delivery starts
with the next part and does not go back for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from bot.errors import PaperbotError
from bot.i18n import t
from bot.ids import is_personal
from bot.models import Subscription
from bot.ports import NotifyResult, PublishResult
from bot.store.subscriptions import SubscriptionStore
from bot.text import clip
from handlers.discord.messages import MAX_CONTENT, MAX_FOOTER, DiscordMessage

logger = logging.getLogger("paperbot.discord")

# posted_parts reads recent history only, as Slack's does (200 × 5): a digest's parts are
# posted within minutes of each other, but the check comes when its retry does, and a retry
# after a Discord outage can come hours after the try that may have posted (up to the catch-up
# window, bot/store/outbox.py): a busy channel says more than one history page (Discord returns
# at most 100 messages a request) in that time. It stops as soon as every part is found.
HISTORY_LIMIT = 1000

# Discord's JSON error codes (discord.com/developers/docs/topics/opcodes-and-status-codes).
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
# "Cannot send messages to this user": a reader's DMs are closed to the bot (they turned DMs from
# server members off, blocked it, or share no server with it any more).
CANNOT_DM_USER = 50007
# "A thread has already been created for this message": the card has its thread, as wanted.
THREAD_ALREADY_CREATED = 160004

# A card's thread is archived after a day without a message (one of Discord's 60, 1440, 4320 or
# 10080 minutes): a daily digest's untouched threads leave the channel's thread list by the next
# digest, and a reply in an archived thread opens it again.
THREAD_ARCHIVE_MINUTES = 1440
# Where a message can start a public thread: a server's text and announcement channels.
_THREADED = (discord.ChannelType.text, discord.ChannelType.news)

# Failures no retry cures: paperbot lost sight of the channel, may not post in it, or it is
# gone. Each cause's wording and advice are the catalogue's (bot/i18n.py `pause.*`).
_FIX = {
    "missing_access": "fix.permissions",
    "missing_permissions": "fix.permissions",
    "unknown_channel": "fix.resubscribe",
    "not_messageable": "fix.resubscribe",
    "channel_deleted": "fix.resubscribe",
    "left_server": "fix.reinvite",
    "dm_closed": "fix.personal",
}


def pause_reason(cause: str, code: str, locale: str, *, personal: bool = False) -> str:
    """The paused_reason stored when Discord shuts paperbot out of a channel for good (`personal`:
    a reader's DM with the bot, which only the reader can bring back)."""
    fix_key = "fix.personal" if personal else _FIX[cause]
    cause_text, fix = t(f"pause.{cause}", locale), t(f"pause.{fix_key}", locale)
    return t("pause.reason", locale, cause=cause_text, platform="Discord", code=code, fix=fix)


class DiscordHistoryError(PaperbotError):
    """The channel's history could not be read, so which parts were posted is unknown.
    `channel_gone`: because the channel itself is gone or closed to paperbot (a post would be
    refused the same way and pause it), not because Discord did not answer."""

    def __init__(self, message: str, *, channel_gone: bool = False, outage: bool = False) -> None:
        super().__init__(message)
        self.channel_gone = channel_gone
        self.outage = outage  # because Discord itself did not answer (see _Failed)


class _Paused(Exception):
    """The channel can never receive this digest: pause its subscription."""

    def __init__(self, cause: str, code: str) -> None:
        super().__init__(f"{cause}: {code}")
        self.cause = cause
        self.code = code


class _Failed(Exception):
    """A transient failure: retry later from the same part. `outage`: Discord itself was
    unavailable (a 5xx after discord.py's retries, no connection, no answer in time, a rate limit
    longer than discord.py sits out), which says nothing about the channel: the outbox waits it
    out without using up the digest's attempts (PublishResult.outage)."""

    def __init__(self, code: str, *, outage: bool = False, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.outage = outage
        self.retry_after = retry_after


# Failures that say nothing about the channel: Discord unwell (5xx after discord.py's own
# retries), a rate limit longer than the client will sit out, the network, a timeout.
_TRANSIENT = (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError)


def _footer_text(marker: str, part: int, parts: int) -> str:
    """The footer the digest's part `part` (1-based) carries: `embeds.digest_messages` writes it."""
    return clip(f"paperbot · {marker} · {part}/{parts}", MAX_FOOTER)


def _classify(exc: BaseException) -> _Paused | _Failed:
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM_USER:
            return _Paused("dm_closed", _error_code(exc))
        cause = "missing_access" if exc.code == MISSING_ACCESS else "missing_permissions"
        return _Paused(cause, _error_code(exc))
    if isinstance(exc, discord.NotFound):
        return _Paused("unknown_channel", _error_code(exc))
    if isinstance(exc, discord.RateLimited):
        return _Failed(_error_code(exc), outage=True, retry_after=exc.retry_after)
    unwell = isinstance(exc, discord.HTTPException) and exc.status >= 500  # DiscordServerError
    outage = unwell or isinstance(exc, (aiohttp.ClientError, TimeoutError, OSError))
    return _Failed(_error_code(exc), outage=outage)


def _error_code(exc: BaseException) -> str:
    """Discord's status and error code, or a short name for failures that got no answer."""
    if isinstance(exc, discord.HTTPException):
        text = f"{exc.status} {getattr(exc.response, 'reason', '') or ''}".strip()
        return f"{text} (error code {exc.code})" if exc.code else text
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _CardThreads:
    """Starts each compact card's thread in one delivery's channel, never raising: the card is
    posted already, and a thread Discord refuses costs nothing but the thread. The first failure is
    logged, once; a refusal (403) stops the attempts for the rest of the delivery, which would all
    be refused too."""

    def __init__(self, channel: Any, subscription: Subscription, delivery_id: str) -> None:
        # Only a server's text or announcement channel: a DM (a personal digest) has no threads,
        # and a thread cannot hold another one.
        self.enabled = getattr(channel, "type", None) in _THREADED
        self.channel = subscription.channel
        self.delivery_id = delivery_id
        self.logged = False

    async def start(self, message: Any, name: str) -> None:
        if not self.enabled:
            return
        try:
            await message.create_thread(name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return
            if isinstance(exc, discord.Forbidden):
                self.enabled = False
            self._failed(exc)
        except (*_TRANSIENT, ValueError) as exc:  # ValueError: discord.py saw no server on the message
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if self.logged:
            logger.debug("Discord digest %s: no thread for a card: %s", self.delivery_id, _error_code(exc))
            return
        self.logged = True
        if isinstance(exc, discord.Forbidden):
            logger.warning(
                "Discord digest %s for %s: cannot start threads on its cards (%s); they stay replies "
                "to the list. Grant paperbot Create Public Threads in that channel to give each paper "
                "a thread (invite links from before this version lack it).",
                self.delivery_id,
                self.channel,
                _error_code(exc),
            )
        else:
            logger.warning(
                "Discord digest %s for %s: a card's thread could not be started (%s); the card is "
                "posted and stays a reply to the list",
                self.delivery_id,
                self.channel,
                _error_code(exc),
            )


class DiscordPublisher:
    """Posts a digest's messages to a subscription's Discord channel or thread."""

    def __init__(self, client: discord.Client, store: SubscriptionStore) -> None:
        self.client = client
        self.store = store

    async def publish(
        self,
        subscription: Subscription,
        messages: Sequence[DiscordMessage],
        *,
        delivery_id: str,
        start_at: int = 0,
    ) -> PublishResult:
        """Send messages[start_at:] in order; stop at the first failure, never raising for Discord's."""
        if not 0 <= start_at <= len(messages):
            raise ValueError(f"start_at {start_at} is outside 0..{len(messages)}")
        if start_at == len(messages):
            return PublishResult("posted", (), start_at, parts=len(messages))
        posted: list[str] = []
        part = start_at
        first: int | None = None  # part 0's message id, once known: a compact digest's cards reply to it
        try:
            channel = await self._channel(subscription.channel.channel)
            threads = _CardThreads(channel, subscription, delivery_id)
            for part in range(start_at, len(messages)):
                kwargs = messages[part].send_kwargs()
                if messages[part].reply_to_first:
                    if first is None:  # resuming after part 0 went out in an earlier attempt
                        first = await self._part_id(channel, delivery_id, 0, len(messages))
                    if first:
                        # A reply needs Read Message History, which paperbot has; if the list was
                        # deleted meanwhile, Discord posts the card as a plain message.
                        kwargs["reference"] = discord.MessageReference(
                            message_id=first, channel_id=int(channel.id), fail_if_not_exists=False
                        )
                        kwargs["mention_author"] = False
                try:
                    sent = await channel.send(**kwargs)
                except _TRANSIENT as exc:
                    raise _classify(exc) from exc
                posted.append(str(sent.id))
                if part == 0:
                    first = int(sent.id)
                if messages[part].thread_name:
                    await threads.start(sent, messages[part].thread_name)
        except _Paused as stop:
            await self._pause(subscription, stop, delivery_id)
            return PublishResult("paused", tuple(posted), part, stop.code, parts=len(messages))
        except _Failed as stop:
            logger.info(
                "Discord digest %s for %s stopped at part %d: %s",
                delivery_id,
                subscription.channel,
                part,
                stop.code,
            )
            return PublishResult(
                "failed",
                tuple(posted),
                part,
                stop.code,
                parts=len(messages),
                outage=stop.outage,
                retry_after=stop.retry_after,
            )
        return PublishResult("posted", tuple(posted), len(messages), parts=len(messages))

    async def posted_parts(self, channel_id: str, marker: str, *, limit: int = HISTORY_LIMIT) -> set[int]:
        """The parts (0-based, as `start_at` counts them) of the digest marked `marker` that the bot
        already posted among the channel's `limit` most recent messages.

        Raises DiscordHistoryError when the history cannot be read: an empty answer would make the
        caller post everything again."""
        me = self.client.user
        if me is None:
            raise DiscordHistoryError("the Discord client is not logged in, so its messages are unknown")
        footer = re.compile(rf"paperbot · {re.escape(marker)} · (\d+)/(\d+)")
        parts: set[int] = set()
        try:
            channel = await self._channel(channel_id)
            async for message in channel.history(limit=limit):
                if message.author.id != me.id or not message.embeds:
                    continue
                found = footer.fullmatch(message.embeds[-1].footer.text or "")
                if found and 1 <= int(found[1]) <= int(found[2]):
                    parts.add(int(found[1]) - 1)
                    if len(parts) == int(found[2]):
                        break  # every part is up: no older page can add one
        except (_Paused, _Failed) as exc:
            raise DiscordHistoryError(
                f"cannot read the history of channel {channel_id}: {exc}",
                channel_gone=isinstance(exc, _Paused),
                outage=isinstance(exc, _Failed) and exc.outage,
            ) from exc
        except _TRANSIENT as exc:
            stopped = _classify(exc)
            raise DiscordHistoryError(
                f"cannot read the history of channel {channel_id}: {_error_code(exc)}",
                outage=isinstance(stopped, _Failed) and stopped.outage,
            ) from exc
        return parts

    async def _part_id(self, channel: Any, marker: str, part: int, parts: int) -> int:
        """The id of part `part` (0-based) of the digest marked `marker` among the channel's recent
        messages, 0 when it is not there (deleted: the cards go out as plain messages). Raises
        _Failed when the history cannot be read: the outbox tries again later."""
        me = self.client.user
        footer = _footer_text(marker, part + 1, parts)
        try:
            async for message in channel.history(limit=HISTORY_LIMIT):
                if me is not None and message.author.id != me.id:
                    continue
                if message.embeds and (message.embeds[-1].footer.text or "") == footer:
                    return int(message.id)
        except _TRANSIENT as exc:
            stopped = _classify(exc)
            outage = isinstance(stopped, _Failed) and stopped.outage
            raise _Failed(f"cannot read the history: {_error_code(exc)}", outage=outage) from exc
        logger.warning("Discord digest %s: its first message is gone; posting its cards unthreaded", marker)
        return 0

    async def notify(self, *, channel_id: str = "", user_id: str = "", text: str) -> NotifyResult:
        """Post a plain notice (bot/delivery/loud_failures.py) to a channel, or by DM to a user; never
        raises for Discord's errors. Nobody is pinged: the text may quote a platform's error."""
        kwargs: dict[str, Any] = {
            "content": clip(text, MAX_CONTENT),
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        try:
            if user_id:
                try:
                    user = await self.client.fetch_user(int(user_id))
                except ValueError:
                    return NotifyResult(False, f"not a Discord user id: {user_id!r}", permanent=True)
                await user.send(**kwargs)
            else:
                channel = await self._channel(channel_id)
                try:
                    await channel.send(**kwargs)
                except _TRANSIENT as exc:
                    raise _classify(exc) from exc
        except _Paused as stop:
            return NotifyResult(False, f"{stop.cause}: {stop.code}", permanent=True)
        except _Failed as stop:
            return NotifyResult(False, stop.code, outage=stop.outage)
        except (discord.Forbidden, discord.NotFound) as exc:  # DMs closed (50007), unknown user
            return NotifyResult(False, _error_code(exc), permanent=True)
        except _TRANSIENT as exc:
            stopped = _classify(exc)
            return NotifyResult(
                False, _error_code(exc), outage=isinstance(stopped, _Failed) and stopped.outage
            )
        return NotifyResult(True)

    async def _channel(self, channel_id: str) -> Any:
        """The channel or thread to post in; raises _Paused or _Failed when there is none."""
        try:
            snowflake = int(channel_id)
        except ValueError:
            raise _Paused("unknown_channel", f"not a Discord channel id: {channel_id!r}") from None
        channel: Any = self.client.get_channel(snowflake)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(snowflake)
            except _TRANSIENT as exc:
                raise _classify(exc) from exc
        if not callable(getattr(channel, "send", None)):
            raise _Paused("not_messageable", type(channel).__name__)
        return channel

    async def _pause(self, subscription: Subscription, stop: _Paused, delivery_id: str) -> None:
        ref = subscription.channel
        reason = pause_reason(stop.cause, stop.code, subscription.locale, personal=is_personal(ref))
        await self.store.set_paused(ref, True, reason)
        logger.warning(
            "paused the Discord digest for %s (delivery %s): %s, Discord answered %s",
            ref,
            delivery_id,
            stop.cause.replace("_", " "),
            stop.code,
        )
