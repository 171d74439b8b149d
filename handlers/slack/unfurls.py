"""Slack link unfurls: a pasted Hugging Face or arXiv paper link shows the archived paper's card.

Slack sends `link_shared` for links on the manifest's `unfurl_domains` (arxiv.org,
huggingface.co, and their subdomains) with the message's channel and ts, or, for a link still in
the message composer, an `unfurl_id` and `source`. The core (`bot.chat.link_cards`) picks the
paper links and the archived papers; `chat.unfurl` then maps each of those URLs to its card
(handlers/slack/blocks.py). A link to a paper the archive does not hold, or to anything else,
is left to Slack's own preview; with nothing to show, no call is made.

Bolt acknowledges the event before the listener runs, so nothing here races Slack's 3 seconds.
A failure (the archive unreadable, `chat.unfurl` refused or rate-limited past the client's
retries) is logged and dropped: a missing preview is not worth an error anyone sees.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.link_cards import link_cards
from bot.ids import valid_channel
from bot.models import ChannelRef
from handlers.slack.blocks import unfurls
from handlers.slack.publisher import slack_error_code

if TYPE_CHECKING:
    from handlers.slack.app import SlackEdge

log = logging.getLogger("paperbot.slack")

# chat.unfurl's two ways of naming the link: where it was posted (channel + ts), or the link in
# the composer or in history (unfurl_id + source, one of these).
UNFURL_SOURCES = frozenset({"composer", "conversations_history"})
# The `channel` of a link typed into the message composer: no conversation yet.
COMPOSER = "COMPOSER"


def register_unfurls(app: AsyncApp, edge: SlackEdge) -> None:
    """Answer `link_shared` with the archived papers' cards."""

    @app.event("link_shared")
    async def link_shared(event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await unfurl(edge, client, str(context.team_id or ""), event)


async def unfurl(edge: SlackEdge, client: AsyncWebClient, team: str, event: dict[str, Any]) -> None:
    """Unfurl the paper links of one `link_shared` event (never raises)."""
    target = _target(event)
    if target is None:
        log.warning("link_shared without channel and ts or unfurl_id and source: ignored")
        return
    urls = [
        str(link["url"]) for link in event.get("links") or () if isinstance(link, dict) and link.get("url")
    ]
    channel = _channel(team, event)
    try:
        async with asyncio.timeout(edge.command_deadline):
            cards = await link_cards(edge.archive, edge.store, edge.taxonomy, channel, urls)
    except TimeoutError:
        log.warning("link unfurl: the archive gave no answer within %s s", edge.command_deadline)
        return
    except Exception:
        log.exception("link unfurl: the linked papers could not be read")
        return
    try:
        found = unfurls(cards)
    except Exception:
        log.exception("link unfurl: the cards could not be made")
        return
    if not found:
        return
    try:
        await client.chat_unfurl(
            channel=target.get("channel"),
            ts=target.get("ts"),
            unfurl_id=target.get("unfurl_id"),
            source=target.get("source"),
            unfurls=found,
        )
    except SlackApiError as exc:
        # cannot_unfurl_url, cannot_find_channel, ratelimited after the client's retries, …
        log.warning("chat.unfurl failed for %d link(s): %s", len(found), slack_error_code(exc))
    except Exception as exc:  # a dropped connection, a timeout: the preview is lost, nothing else
        log.warning("chat.unfurl failed for %d link(s): %s: %s", len(found), type(exc).__name__, exc)
    else:
        log.info("unfurled %d paper link(s)", len(found))


def _target(event: dict[str, Any]) -> dict[str, str] | None:
    """Which message (or composer link) chat.unfurl is about: unfurl_id + source when Slack sent
    them (the only form a composer link has), else channel + ts."""
    unfurl_id, source = event.get("unfurl_id"), event.get("source")
    if isinstance(unfurl_id, str) and unfurl_id and source in UNFURL_SOURCES:
        return {"unfurl_id": unfurl_id, "source": str(source)}
    channel, ts = event.get("channel"), event.get("message_ts")
    if isinstance(channel, str) and channel and isinstance(ts, str) and ts:
        return {"channel": channel, "ts": ts}
    return None


def _channel(team: str, event: dict[str, Any]) -> ChannelRef | None:
    """The conversation the link was posted in, for its subscription's topics and language; None
    for the composer (`"channel": "COMPOSER"`) and anything else Slack cannot have issued."""
    channel = event.get("channel")
    if not isinstance(channel, str) or channel == COMPOSER:  # "COMPOSER" has a channel id's shape
        return None
    ref = ChannelRef("slack", team, channel)
    return ref if valid_channel(ref) else None
