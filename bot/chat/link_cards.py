"""Paper links posted in a conversation, resolved to cards of the archived papers they point at.

A chat platform that previews links (Slack's unfurls: handlers/slack/unfurls.py) hands the URLs
it saw here and renders what comes back. A URL counts when `bot.reports.arxiv.arxiv_id_from_url`
reads a paper id from it (a Hugging Face paper page, an arXiv abstract or PDF, with or without a
version); anything else, and any paper the archive does not hold, is left alone.

Each card is a `DigestItem`, so every edge draws it like a digest card. Its topics are the ones
the conversation's subscription follows that the paper matches (as its digest would name them);
when the conversation follows nothing, or nothing it follows matches, they are the paper's own
topics in the built-in taxonomy. The language is the subscription's, else `default_locale`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.models import ChannelRef, Interests, Locale, Paper, Report, Subscription
from bot.ranking.digest import DigestItem, build_digest, paper_item
from bot.ranking.tuning import paper_topics
from bot.reports.arxiv import arxiv_id_from_url
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.topics.taxonomy import Taxonomy

# At most this many papers are looked up for one message: a message pasting a reading list does
# not turn into dozens of queries and cards (an edge may show fewer, to fit its own limits).
MAX_PAPERS_PER_MESSAGE = 10
# Longer than any real paper link; a longer "URL" is not read at all.
MAX_URL_CHARS = 2000


@dataclass(frozen=True, slots=True)
class PaperLink:
    """A posted URL and the canonical arXiv id it points at."""

    url: str  # exactly as posted: a platform matches its previews to the URLs by this text
    arxiv_id: str


@dataclass(frozen=True, slots=True)
class LinkCard:
    """One archived paper to show for a posted URL."""

    url: str
    item: DigestItem
    last_date: dt.date | None  # the newest report that listed the paper


@dataclass(frozen=True, slots=True)
class LinkCards:
    """The cards for one message's links, in the order the links came, in `locale`."""

    locale: Locale
    cards: tuple[LinkCard, ...]


def paper_links_in(urls: Iterable[str], limit: int = MAX_PAPERS_PER_MESSAGE) -> list[PaperLink]:
    """The URLs that point at a paper, in order, the first URL of each paper only (a message
    linking one paper's abstract and PDF gets one card), at most `limit` papers."""
    found: list[PaperLink] = []
    seen: set[str] = set()
    for url in urls:
        if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
            continue
        arxiv_id = arxiv_id_from_url(url)
        if arxiv_id is None or arxiv_id in seen:
            continue
        seen.add(arxiv_id)
        found.append(PaperLink(url, arxiv_id))
        if len(found) >= limit:
            break
    return found


async def link_cards(
    archive: Archive,
    store: SubscriptionStore,
    taxonomy: Taxonomy,
    channel: ChannelRef | None,
    urls: Iterable[str],
    *,
    default_locale: Locale = "en",
) -> LinkCards:
    """The cards for the archived papers among `urls`, posted in `channel` (None: a place that
    is no channel, such as a message still being written). No paper link, no database query."""
    links = paper_links_in(urls)
    if not links:
        return LinkCards(default_locale, ())
    stored = await archive.papers([link.arxiv_id for link in links])
    if not stored:
        return LinkCards(default_locale, ())
    subscription = await store.get(channel) if channel is not None else None
    locale = subscription.locale if subscription is not None else default_locale
    cards = []
    for link in links:
        if link.arxiv_id not in stored:
            continue
        paper, last_date = stored[link.arxiv_id]
        cards.append(LinkCard(link.url, card_item(paper, taxonomy, subscription, locale), last_date))
    return LinkCards(locale, tuple(cards))


def card_item(
    paper: Paper, taxonomy: Taxonomy, subscription: Subscription | None, locale: Locale
) -> DigestItem:
    """`paper` as a digest card: with the subscription's topics it matches, else its own topics."""
    # A one-paper report: the digest's own matcher names the topics, so a card reads like the
    # same paper's card in the channel's digest (keywords quoted, labels in `locale`).
    report = Report(dt.date.min, (paper,))
    if subscription is not None:
        digest = build_digest(report, subscription.interests, taxonomy, locale=locale, limit=1)
        if digest.items:
            return digest.items[0]
    own = paper_topics(paper, taxonomy)
    if own:
        digest = build_digest(report, Interests(topics=own), taxonomy, locale=locale, limit=1)
        if digest.items:
            return digest.items[0]
    return paper_item(paper)
