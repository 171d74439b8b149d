"""Channels and installs that change under paperbot: what happens to their subscriptions.

The platforms tell each edge when a channel is archived, deleted or loses the bot, when it comes
back, and when the app is uninstalled or its token revoked (Slack's events, Discord's gateway).
The edge names the change with a `Gone` kind and hands over its own wording of the reason; what
follows is the same everywhere and lives here:

- a channel that is gone is paused at once, with a reason in its own language that says what
  happened and how to resume (`/paper list`, the App Home and `subscriptions export` show it);
- a workspace that is gone pauses every channel of it (the edge deletes the tokens);
- a reader who left the workspace pauses their personal digests (their DMs with the app);
- whoever should hear of it is told once, when it is paused (`tell_paused`): the operator
  channel, and the channel's creator when the platform still lets paperbot message them, as for
  a channel paused by a refused post (bot/delivery/loud_failures.py);
- a paused channel is never planned for delivery (bot/delivery/deliverer.py), so nothing is posted there
  and no revoked token is used for it;
- `channel_back` resumes a channel only when it was paused for one of the given kinds (an
  unarchived channel, not one the bot was removed from); otherwise a manager resumes it with
  `/paper subscribe` (bot/chat/use_cases.py), after fixing the cause.

A subscription's reason is stored as text, as the publishers store theirs, so "was it paused for
this kind?" is asked by comparing with the edge's wording of that kind in every language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.ids import is_personal
from bot.models import LOCALES, ChannelRef, Subscription
from bot.store.subscriptions import SubscriptionStore

if TYPE_CHECKING:
    from bot.delivery.loud_failures import Notices

log = logging.getLogger("paperbot.lifecycle")


class Gone(StrEnum):
    """Why a channel can no longer receive its digest."""

    ARCHIVED = "archived"  # Slack channel_archive, group_archive
    DELETED = "deleted"  # Slack channel_deleted, group_deleted; Discord channel or thread deleted
    REMOVED = "removed"  # the bot was removed from the channel: Slack channel_left, group_left
    UNINSTALLED = "uninstalled"  # Slack app_uninstalled; Discord: the bot left or was removed from the server
    REVOKED = "revoked"  # Slack tokens_revoked (the bot token)
    READER_GONE = "reader gone"  # Slack user_change with deleted: a personal digest's reader left


# The edge's wording of a kind in a language (its pause-reason catalogue): the text stored as
# paused_reason, which the channel's owner reads.
Reasons = Callable[[Gone, str], str]

# Kinds after which the platform no longer carries paperbot's messages to the people concerned
# (the workspace's token is gone, the bot shares no server with them, the reader left): only the
# operator channel (or the log) hears of the pause.
_NOBODY_TO_DM = frozenset({Gone.UNINSTALLED, Gone.REVOKED, Gone.READER_GONE})


async def channel_gone(
    store: SubscriptionStore,
    ref: ChannelRef,
    kind: Gone,
    reasons: Reasons,
    notices: Notices | None = None,
    *,
    error: str = "",
) -> bool:
    """Pause the channel's subscription with `kind`'s reason in the channel's language; whether
    the channel had one. `notices`: tell who should hear of it (`tell_paused`), naming the
    platform's `error` (its event or code), if it was not paused already."""
    subscription = await store.get(ref)
    if subscription is None:
        return False
    await store.set_paused(ref, True, reasons(kind, subscription.locale))
    log.warning("paused the digest for %s: the channel is %s", ref, kind)
    if not subscription.paused:  # an event delivered twice, or a second cause, is no news
        await tell_paused(store, notices, [ref], kind, error or str(kind))
    return True


async def workspace_gone(
    store: SubscriptionStore,
    platform: str,
    workspace: str,
    kind: Gone,
    reasons: Reasons,
    notices: Notices | None = None,
    *,
    error: str = "",
) -> int:
    """Pause every subscription of the workspace, each with the reason in its own language;
    how many there were. `notices`: as for `channel_gone`, for the ones not paused before."""
    subscriptions = await store.in_workspace(platform, workspace)
    paused = await store.pause_many({s.channel: reasons(kind, s.locale) for s in subscriptions})
    if paused:
        log.warning("paused %d digests of %s workspace %s: %s", paused, platform, workspace, kind)
    news = [s.channel for s in subscriptions if not s.paused]
    await tell_paused(store, notices, news, kind, error or str(kind))
    return paused


async def tell_paused(
    store: SubscriptionStore,
    notices: Notices | None,
    refs: Sequence[ChannelRef],
    kind: Gone,
    error: str,
    now: dt.datetime | None = None,
) -> None:
    """Ask for the notices of channels just paused for `kind` (bot/delivery/loud_failures.py:
    the operator channel, and the creator unless `kind` leaves no way to message them), sent by
    the delivering process, as for a channel paused by a refused post. Never raises: the pause
    is stored already, and a listener that failed would have its event sent again, no longer news."""
    if notices is None or not refs:
        return
    moment = now or dt.datetime.now(dt.UTC)
    try:
        stored = await store.get_many(list(refs))
        for ref in refs:
            await notices.channel_paused(
                ref,
                f"{ref}:{error}:{moment:%Y-%m-%dT%H:%M}",
                error=error,
                subscription=stored.get(ref),
                creator_told=kind in _NOBODY_TO_DM,
                now=moment,
            )
    except Exception:
        log.exception("could not record the notices of %d paused channels", len(refs))


async def reader_gone(
    store: SubscriptionStore, platform: str, workspace: str, user: str, reasons: Reasons
) -> list[Subscription]:
    """The reader `user` left the workspace: pause their personal digests (their DMs with the app)
    that are not paused yet; the ones paused now, as stored (for the operator's notice)."""
    mine = [
        s
        for s in await store.in_workspace(platform, workspace)
        if is_personal(s.channel) and s.created_by == user and not s.paused
    ]
    await store.pause_many({s.channel: reasons(Gone.READER_GONE, s.locale) for s in mine})
    for s in mine:
        log.warning("paused the personal digest %s: its reader %s left the workspace", s.channel, user)
    stored = await store.get_many([s.channel for s in mine])
    return [stored[s.channel] for s in mine if s.channel in stored]


async def channel_back(
    store: SubscriptionStore, ref: ChannelRef, kinds: Collection[Gone], reasons: Reasons
) -> bool:
    """Resume the channel if it was paused for one of `kinds`; whether it was."""
    texts = {reasons(kind, locale) for kind in kinds for locale in LOCALES}
    resumed = await store.resume_if_paused_for(ref, texts)
    if resumed:
        log.warning("resumed the digest for %s: the channel is back", ref)
    return resumed
