"""Slack's lifecycle events: channels archived, deleted, left or joined, and the app uninstalled.

Each event is translated into a `bot.chat.channel_changes` call with the Slack wording of the reason (the
publisher's pause catalogue, so a channel paused by an event reads exactly like one paused by a
failed post). Every event listed in `LIFECYCLE_EVENTS` is subscribed in
deploy/slack-manifest.yaml; Bolt answers 404 to an event without a listener, so the table is
the one place both come from (tests/deploy/test_slack_manifest.py holds them together).

`app_uninstalled` and `tokens_revoked` need no scope and are sent without an authorisation
(Bolt skips its installation lookup for them): the workspace's installation rows, which hold
its tokens, are deleted here in OAuth mode (all of them, whatever Enterprise Grid org they were
stored under: `delete_workspace_rows`), and every `WorkspaceClients` of this process drops
its client for the workspace, so no Web API call is made with the revoked token again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.chat.channel_changes import (
    Gone,
    channel_back,
    channel_gone,
    reader_gone,
    tell_paused,
    workspace_gone,
)
from bot.models import LOCALES, ChannelRef
from bot.store.subscriptions import SubscriptionStore
from handlers.slack.oauth import WorkspaceClients, delete_workspace_rows
from handlers.slack.publisher import pause_reason

if TYPE_CHECKING:
    from bot.delivery.loud_failures import Notices

log = logging.getLogger("paperbot.slack")

# The Slack error code whose wording (handlers/slack/publisher.py) a kind is stored with.
_CODES: dict[Gone, str] = {
    Gone.ARCHIVED: "is_archived",  # the same reason as a post refused with is_archived
    Gone.DELETED: "channel_deleted",
    Gone.REMOVED: "not_in_channel",  # the same as a post refused with not_in_channel
    Gone.UNINSTALLED: "app_uninstalled",
    Gone.REVOKED: "token_revoked",
    Gone.READER_GONE: "user_deactivated",
}

# Event → what it means for the channel it names. channel_* need channels:read, group_* (private
# channels) groups:read; channel_left / group_left are sent when the bot is removed.
CHANNEL_GONE_EVENTS: dict[str, Gone] = {
    "channel_archive": Gone.ARCHIVED,
    "group_archive": Gone.ARCHIVED,
    "channel_deleted": Gone.DELETED,
    "group_deleted": Gone.DELETED,
    "channel_left": Gone.REMOVED,
    "group_left": Gone.REMOVED,
}
# An unarchived channel resumes only if it was paused for being archived: one the bot was also
# removed from waits for paperbot's invite (JOINED_EVENTS) or a manager's `/paper subscribe`; one
# paused for another cause, for the subscribe.
CHANNEL_BACK_EVENTS = ("channel_unarchive", "group_unarchive")
# paperbot itself joined a channel (someone typed `/invite @paperbot` there; channels:read,
# groups:read): a channel paused because paperbot was not in it, or could not see it (a private
# channel), resumes without a second `/paper subscribe`. Sent for every member who joins a
# channel paperbot is in; anyone else joining changes nothing.
JOINED_EVENTS = ("member_joined_channel",)
# The Slack errors whose pause an invite cures (the reason text stored with them, publisher.py).
INVITE_CURES = ("not_in_channel", "channel_not_found")
WORKSPACE_EVENTS = ("app_uninstalled", "tokens_revoked")  # no scope needed
# A member's profile changed (users:read); `deleted: true` means they were deactivated (left the
# workspace). Posting to a deactivated reader's DM still succeeds on Slack, so only this event
# tells: their personal digest is paused, and the operator is told.
READER_EVENTS = ("user_change",)
LIFECYCLE_EVENTS: tuple[str, ...] = (
    *CHANNEL_GONE_EVENTS,
    *CHANNEL_BACK_EVENTS,
    *JOINED_EVENTS,
    *WORKSPACE_EVENTS,
    *READER_EVENTS,
)
# The scopes these events need, besides the ones the Web API calls need (handlers/slack/oauth.py).
EVENT_SCOPES = ("channels:read", "groups:read")


def slack_reason(kind: Gone, locale: str) -> str:
    """The paused_reason stored for `kind`: the publisher's text for the matching Slack error."""
    return pause_reason(_CODES[kind], locale, personal=kind is Gone.READER_GONE)


def _channel(context: AsyncBoltContext, event: dict[str, Any]) -> ChannelRef | None:
    team, channel = context.team_id, event.get("channel")
    # channel_* events name the channel by id; a few older payloads carry an object.
    if isinstance(channel, dict):
        channel = channel.get("id")
    if not team or not isinstance(channel, str) or not channel:
        return None
    return ChannelRef("slack", team, channel)


def register_lifecycle(app: AsyncApp, store: SubscriptionStore, notices: Notices | None = None) -> None:
    """Add a listener for every event of LIFECYCLE_EVENTS to `app`; `notices` records the notices
    of the channels they pause (sent by whichever process delivers: bot/delivery/loud_failures.py)."""

    async def reader_changed(event: dict[str, Any], context: AsyncBoltContext) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or user.get("deleted") is not True:
            return  # any other profile change: nothing to do
        team = context.team_id or str(user.get("team_id") or "")
        user_id = str(user.get("id") or "")
        if not team or not user_id:
            return
        paused = await reader_gone(store, "slack", team, user_id, slack_reason)
        refs = [subscription.channel for subscription in paused]
        await tell_paused(store, notices, refs, Gone.READER_GONE, _CODES[Gone.READER_GONE])

    async def gone(event: dict[str, Any], context: AsyncBoltContext) -> None:
        ref = _channel(context, event)
        if ref is not None:
            kind = CHANNEL_GONE_EVENTS[event["type"]]
            await channel_gone(store, ref, kind, slack_reason, notices, error=_CODES[kind])

    async def back(event: dict[str, Any], context: AsyncBoltContext) -> None:
        ref = _channel(context, event)
        if ref is not None:
            await channel_back(store, ref, (Gone.ARCHIVED,), slack_reason)

    async def joined(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if not context.bot_user_id or event.get("user") != context.bot_user_id:
            return
        ref = _channel(context, event)
        if ref is None:
            return
        texts = {pause_reason(code, locale) for code in INVITE_CURES for locale in LOCALES}
        if await store.resume_if_paused_for(ref, texts):
            log.warning("resumed the digest for %s: paperbot was invited back", ref)

    async def uninstalled(context: AsyncBoltContext) -> None:
        enterprise, team = context.enterprise_id, context.team_id
        if app.installation_store is not None:
            await delete_workspace_rows(app.installation_store, enterprise, team)
        await _workspace_gone(store, enterprise, team, Gone.UNINSTALLED, notices)

    async def revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        enterprise, team = context.enterprise_id, context.team_id
        tokens = event.get("tokens") or {}
        installations = app.installation_store
        if tokens.get("bot"):
            # paperbot installs bot-only: the installation rows hold the same, now revoked, bot
            # token as the bot row, so all of them go.
            if installations is not None:
                await delete_workspace_rows(installations, enterprise, team)
            await _workspace_gone(store, enterprise, team, Gone.REVOKED, notices)
            return
        # Only people's tokens (paperbot asks for none, but an installer may have granted some).
        for user in tokens.get("oauth") or ():
            if installations is not None:
                await installations.async_delete_installation(
                    enterprise_id=enterprise, team_id=team, user_id=user
                )

    for name in CHANNEL_GONE_EVENTS:
        app.event(name)(gone)
    for name in CHANNEL_BACK_EVENTS:
        app.event(name)(back)
    for name in JOINED_EVENTS:
        app.event(name)(joined)
    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
    app.event("user_change")(reader_changed)


async def _workspace_gone(
    store: SubscriptionStore, enterprise: str | None, team: str | None, kind: Gone, notices: Notices | None
) -> None:
    if not team:
        # An organisation-wide (Enterprise Grid) install names no workspace: its installation
        # is gone, and each workspace's channels pause on their first refused post.
        log.warning("Slack organisation %s: %s, no workspace named", enterprise, kind)
        return
    WorkspaceClients.forget_everywhere(team)
    await workspace_gone(store, "slack", team, kind, slack_reason, notices, error=_CODES[kind])
