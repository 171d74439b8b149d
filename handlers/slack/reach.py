"""Whether paperbot can post in the Slack conversation a `/paper` command came from.

Slack lets anyone type a slash command in any conversation, paperbot's or not, and answers it
through the command's response_url; only the digest, posted later with chat.postMessage, needs
paperbot to be a member. So a subscription made where paperbot is not would be paused at its
first digest (not_in_channel, channel_not_found). Every reply that tells the caller the digest
will come (`Reply.promises_digest`: `subscribe`, and `list`, `schedule`, `cadence` in a channel
that follows topics and is not paused) says so at once, from what conversations.info
(channels:read, groups:read) tells paperbot's own token:

- a public channel (a Slack Connect one too): `is_member` says whether paperbot is in it;
- a private channel paperbot was not invited to, or a group DM: Slack hides it from paperbot and
  answers `channel_not_found` (or, for a group DM, `missing_scope` needing `mpim:read`, a scope
  paperbot does not ask for: it never posts in group DMs);
- `is_archived`: nobody can post there.

Anything else Slack answers (an error, a timeout, a dropped connection) says nothing about the
channel: it is logged, once, and the command is answered as usual.

Not seen here: a channel whose posting permissions let only some members post (read-only for the
rest, or thread-only). Slack documents no field of conversations.info for them; its example
conversation carries an `is_read_only` flag whose meaning it does not document, and nothing says
whether paperbot is among the members allowed. Slack refuses the first digest instead
(`restricted_action…`, handlers/slack/publisher.py), which pauses the channel with the cure; each
due digest after is tried once, and the first Slack takes resumes the channel (`retried_while_paused`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.commands import Reply
from bot.i18n import t
from handlers.slack.publisher import slack_error_code

log = logging.getLogger("paperbot.slack")

# Catalogue keys (bot/i18n.py) of the note added under the subscribe reply, one per reason.
NOT_MEMBER = "subscribe.slack.not_member"  # a public channel: /invite @paperbot
HIDDEN = "subscribe.slack.hidden"  # a private channel paperbot is not in, or a group DM
ARCHIVED = "subscribe.slack.archived"

# missing_scope naming one of these: the conversation is a DM or group DM, not a channel.
_CONVERSATION_SCOPES = frozenset({"mpim:read", "im:read"})


async def with_reach_note(client: AsyncWebClient, channel: str, reply: Reply, deadline: float) -> Reply:
    """`reply`, which promises the channel's digest, with a note saying why paperbot cannot post
    in `channel` and what to do, so a manager fixes it now rather than find the digest paused at
    its first delivery. The subscription stands either way (an invite later is all it takes).
    Unchanged when paperbot can post there, or when Slack does not say within `deadline` s."""
    problem = await posting_problem(client, channel, deadline)
    if problem is None:
        return reply
    return reply.with_note(t(problem, reply.locale))


async def posting_problem(client: AsyncWebClient, channel: str, deadline: float) -> str | None:
    """The catalogue key of why paperbot cannot post in `channel` (NOT_MEMBER, HIDDEN or
    ARCHIVED); None when it can, or when Slack did not say within `deadline` seconds."""
    try:
        async with asyncio.timeout(deadline):
            response = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        if _hidden(exc):
            return HIDDEN
        log.warning("conversations.info for %s failed: %s", channel, slack_error_code(exc))
        return None
    except TimeoutError:
        log.warning("conversations.info for %s: no answer within %s s", channel, deadline)
        return None
    except Exception as exc:  # a dropped connection, a body that is not JSON: answer all the same
        log.warning("conversations.info for %s failed: %s: %s", channel, type(exc).__name__, exc)
        return None
    return _problem(dict(response.get("channel") or {}))


def _problem(info: dict[str, Any]) -> str | None:
    if not info:
        return None
    if info.get("is_archived"):
        return ARCHIVED
    if info.get("is_member") or info.get("is_im"):
        return None
    # A private channel or group DM Slack shows paperbot without paperbot in it: invite it too.
    return HIDDEN if info.get("is_private") or info.get("is_mpim") else NOT_MEMBER


def _hidden(exc: SlackApiError) -> bool:
    """Slack's way of saying that paperbot cannot see the conversation at all."""
    code = slack_error_code(exc)
    if code == "channel_not_found":
        return True
    if code != "missing_scope":
        return False  # an old install lacking channels:read or groups:read is logged, not guessed at
    data = getattr(exc.response, "data", None)
    needed = str(data.get("needed") or "") if isinstance(data, dict) else ""
    return any(scope.strip() in _CONVERSATION_SCOPES for scope in needed.split(","))
