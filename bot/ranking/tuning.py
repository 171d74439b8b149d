"""Feedback, applied: a 👍 / 👎 stored with what the paper is about, and a channel's votes
re-ranking its digest (the learning itself is bot/ranking/feedback.py).

Platform-free: Slack's and Discord's buttons and the `/paper more-like` / `less-like` commands
all call `cast_vote`; delivery and `/paper digest` pass a `Tuning` to `build_digest`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from bot.i18n import for_reader
from bot.ids import is_personal
from bot.models import ChannelRef, Interests, Paper
from bot.ranking.feedback import (
    DOWN,
    UP,
    Candidate,
    ChannelPreferences,
    PaperFeatures,
    Vote,
    paper_features,
    rerank,
)
from bot.store.archive import Archive
from bot.store.subscriptions import SubscriptionStore
from bot.store.votes import Outcome, VoteStore
from bot.topics.matcher import PaperMatch, ReportMatcher
from bot.topics.taxonomy import Taxonomy

DIRECTIONS = {"up": UP, "down": DOWN}


@dataclass(frozen=True, slots=True)
class Tuning:
    """A channel's votes and the moment its digest is made (votes fade with age)."""

    preferences: ChannelPreferences
    now: dt.datetime


def paper_topics(paper: Paper, taxonomy: Taxonomy) -> tuple[str, ...]:
    """Every topic one paper is about, as the digest's matcher sees it (profiling one paper
    alone gives the same topics as profiling it within its report, ~0.2 ms)."""
    return tuple(ReportMatcher((paper,), taxonomy).topics_of(0))


def features_of(paper: Paper, taxonomy: Taxonomy) -> PaperFeatures:
    """What a vote on `paper` teaches: its topics and salient terms."""
    return paper_features(paper, paper_topics(paper, taxonomy))


def tuned_matches(
    matches: Sequence[PaperMatch],
    tuning: Tuning,
    interests: Interests,
    taxonomy: Taxonomy,
    matcher: ReportMatcher | None = None,
) -> list[PaperMatch]:
    """`matches` (best first) re-ranked by the channel's votes, without those the votes
    consistently reject — within bot/ranking/feedback.py's floor, and never the best paper of a topic
    the channel follows. Pass the `matcher` the matches came from (and only that one: a match's
    position indexes its own matcher) to reuse its profiles."""
    if not len(tuning.preferences) or not matches:
        return list(matches)
    candidates = [
        Candidate(match, match.score, paper_features(match.paper, _topics(match, taxonomy, matcher)))
        for match in matches
    ]
    ranked = rerank(candidates, tuning.preferences, now=tuning.now, subscribed=interests.topics)
    return [candidate.item for candidate in ranked]


def _topics(match: PaperMatch, taxonomy: Taxonomy, matcher: ReportMatcher | None) -> tuple[str, ...]:
    if matcher is not None:
        return tuple(matcher.topics_of(match.position))
    return paper_topics(match.paper, taxonomy)


async def tuning_for(votes: VoteStore, channel: ChannelRef, now: dt.datetime) -> Tuning | None:
    """The channel's tuning, or None when it has no votes (its digest is the shared one)."""
    preferences = await votes.preferences_for(channel)
    return Tuning(preferences, now) if len(preferences) else None


# A vote where no digest comes (a channel that follows nothing, a Discord thread under the digest's
# channel, a DM without a personal digest): nothing stored, and the voter is told so.
NO_DIGEST: Final = "no_digest"
VoteOutcome = Outcome | Literal["no_digest"]


async def cast_vote(
    archive: Archive,
    votes: VoteStore,
    taxonomy: Taxonomy,
    channel: ChannelRef,
    arxiv_id: str,
    user: str,
    direction: int,
    *,
    subscriptions: SubscriptionStore,
    now: dt.datetime | None = None,
) -> VoteOutcome | None:
    """A reader pressed 👍 (`UP`) or 👎 (`DOWN`) on a paper in a channel: the vote is stored with
    the paper's features as they are now. Pressing the other button replaces the reader's vote,
    the same one again withdraws it. None when the paper is not in the archive; `no_digest` when
    the channel gets no digest for the vote to tune (then only withdrawing a standing vote works)."""
    paper = await archive.paper(arxiv_id)
    if paper is None:
        return None
    subscription = await subscriptions.get(channel)
    if subscription is None or not subscription.interests:
        # "Noted: more papers like this one in this channel's digest" would promise what no digest
        # keeps; a vote cast while the channel still followed something can still be taken back.
        standing = [v for v in await votes.votes(channel) if v.paper == paper.arxiv_id and v.user == user]
        if standing and standing[0].direction == direction:
            await votes.retract(channel, paper.arxiv_id, user)
            return "retracted"
        return NO_DIGEST
    vote = Vote(
        paper=paper.arxiv_id,
        features=features_of(paper, taxonomy),
        direction=direction,
        user=user,
        at=now or dt.datetime.now(dt.UTC),
    )
    return await votes.press(channel, vote)


def acknowledgement_key(
    outcome: VoteOutcome | None, direction: int, channel: ChannelRef | None = None
) -> str:
    """The i18n key of the answer to the voter alone: a vote in a reader's own DM with the app
    tunes their personal digest, and says so."""
    if outcome is None:
        return "feedback.unknown_paper"
    if outcome == "retracted":
        return "feedback.retracted"
    if outcome == NO_DIGEST:
        return for_reader("feedback.no_digest", channel is not None and is_personal(channel))
    key = "feedback.up" if direction == UP else "feedback.down"
    return for_reader(key, channel is not None and is_personal(channel))
