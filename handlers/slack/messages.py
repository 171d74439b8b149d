"""A Slack message as paperbot sends it: fallback text plus Block Kit blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Message metadata event type naming a digest part, so a crashed delivery can be checked
# against conversations.history (include_all_metadata=true) before anything is re-posted.
DIGEST_EVENT = "paperbot_digest"


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str  # the notification and accessibility fallback; required by Slack
    blocks: list[dict[str, Any]] = field(default_factory=list)
    # A compact digest's card: a reply in the thread of the digest's first message (part 0).
    thread: bool = False
    # The same blocks without images, when they hold any: posted instead if Slack refuses the
    # message because it could not fetch an image (`invalid_blocks`).
    plain_blocks: list[dict[str, Any]] | None = None
    # A digest's part: the arXiv ids of the papers it shows (what a retry must not move).
    papers: tuple[str, ...] = ()
    # A compact digest's list: its blocks saying the cards follow in the channel, not in its
    # thread. Slack refuses thread replies where posting permissions allow no threads, which is
    # known only once the first card is refused, after the list went up: it is then edited to these.
    unthreaded_blocks: list[dict[str, Any]] | None = None
