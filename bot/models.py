"""Plain typed data shared by every part of the core.

Nothing here knows about storage, chat platforms or HTTP: these are the values that flow
between the parser, the archive and the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

# The five report sections, in the order reports print them. The names are the JSON keys
# of `paperbot parse --json` (a contract) and the column names of the archive.
SECTION_FIELDS: tuple[str, ...] = ("domain", "contribution", "usage", "innovations", "results")


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a report (or the Hugging Face API) describes it."""

    arxiv_id: str
    title: str
    url: str
    source: str = ""
    domain: str = ""
    contribution: str = ""
    usage: str = ""
    innovations: str = ""
    results: str = ""
    # Extras that the Hugging Face API provides and markdown reports do not.
    authors: tuple[str, ...] = ()
    summary: str = ""
    upvotes: int | None = None
    github_repo: str | None = None
    project_page: str | None = None
    keywords: tuple[str, ...] = ()
    # Extras of digests in other shapes: the title in the paper's own language when the digest
    # translated it (`原文标题`), and labelled parts that are none of the five sections
    # (核心关键词, Comments, Authors), which lookup and matching read at a lower weight.
    original_title: str = ""
    extra: str = ""

    def to_json(self) -> dict[str, str]:
        """The `paperbot parse --json` shape of a paper (see CONTRACT.md; `summary`, the abstract,
        `original_title` and `extra` extend it)."""
        data = {"arxiv_id": self.arxiv_id, "title": self.title, "url": self.url, "source": self.source}
        for name in SECTION_FIELDS:
            data[name] = getattr(self, name)
        data["summary"] = self.summary
        data["original_title"] = self.original_title
        data["extra"] = self.extra
        return data


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the parser tolerated but a report author may want to fix."""

    line: int  # 0: not about a line (an item of the daily_papers API)
    message: str
    # Per-paper detail behind a summary line (which paper lacks which section): `--verbose` only.
    detail: bool = False

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class Report:
    """One day's Daily Papers report."""

    date: dt.date
    papers: tuple[Paper, ...]
    source_url: str | None = None
    warnings: tuple[ParseWarning, ...] = field(default=(), compare=False)
    # Set on a week's reports merged into one (bot/ranking/weekly.py): the first day it covers.
    first_date: dt.date | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "source_url": self.source_url,
            "papers": [paper.to_json() for paper in self.papers],
        }


@dataclass(frozen=True, slots=True)
class LookupHit:
    """One ranked result of an archive lookup."""

    arxiv_id: str
    title: str
    date: dt.date | None
    score: float
    url: str = ""
    domain: str = ""
    contribution: str = ""

    def to_json(self) -> dict[str, object]:
        """The `paperbot lookup --json` shape (see CONTRACT.md)."""
        return {
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "score": round(self.score, 4),
        }


# Each enumeration once, as a type: the tuples that code iterates and argparse offers are derived.
Platform = Literal["slack", "discord", "console"]
Locale = Literal["en", "zh"]
DigestOrder = Literal["relevance", "upvotes"]
Cadence = Literal["daily", "weekdays", "weekly"]
# How a digest's papers are laid out: a card per paper, or one list message with each paper's
# card as a threaded reply (Slack) or a reply (Discord) to it.
CardLayout = Literal["cards", "compact"]
DeliveryStatus = Literal["pending", "claimed", "posted", "failed", "skipped"]
# How a delivery that is over ended: no pass posts it (again).
FinishedStatus = Literal["posted", "failed", "skipped"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
LOCALES: tuple[Locale, ...] = get_args(Locale)


@dataclass(frozen=True, slots=True)
class Interests:
    """What a channel follows: built-in topic ids and free keywords, and what it never wants
    (a paper about an excluded topic or keyword is left out even when it matches)."""

    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    excluded_topics: tuple[str, ...] = ()
    excluded_keywords: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        """Whether anything is followed (exclusions alone select nothing)."""
        return bool(self.topics or self.keywords)

    @property
    def exclusions(self) -> bool:
        return bool(self.excluded_topics or self.excluded_keywords)

    def changes_anything(self) -> bool:
        """Whether these interests (as a change) add or remove anything at all."""
        return bool(self) or self.exclusions


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A chat channel: a Slack channel in a workspace, a Discord channel in a guild, the console."""

    platform: str
    workspace: str
    channel: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.workspace}/{self.channel}"


DIGEST_ORDERS: tuple[DigestOrder, ...] = get_args(DigestOrder)
CADENCES: tuple[Cadence, ...] = get_args(Cadence)
CARD_LAYOUTS: tuple[CardLayout, ...] = get_args(CardLayout)
MAX_DIGEST_SIZE = 50
# How many papers a lookup lists (`/paper QUERY`, `paperbot lookup --limit`); here, in the kernel,
# so that the CLI's argument parser can check `--limit` without importing the database layer.
DEFAULT_LOOKUP_LIMIT = 10
MAX_LOOKUP_LIMIT = 100
# A delivery's states (bot/store/outbox.py), for `paperbot deliveries --status`, likewise.
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = get_args(DeliveryStatus)
FINISHED_STATUSES: tuple[FinishedStatus, ...] = get_args(FinishedStatus)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """How a channel's digest is cut: how many papers at most, a floor on community upvotes,
    and the order (relevance to the channel, or upvotes)."""

    size: int = 10
    min_upvotes: int | None = None  # papers without an upvote count (markdown reports) always pass
    order: DigestOrder = "relevance"
    # When it comes: every report day, only Monday to Friday (in the channel's zone), or once a
    # week on `weekday` (0 = Monday) with the week's best papers.
    cadence: Cadence = "daily"
    weekday: int = 0
    # How its cards look (not what is in it): the paper's Hugging Face thumbnail on each card,
    # and the layout (bot/store migration 0012).
    images: bool = False
    layout: CardLayout = "cards"

    def selection(self) -> DigestSettings:
        """These settings without the presentation ones: what decides which papers a digest holds
        (channels that differ only in images or layout share one digest)."""
        return replace(self, images=False, layout="cards")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One channel's interests and when, where and in which language it wants its digest."""

    channel: ChannelRef
    interests: Interests
    time: dt.time = dt.time(9, 0)
    tz: str = "UTC"
    locale: Locale = "en"
    paused: bool = False
    paused_reason: str | None = None
    created_by: str | None = None
    settings: DigestSettings = DigestSettings()
    # When the channel subscribed, or followed something again after following nothing, as the
    # store recorded it (None: not stored yet). Not part of what the subscription is: two that
    # differ only here are the same.
    subscribed_at: dt.datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class LastDigest:
    """The newest report date whose digest a channel is done with, and how it ended: what
    `subscriptions export` carries to another database, where that day is then not delivered
    again (an installation moved mid-day)."""

    date: dt.date
    status: FinishedStatus
