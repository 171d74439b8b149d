"""Posts scheduled digests to Slack channels, one message per digest part.

Each part carries message metadata naming its delivery and part number, so after a crash the
delivery layer can ask `posted_parts` what already reached the channel instead of guessing.
Slack failures never raise out of `publish`: a channel that is gone for good pauses its
subscription (and its creator hears why by DM); anything else comes back as "failed" with the
part to resume from, for the delivery outbox to retry later.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import orjson
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryState
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import PaperbotError
from bot.i18n import t
from bot.ids import is_personal
from bot.models import LOCALES, ChannelRef, Subscription
from bot.ports import NotifyResult, PublishResult
from bot.runtime.metrics import RATE_LIMIT_WAIT_SECONDS, RATE_LIMIT_WAITS
from bot.store.subscriptions import SubscriptionStore
from bot.text import clip
from handlers.slack.messages import DIGEST_EVENT, SlackMessage

logger = logging.getLogger("paperbot.slack")

# Retries run inside one publish call while a delivery worker waits on it, so they stay few:
# a Slack that is still unwell after them becomes a "failed" result the outbox retries later.
# slack_sdk counts attempts once per request across all handlers (one RetryState), so a
# request is tried at most 1 + max(these) times, whatever mix of errors it meets.
RATE_LIMIT_RETRIES = 3  # chat.postMessage allows ~1 message/s per channel: short waits clear it
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2
# A Retry-After longer than this is not sat out in-process; the outbox retries later instead.
MAX_RETRY_AFTER_SECONDS = 30.0
# Spreads retries of workers that were rate-limited together (slack_sdk adds up to 1 s too).
RATE_LIMIT_JITTER_SECONDS = 1.0
# Exponential backoff for 5xx and connection errors: 0.5 s, 1 s, … plus jitter (slack_sdk's default).
BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.5)
# An explicit request timeout (slack_sdk's default is 30 s): one hung request must not hold a
# worker much longer than Slack's slowest normal answers.
REQUEST_TIMEOUT_SECONDS = 20
# slack_sdk applies its `timeout` only to sessions it creates itself: a shared session (every
# delivery pass's) keeps its own ClientTimeout, and aiohttp's default is 300 s in total. So the
# shared session carries the same bound: 20 s per request in all, 5 s to get a connection, 15 s
# of silence while reading. A hung chat.postMessage then fails after 20 s and is not retried in
# process (it may have been posted: see _NOT_IDEMPOTENT); the outbox retries it after asking.
SESSION_TIMEOUT = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS, connect=5, sock_read=15)
# posted_parts reads recent history only: a digest's parts are posted within minutes, and the
# page bound keeps a busy channel from turning one check into hundreds of calls.
HISTORY_PAGE_SIZE = 200
HISTORY_MAX_PAGES = 5
# chat.postMessage is not idempotent: a connection that dropped after the request was sent may
# already have posted the message, and retrying would post it twice. For these methods only a
# failure to connect (nothing was sent) is retried; the outbox re-checks with posted_parts.
_NOT_IDEMPOTENT = frozenset({"chat.postMessage", "chat.postEphemeral"})
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

Sleep = Callable[[float], Awaitable[None]]


class SlackHistoryError(PaperbotError):
    """conversations.history could not be read, so which parts were posted is unknown."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code  # Slack's error code, or the short name of a failure without an answer


# -- the client --------------------------------------------------------------------------------


def make_session(timeout: aiohttp.ClientTimeout = SESSION_TIMEOUT) -> aiohttp.ClientSession:
    """The HTTP connection pool that Slack clients share (one per process; closed by its owner),
    with explicit timeouts (`SESSION_TIMEOUT`; tests pass small ones).

    JSON goes through orjson both ways: a digest message is several kilobytes of blocks, and
    Slack answers a post with the whole message again; with the standard library's codec that
    was a fifth of the bot's CPU time per post."""
    return aiohttp.ClientSession(json_serialize=_json_text, response_class=_OrjsonResponse, timeout=timeout)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


class _OrjsonResponse(aiohttp.ClientResponse):
    """aiohttp's response, decoding JSON with orjson unless the caller asks otherwise (slack_sdk
    calls `json()` without arguments)."""

    async def json(
        self,
        *,
        encoding: str | None = None,
        loads: Callable[[str], Any] = orjson.loads,
        content_type: str | None = "application/json",
    ) -> Any:
        return await super().json(encoding=encoding, loads=loads, content_type=content_type)


def make_client(
    token: str,
    base_url: str = AsyncWebClient.BASE_URL,
    *,
    retry_sleep: Sleep = asyncio.sleep,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """The Slack Web API client paperbot uses: bounded retries for 429, 5xx and connection errors.

    `retry_sleep` is how retries wait; tests pass one that records the wait and returns at once.
    `session`: without one, slack_sdk opens a new connection (and TLS handshake) per request;
    delivery passes share one session, owned and closed by whoever created it."""
    handlers: list[AsyncRetryHandler] = [
        _RateLimitRetry(RATE_LIMIT_RETRIES, retry_sleep),
        _ServerErrorRetry(SERVER_ERROR_RETRIES, retry_sleep),
        _ConnectionErrorRetry(CONNECTION_ERROR_RETRIES, retry_sleep),
    ]
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_SECONDS,
        retry_handlers=handlers,
        session=session,
        logger=_api_logger(),
    )


def _api_logger() -> logging.Logger:
    """slack_sdk's client logger, with a level of its own.

    slack_sdk formats a debug line with the whole request payload whenever its logger's *own*
    level is DEBUG or lower, and a logger nobody configured has level 0, which counts: every post
    paid for formatting its blocks into a string nobody read (a third of the bot's CPU time per
    post in benchmarks/bench_deliver.py). The level follows the root logger's, read when the
    client is made: DEBUG when paperbot runs with debug logs, INFO otherwise."""
    logger = logging.getLogger("slack_sdk.web.async_client")
    if logger.level == logging.NOTSET:
        debug = logging.getLogger().isEnabledFor(logging.DEBUG)
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
    return logger


async def _wait_then_retry(state: RetryState, seconds: float, sleep: Sleep) -> None:
    state.next_attempt_requested = True
    await sleep(seconds)
    state.increment_current_attempt()


class _RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, fixed where it bites: it parses Retry-After with int() (a missing
    or fractional value raises mid-request), ignores its interval calculator and has no cap."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and retry_after_seconds(response) <= MAX_RETRY_AFTER_SECONDS
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = retry_after_seconds(response) + random.uniform(0, RATE_LIMIT_JITTER_SECONDS)
        RATE_LIMIT_WAITS.labels("slack").inc()
        RATE_LIMIT_WAIT_SECONDS.labels("slack").inc(wait)
        await _wait_then_retry(state, wait, self._sleep)


def retry_after_seconds(response: HttpResponse | None) -> float:
    """The Retry-After header in seconds; 1 s when absent or unreadable (Slack always sends it)."""
    headers = response.headers if response is not None else {}
    for name, values in headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return max(float(value), 0.0)
            except ValueError:
                break
    return 1.0


class _BackoffWithInjectedSleep(AsyncRetryHandler):
    """A retry handler that waits BACKOFF through an injectable sleep (tests pass one that
    returns at once); mixed in before slack_sdk's handler whose retry decision it keeps."""

    def __init__(self, max_retry_count: int, sleep: Sleep) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=BACKOFF)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        await _wait_then_retry(state, wait, self._sleep)


class _ServerErrorRetry(_BackoffWithInjectedSleep, AsyncServerErrorRetryHandler):
    """slack_sdk's 500/503 handler with an injectable sleep."""


class _ConnectionErrorRetry(_BackoffWithInjectedSleep, AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error handler, minus retrying posts that may have gone through."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if isinstance(error, aiohttp.ClientConnectorError):
            return True  # the connection was never made, so nothing was sent
        if _api_method(request.url) in _NOT_IDEMPOTENT:
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def _api_method(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


# -- why a channel was paused ------------------------------------------------------------------

# Slack's refusals of a post in a channel where paperbot may not post (an admin made it read-only
# or thread-only, or a workspace setting limits who posts): one cause, one wording.
_POSTING_RESTRICTED = {
    "restricted_action": "restricted_action",
    "restricted_action_read_only_channel": "restricted_action",
    "restricted_action_thread_only_channel": "restricted_action",
}
# Slack's refusal of a thread reply where the channel's posting permissions allow no threads
# ("Cannot post thread replies into a non_threadable channel", chat.postMessage's errors): a
# compact digest's cards are then posted in the channel itself, as when its first message is gone.
NO_THREADS = "restricted_action_non_threadable_channel"
# Errors that no retry cures: the channel is gone or closed to paperbot…
CHANNEL_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived", *_POSTING_RESTRICTED})
# …or the workspace's token no longer works (account_inactive: the bot user or workspace was
# deactivated — a token problem in Slack's docs, so a DM with the same token cannot work either).
WORKSPACE_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive"})
PERMANENT_ERRORS = CHANNEL_ERRORS | WORKSPACE_ERRORS
# Failures that say nothing about the channel, once the client's own retries are spent: Slack
# unwell (a 5xx, or its own words for one in a 200: internal_error, fatal_error,
# service_unavailable, request_timeout), unreachable (no connection, no answer in time), or asking
# to be left alone longer than the client sits out (429 `ratelimited` with a long Retry-After).
# The outbox waits these out without using up the digest's attempts (PublishResult.outage).
OUTAGE_ERRORS = frozenset(
    {
        "ratelimited",
        "http_429",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "timeout",
    }
)


def is_outage(code: str) -> bool:
    """Whether Slack's error `code` (`_error_code`'s) says Slack is down, not the channel."""
    return code in OUTAGE_ERRORS or code.startswith(("http_5", "not_json_http_5", "connection_error"))


# A notice that meets one of these is given up at once (the person is gone, or DMs are closed).
NOTICE_PERMANENT_ERRORS = PERMANENT_ERRORS | {"user_not_found", "user_disabled", "cannot_dm_bot"}
# chat.postMessage truncates `text` at 40,000 characters; a notice is a paragraph or a short list.
MAX_NOTICE_TEXT = 4000


def _fix_key(code: str, personal: bool = False) -> str:
    if code in WORKSPACE_ERRORS or code in {"app_uninstalled", "not_installed"}:
        return "fix.reinstall"
    if personal:  # a reader's DM with the app: only the reader can bring it back
        return "fix.personal"
    if code == "channel_deleted":
        return "fix.resubscribe"
    if code in _POSTING_RESTRICTED:
        return "fix.posting"
    return "fix.unarchive" if code == "is_archived" else "fix.invite"


def _cause_key(code: str) -> str:
    return f"pause.{_POSTING_RESTRICTED.get(code, code)}"


def retried_while_paused(reason: str | None) -> bool:
    """Whether a channel paused with `reason` is tried again at its due digests (bot/ports.py
    RetriesPaused): it was paused because its posting permissions keep paperbot out, and Slack
    sends no event when they change, so the next digest is the only way to find out. A
    reason is recognised by the catalogue's frame around the code, not its whole text, so a
    channel paused before a cause or cure was reworded is still recognised."""
    return bool(reason) and any(mark in str(reason) for mark in _RETRIED_MARKS)


# The part of `pause.reason` around the code, in every language (the \0s stand for cause and fix).
_RETRIED_MARKS = frozenset(
    t("pause.reason", locale, cause="\0", platform="Slack", code=code, fix="\0").split("\0")[1]
    for code in _POSTING_RESTRICTED
    for locale in LOCALES
)


# The wording of each reason is the catalogue's (bot/i18n.py `pause.*`), shared with Discord.
def pause_reason(code: str, locale: str, *, personal: bool = False) -> str:
    """The paused_reason stored for a permanent error; `/paper list` shows it to the channel
    (`personal`: to the reader, in their DM with the app)."""
    cause, fix = t(_cause_key(code), locale), t(f"pause.{_fix_key(code, personal)}", locale)
    return t("pause.reason", locale, cause=cause, platform="Slack", code=code, fix=fix)


def pause_notice(code: str, channel: str, locale: str) -> str:
    """The DM sent to a subscription's creator when its channel is paused."""
    cause, fix = t(_cause_key(code), locale), t(f"pause.{_fix_key(code)}", locale)
    return t(
        "pause.notice", locale, channel=f"<#{channel}>", cause=cause, platform="Slack", code=code, fix=fix
    )


# -- the publisher -----------------------------------------------------------------------------


class SlackPublisher:
    """Posts a digest's messages to a subscription's Slack channel."""

    def __init__(
        self, client: AsyncWebClient, store: SubscriptionStore, no_threads: set[ChannelRef] | None = None
    ) -> None:
        self.client = client
        self.store = store
        # The channels known to refuse thread replies (NO_THREADS), shared by the publishers of
        # one process (SlackDigestPublisher): a compact digest there goes up with its cards in the
        # channel from the start. Each of its digests used to try a thread reply, have it refused
        # and edit its list ("edited" under it, every morning). Kept in memory: after a restart,
        # or where a channel allows threads again, one refusal teaches it anew.
        self.no_threads = no_threads if no_threads is not None else set()

    async def publish(
        self,
        subscription: Subscription,
        messages: Sequence[SlackMessage],
        *,
        delivery_id: str,
        start_at: int = 0,
    ) -> PublishResult:
        """Post messages[start_at:] in order; stop at the first failure, never raising for Slack's."""
        if not 0 <= start_at <= len(messages):
            raise ValueError(f"start_at {start_at} is outside 0..{len(messages)}")
        channel = subscription.channel.channel
        posted: list[str] = []
        thread_ts: str | None = None  # part 0's ts, once known: a compact digest's cards reply to it
        # False once Slack refused a thread reply here (NO_THREADS). Known from the start, a new
        # digest's list says its cards follow it in the channel; a resumed one's list went up
        # before, saying what it said, and is edited as when the refusal comes now.
        threads = start_at > 0 or subscription.channel not in self.no_threads
        for part in range(start_at, len(messages)):
            message = messages[part]
            if not threads and part == 0 and message.unthreaded_blocks is not None:
                message = dataclasses.replace(message, blocks=message.unthreaded_blocks)
            if message.thread and thread_ts is None and threads:
                try:  # resuming after part 0 went out in an earlier attempt: find it
                    thread_ts = await self._part_ts(channel, delivery_id, 0)
                except SlackHistoryError as exc:
                    return await self._stopped(
                        subscription, str(exc), tuple(posted), part, len(messages), code=exc.code
                    )
                if not thread_ts:
                    logger.warning(
                        "Slack digest %s: its first message is gone; posting its cards in the channel",
                        delivery_id,
                    )
            parent = thread_ts if message.thread and threads else None
            ts, error, wait = await self._post_part(
                channel, message, delivery_id, part, len(messages), parent
            )
            if error == NO_THREADS and parent is not None:
                self.no_threads.add(subscription.channel)
                logger.warning(
                    "Slack digest %s: %s takes no thread replies; posting its cards in the channel",
                    delivery_id,
                    subscription.channel,
                )
                threads = False
                # Before the first card goes up, so the list never points at a thread for long.
                await self._say_cards_below(channel, messages[0], parent, delivery_id, len(messages))
                ts, error, wait = await self._post_part(channel, message, delivery_id, part, len(messages))
            if error is not None:
                return await self._stopped(
                    subscription, error, tuple(posted), part, len(messages), retry_after=wait
                )
            posted.append(ts)
            if part == 0:
                thread_ts = ts
            if len(posted) == 1 and subscription.paused:
                await self._resume(subscription)
        return PublishResult("posted", tuple(posted), len(messages), parts=len(messages))

    async def posted_parts(self, channel: str, delivery_id: str, *, oldest: float | None = None) -> set[int]:
        """The part numbers of `delivery_id` already in the channel's recent history.

        Raises SlackHistoryError when the history cannot be read: an empty answer would make
        the caller re-post everything."""
        parts: set[int] = set()
        threads: list[str] = []  # parts with replies: a compact digest's cards are there
        cursor: str | None = None
        for _ in range(HISTORY_MAX_PAGES):
            page = await self._history_page(channel, oldest, cursor)
            for message in page.get("messages") or []:
                part = _part_of(message, delivery_id)
                if part is None:
                    continue
                parts.add(part)
                if message.get("reply_count") and message.get("ts"):
                    threads.append(str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        # conversations.history lists no thread replies: read each thread the digest started.
        for thread_ts in threads:
            cursor = None
            for _ in range(HISTORY_MAX_PAGES):
                page = await self._history_page(channel, oldest, cursor, thread_ts=thread_ts)
                parts |= {
                    p for m in page.get("messages") or [] if (p := _part_of(m, delivery_id)) is not None
                }
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
        return parts

    async def _part_ts(self, channel: str, delivery_id: str, part: int) -> str:
        """The ts of part `part` of `delivery_id` in the channel's recent history ("" when it is
        not there); raises SlackHistoryError when the history cannot be read."""
        cursor: str | None = None
        for _ in range(HISTORY_MAX_PAGES):
            page = await self._history_page(channel, None, cursor)
            for message in page.get("messages") or []:
                if _part_of(message, delivery_id) == part and message.get("ts"):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return ""

    # -- posting ---------------------------------------------------------------------------------

    async def _post_part(
        self,
        channel: str,
        message: SlackMessage,
        delivery_id: str,
        part: int,
        parts: int,
        thread_ts: str | None = None,
    ) -> tuple[str, str | None, float | None]:
        """(ts, None, None) once posted, or ("", error code, the Retry-After Slack sent if any)
        after the client's retries gave up. A
        message with images that Slack refuses as `invalid_blocks` (it could not fetch an image)
        is posted once more without them: nothing was posted, and the paper is still worth it."""
        body: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            # A digest is a list of paper links: previews would bury the cards.
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": _metadata(delivery_id, part, parts),
        }
        if message.blocks:
            body["blocks"] = message.blocks
        if thread_ts:
            body["thread_ts"] = thread_ts
        try:
            # The body is sent as built: chat_postMessage's keyword handling would walk every
            # block again to convert model objects we never use (an eighth of the CPU per post).
            response = await self.client.api_call("chat.postMessage", json=body)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            code = _error_code(exc)
            if code != "invalid_blocks" or message.plain_blocks is None:
                return "", code, _retry_after(exc)
            logger.warning(
                "Slack refused part %d of %s with images (%s); posting it without", part, delivery_id, exc
            )
            body["blocks"] = message.plain_blocks
            try:
                response = await self.client.api_call("chat.postMessage", json=body)
            except (SlackClientError, aiohttp.ClientError, TimeoutError) as again:
                return "", _error_code(again), _retry_after(again)
        return str(response.get("ts") or ""), None, None

    async def _say_cards_below(
        self, channel: str, listing: SlackMessage, ts: str, delivery_id: str, parts: int
    ) -> None:
        """Edit a compact digest's list (part 0, posted as `ts`) to say that its cards follow in
        the channel: it was posted saying they are in its thread, which the channel refused.
        Editing is safe to repeat (a resumed attempt does it again); a failure leaves the list
        as it was and is logged, since the cards are what matters."""
        if listing.unthreaded_blocks is None:
            return
        body = {
            "channel": channel,
            "ts": ts,
            "text": listing.text,
            "blocks": listing.unthreaded_blocks,
            # Sent again: posted_parts finds part 0 by it, and chat.update is not documented to keep it.
            "metadata": _metadata(delivery_id, 0, parts),
        }
        try:
            await self.client.api_call("chat.update", json=body)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            logger.warning(
                "Slack digest %s: its list still says the cards are in its thread: %s",
                delivery_id,
                _error_code(exc),
            )

    async def _stopped(
        self,
        subscription: Subscription,
        error: str,
        posted: tuple[str, ...],
        part: int,
        parts: int,
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> PublishResult:
        """The result of a digest stopped at `part` by `error` (Slack's `code`, when the error
        says more than the code): paused for a permanent error, else failed, as an outage when
        Slack itself is unwell."""
        code = code or error
        if code not in PERMANENT_ERRORS:
            outage = is_outage(code)
            logger.info(
                "Slack digest for %s stopped at part %d: %s%s",
                subscription.channel,
                part,
                error,
                " (Slack unavailable: tried again without using an attempt)" if outage else "",
            )
            return PublishResult(
                "failed", posted, part, error, parts=parts, outage=outage, retry_after=retry_after
            )
        told = await self._pause(subscription, code)
        return PublishResult("paused", posted, part, error, parts=parts, creator_told=told)

    async def _resume(self, subscription: Subscription) -> None:
        """A paused channel tried again (`retried_while_paused`) took a post: Slack lets paperbot
        post there again, so its digests resume, unless it was paused for another cause meanwhile."""
        reason = subscription.paused_reason or ""
        if await self.store.resume_if_paused_for(subscription.channel, [reason]):
            logger.warning(
                "resumed the Slack digest for %s: Slack let paperbot post there again", subscription.channel
            )

    async def _still_paused(self, ref: ChannelRef) -> bool:
        """Whether `ref` is paused as stored now: not as the pass loaded it, since a part this
        publish posted resumed it (`_resume`), and a refusal after that is a new pause."""
        stored = await self.store.get(ref)
        return stored is not None and stored.paused

    async def _pause(self, subscription: Subscription, code: str) -> bool:
        """Pause the subscription; whether its creator was told by DM."""
        ref = subscription.channel
        if code in _POSTING_RESTRICTED and await self._still_paused(ref):
            # Tried again while paused, and still refused: the pause stands as it was told (no
            # DM, and the delivery layer sends no notice for an unchanged pause). One paused for
            # another cause meanwhile (archived) keeps that cause, and what resumes it.
            logger.info("the Slack digest for %s is still paused: Slack answered %s", ref, code)
            return False
        personal = is_personal(ref)
        await self.store.set_paused(ref, True, pause_reason(code, subscription.locale, personal=personal))
        logger.warning("paused the Slack digest for %s: Slack answered %s", ref, code)
        if personal:
            return False  # the reader's DM is what failed: the operator is told (loud_failures)
        creator = subscription.created_by
        # A revoked or invalid token cannot send the DM either, so only channel errors get one.
        if code in CHANNEL_ERRORS and creator and _SLACK_USER_ID.match(creator):
            return await self._tell_creator(creator, pause_notice(code, ref.channel, subscription.locale))
        return False

    async def _tell_creator(self, user_id: str, text: str) -> bool:
        try:
            await self.client.chat_postMessage(channel=user_id, text=text, unfurl_links=False)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("could not DM %s about a paused digest: %s", user_id, _error_code(exc))
            return False
        return True

    # -- notices ---------------------------------------------------------------------------------

    async def notify(self, channel: str, text: str) -> NotifyResult:
        """Post a plain notice (bot/delivery/loud_failures.py) to a channel, or to a person by DM when
        `channel` is a user id; never raises for Slack's errors."""
        body = {
            "channel": channel,
            "text": clip(text, MAX_NOTICE_TEXT),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        try:
            await self.client.api_call("chat.postMessage", json=body)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            code = _error_code(exc)
            return NotifyResult(
                False, code, permanent=code in NOTICE_PERMANENT_ERRORS, outage=is_outage(code)
            )
        return NotifyResult(True)

    # -- reading history -------------------------------------------------------------------------

    async def _history_page(
        self, channel: str, oldest: float | None, cursor: str | None, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """A page of the channel's history, or with `thread_ts` of that thread's messages
        (conversations.replies: the same scopes, the same metadata)."""
        kwargs: dict[str, Any] = {
            "channel": channel,
            "include_all_metadata": True,
            "limit": HISTORY_PAGE_SIZE,
        }
        if oldest is not None:
            kwargs["oldest"] = f"{oldest:.6f}"
        if cursor:
            kwargs["cursor"] = cursor
        try:
            if thread_ts is not None:
                response = await self.client.conversations_replies(ts=thread_ts, **kwargs)
            else:
                response = await self.client.conversations_history(**kwargs)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            code = _error_code(exc)
            raise SlackHistoryError(f"cannot read the history of {channel}: {code}", code) from exc
        return response.data if isinstance(response.data, dict) else {}


def _metadata(delivery_id: str, part: int, parts: int) -> dict[str, Any]:
    """The message metadata naming a digest part (read back by `_part_of`)."""
    return {
        "event_type": DIGEST_EVENT,
        "event_payload": {"delivery_id": delivery_id, "part": part, "parts": parts},
    }


def _part_of(message: dict[str, Any], delivery_id: str) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != DIGEST_EVENT:
        return None
    payload = metadata.get("event_payload") or {}
    if payload.get("delivery_id") != delivery_id:
        return None
    part = payload.get("part")
    return part if isinstance(part, int) and not isinstance(part, bool) else None


def slack_error_code(exc: SlackApiError) -> str:
    """Slack's error code of a refused call, else the HTTP status. A JSON body that does not
    parse (a truncated answer) reaches slack_sdk's error with the raw aiohttp response, which
    has no `data`: `not_json_http_200`."""
    response: Any = exc.response
    if not hasattr(response, "data"):  # aiohttp's own response: the body did not parse
        return f"not_json_http_{getattr(response, 'status', None)}"
    data = response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{response.status_code}"  # e.g. a 503 whose body was not Slack's JSON


def _retry_after(exc: BaseException) -> float | None:
    """The seconds a 429's Retry-After asked for, None for any other failure."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(exc, SlackApiError) or getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except (TypeError, ValueError):
        return None


def _error_code(exc: BaseException) -> str:
    """Slack's error code, or a short name for failures that never got a Slack answer."""
    if isinstance(exc, SlackApiError):
        return slack_error_code(exc)
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientError):
        return f"connection_error: {type(exc).__name__}"
    return f"client_error: {exc}"
