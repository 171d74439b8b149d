"""The digests of one delivery pass: each report loaded and matched once, each digest built once.

A pass delivers to hundreds of channels, most of which follow the same few topics. Loading the
report, building its matcher and ranking a digest are the costly steps, so a pass does each once:
one matcher per report (or per week, for weekly channels) serves every channel, and channels with
the same interests, language and settings share one digest (a digest is an immutable value). A
channel whose readers voted gets a digest of its own, never shared. Everything is kept for one
pass only (`new_pass`): a corrected report is seen by the next.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.delivery.planner import history_since, previous_digest, week_of
from bot.models import ChannelRef, DigestSettings, Interests, Report, Subscription
from bot.ranking.digest import Digest, build_digest, report_matcher
from bot.ranking.tuning import Tuning, tuning_for
from bot.ranking.weekly import Week, week_report
from bot.store.archive import Archive
from bot.store.outbox import WEEK_KIND, Kind, Outbox
from bot.store.votes import VoteStore
from bot.topics.matcher import ReportMatcher
from bot.topics.taxonomy import Taxonomy

Loaded = tuple[Report, ReportMatcher]
K = TypeVar("K", bound=Hashable)  # what a loaded report is cached by: a date, or a Week
# A weekly digest's material depends on the channel's time and zone too (Week), not on its date alone.
DigestKey = tuple[dt.date | Week, Interests, str, DigestSettings]


@dataclass
class DigestCache:
    archive: Archive
    taxonomy: Taxonomy
    votes: VoteStore  # readers' 👍 / 👎 (bot/ranking/tuning.py)
    outbox: Outbox  # a weekly channel's digests before (a week holds what they did not)
    _reports: dict[dt.date, Loaded] = field(default_factory=dict, init=False)
    _weeks: dict[Week, Loaded] = field(default_factory=dict, init=False)
    _loading: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _shared: dict[DigestKey, Digest] = field(default_factory=dict, init=False)
    _voters: set[ChannelRef] | None = field(default=None, init=False)  # channels that voted
    _voters_loading: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    def new_pass(self) -> None:
        self._reports.clear()
        self._weeks.clear()
        self._shared.clear()
        self._voters = None

    @property
    def shared(self) -> int:
        """How many digests this pass built to share between channels."""
        return len(self._shared)

    async def digest(
        self, day: dt.date, subscription: Subscription, now: dt.datetime, kind: Kind
    ) -> Digest | None:
        """The subscription's digest of the report of `day` (of the week keyed `day`, for a
        delivery of `kind` week); None when the archive no longer holds that report."""
        material, loaded = await self._material(day, subscription, kind)
        if loaded is None:
            return None
        tuning = await self._tuning(subscription.channel, now)
        key = (material, subscription.interests, subscription.locale, subscription.settings.selection())
        if tuning is None and key in self._shared:
            return self._shared[key]
        report, matcher = loaded
        digest = build_digest(
            report,
            subscription.interests,
            self.taxonomy,
            locale=subscription.locale,
            limit=subscription.settings.size,
            matcher=matcher,
            settings=subscription.settings,
            tuning=tuning,
        )
        if tuning is None:
            self._shared[key] = digest
        return digest

    async def paper_ids(self, day: dt.date, subscription: Subscription, kind: Kind) -> set[str] | None:
        """The arXiv ids of the report a digest of `day` is made from, as archived now (the week's,
        for a delivery of `kind` week); None when the archive no longer holds it."""
        _, loaded = await self._material(day, subscription, kind)
        return None if loaded is None else {paper.arxiv_id for paper in loaded[0].papers}

    async def _tuning(self, channel: ChannelRef, now: dt.datetime) -> Tuning | None:
        """The channel's votes, if it has any. One query per pass lists the channels that voted,
        so a channel without votes costs nothing more and keeps sharing the cached digest."""
        async with self._voters_loading:
            if self._voters is None:
                self._voters = await self.votes.channels_with_votes()
        if channel not in self._voters:
            return None
        return await tuning_for(self.votes, channel, now)

    async def _material(
        self, day: dt.date, subscription: Subscription, kind: Kind
    ) -> tuple[dt.date | Week, Loaded | None]:
        """What the subscription's digest of `day` is made from: the report of `day`, or for a
        delivery of `kind` week the week it keys (bot/ranking/weekly.py), with its matcher. The
        delivery's kind, not the channel's cadence now: a channel that moved between daily and
        weekly since it was planned gets what was planned."""
        if kind != WEEK_KIND:
            return day, await self._load_once(self._reports, day, self.archive.report)
        # The digest before it, as the planner saw it when it planned this one (Week).
        history = await self.outbox.history([subscription.channel], history_since(day))
        previous = previous_digest(history.get(subscription.channel, []), day)
        week = week_of(day, subscription, previous)
        return week, await self._load_once(self._weeks, week, lambda w: week_report(self.archive, w.end, w))

    async def _load_once(
        self, cache: dict[K, Loaded], day: K, load: Callable[[K], Awaitable[Report | None]]
    ) -> Loaded | None:
        # A batch's deliveries all ask at once: the lock makes the first one load the report
        # and build the matcher, and the others wait for it instead of each building their own.
        async with self._loading:
            if day not in cache:
                report = await load(day)
                if report is None:
                    return None
                # One matcher per report serves every channel (see bot/topics/matcher.py).
                cache[day] = (report, report_matcher(report, self.taxonomy))
            return cache[day]
