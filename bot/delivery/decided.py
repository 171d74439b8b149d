"""A delivery's digest as decided before its first post, kept in its outbox row (`deliveries.digest`).

A platform splits a large digest into several messages, and a retry resumes at the first part not
yet up. Part N of a digest built anew (after readers voted on part 1, a corrected report, a
changed size, order, layout or topics) is not part N of the digest begun, so a rebuilt retry posted
some papers twice and others never. The digest is therefore written to the row before anything is
posted, with what decides how it is split (layout, images; the locale is the digest's), and every
attempt that resumes it (a retry, a takeover after a crash) posts the rest of that same digest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bot.models import CardLayout, DigestSettings, Subscription
from bot.ranking.digest import Digest, DigestItem

_ITEM_FIELDS = tuple(field.name for field in dataclasses.fields(DigestItem))

# Bumped if the shape changes: a row of another version is built anew, as rows from before 0015.
VERSION = 1


@dataclass(frozen=True, slots=True)
class Decided:
    digest: Digest
    layout: CardLayout
    images: bool

    def shown_to(self, subscription: Subscription) -> Subscription:
        """`subscription` with the presentation the digest was begun in: a layout or images
        changed meanwhile would split the rest differently; they apply from the next digest on."""
        settings = dataclasses.replace(subscription.settings, layout=self.layout, images=self.images)
        return dataclasses.replace(subscription, settings=settings)


def decide(digest: Digest, settings: DigestSettings) -> dict[str, Any]:
    """The JSON kept in the outbox row."""
    return {
        "version": VERSION,
        "layout": settings.layout,
        "images": settings.images,
        "date": digest.date.isoformat(),
        "start": digest.start.isoformat() if digest.start else None,
        "locale": digest.locale,
        "total": digest.total,
        "more": digest.more,
        "following": list(digest.following),
        "capped": digest.capped,
        # Field by field, not dataclasses.asdict: its deep copy of every value was most of the
        # cost of deciding a pass's digests (bench_deliver), and every field is a plain value.
        "items": [{name: getattr(item, name) for name in _ITEM_FIELDS} for item in digest.items],
    }


def recall(data: Mapping[str, Any] | None) -> Decided | None:
    """The digest a row holds; None when it holds none (or one this version cannot read)."""
    if not data or data.get("version") != VERSION:
        return None
    items = tuple(DigestItem(**{**item, "topics": tuple(item["topics"])}) for item in data["items"])
    digest = Digest(
        date=dt.date.fromisoformat(data["date"]),
        locale=data["locale"],
        total=data["total"],
        items=items,
        more=data["more"],
        following=tuple(data["following"]),
        start=dt.date.fromisoformat(data["start"]) if data["start"] else None,
        capped=data["capped"],
    )
    return Decided(digest, data["layout"], bool(data["images"]))


@runtime_checkable
class SplitsDigests(Protocol):
    """A publisher that can say which papers each part of a digest holds (Slack, Discord, console):
    what lets a retry leave out a paper withdrawn from the report without moving any other."""

    def part_papers(self, subscription: Subscription, digest: Digest, *, key: str) -> list[tuple[str, ...]]:
        """The arXiv ids of the papers in each message `publish` would post, in order."""
        ...


def without_withdrawn(
    decided: Decided,
    subscription: Subscription,
    withdrawn: set[str],
    start_at: int,
    splitter: SplitsDigests | None,
    key: str,
) -> tuple[Digest, set[str]]:
    """The decided digest less the `withdrawn` papers that are in parts not yet up, when leaving
    them out changes no part already up (parts before `start_at`); the papers left out.

    A paper in a part already up stays (dropping it would pull later papers into that part, and
    they would never be posted); so does every one when the platform cannot say how it splits."""
    digest = decided.digest
    if splitter is None:
        return digest, set()
    shown = decided.shown_to(subscription)
    before = splitter.part_papers(shown, digest, key=key)
    unposted = {arxiv_id for part in before[start_at:] for arxiv_id in part}
    dropped = withdrawn & unposted
    if not dropped:
        return digest, set()
    candidate = dataclasses.replace(digest, items=tuple(i for i in digest.items if i.arxiv_id not in dropped))
    after = splitter.part_papers(shown, candidate, key=key)
    if len(after) < start_at or after[:start_at] != before[:start_at]:
        return digest, set()
    return candidate, dropped
