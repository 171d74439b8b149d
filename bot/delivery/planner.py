"""Planning: which subscriptions' digests have come due, as outbox rows.

`Planner.plan` turns subscriptions and the newest report into outbox rows, unique per channel and
report date, so nothing can be planned twice, whichever replica plans it. The pass that claims and
posts them is `bot/delivery/deliverer.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.ids import channel_problem
from bot.models import ChannelRef, Subscription
from bot.ranking.weekly import WEEK, Week, reach_start, week_days
from bot.store.archive import Archive
from bot.store.outbox import DAY, MISSED, WEEK_KIND, Outbox, Planned, PlannedDigest, missed_reason
from bot.store.subscriptions import SubscriptionStore
from bot.zones import UnusableZoneError, load_zone

log = logging.getLogger("paperbot.delivery")

CATCH_UP = dt.timedelta(hours=12)  # older due digests are skipped, not sent (a week off ≠ a flood)
# How often `paperbot run` plans what came due (bot/delivery/scheduler.py): a report that was the
# newest, due for a channel, for less than this may never have been planned for it.
PLAN_EVERY = dt.timedelta(minutes=1)


def due_at(day: dt.date, subscription: Subscription) -> dt.datetime:
    """When `day`'s digest is due for the subscription, in UTC.

    The subscription's HH:MM on that date in its zone: zoneinfo resolves a time skipped by a
    DST change forward to the same wall time's standard offset and an ambiguous one to its
    first occurrence, and the outbox holds one row per day, so a change day gives exactly one.
    Raises UnusableZoneError when this host cannot load the subscription's zone.
    """
    local = dt.datetime.combine(day, subscription.time, tzinfo=load_zone(subscription.tz))
    return local.astimezone(dt.UTC)


def week_of(end: dt.date, subscription: Subscription, previous: PlannedDigest | None = None) -> Week:
    """The reports a weekly subscription's digest keyed `end` covers (see Week): those since
    `previous`, the channel's digest before it (previous_digest), up to this one's due time in
    the subscription's zone. Without one, since the channel's day a week before."""
    if previous is None:
        previous = PlannedDigest(end - WEEK, due_at(end - WEEK, subscription))
    return Week(end, opens=previous.due_at, closes=due_at(end, subscription), after=previous.report_date)


def history_since(end: dt.date) -> dt.date:
    """The oldest key of a channel's digests that `previous_digest` of `end` looks at: one older
    than REACH holds nothing this one could (a channel paused for months counts from a week back)."""
    return reach_start(end)


def previous_digest(history: Iterable[PlannedDigest], end: dt.date) -> PlannedDigest | None:
    """The channel's newest digest (of any cadence) keyed before `end` in `history` (its outbox
    rows from `history_since(end)` on): the one a weekly digest of `end` follows."""
    since = history_since(end)
    earlier = (row for row in history if since <= row.report_date < end)
    # Of two keyed the same date (a week, then that date's daily digest), the later one.
    return max(earlier, key=lambda row: (row.report_date, row.due_at), default=None)


def week_day_from(day: dt.date, subscription: Subscription) -> dt.date:
    """The weekly subscription's day (its weekday) on or after `day`: the key of the weekly
    digest that comes then."""
    return day + dt.timedelta(days=(subscription.settings.weekday - day.weekday()) % 7)


def last_week_end(subscription: Subscription, now: dt.datetime) -> dt.date:
    """The key of the weekly subscription's latest digest whose time has come by `now` (in its
    zone): the week the planner delivers; the one after it is still filling."""
    end = week_day_from(
        now.astimezone(load_zone(subscription.tz)).date() - WEEK + dt.timedelta(days=1), subscription
    )
    return end - WEEK if due_at(end, subscription) > now else end


@dataclass
class PlanNotes:
    """Why a pass left subscriptions alone, for `paperbot deliver` to say (filled by `plan`)."""

    day: dt.date | None = None  # the report date planned for; None: the archive has no report
    not_due: list[tuple[ChannelRef, dt.datetime]] = field(default_factory=list)  # due then
    weekdays_only: list[ChannelRef] = field(default_factory=list)  # a weekend report, weekdays channel
    no_report_this_week: list[ChannelRef] = field(default_factory=list)  # weekly, nothing to send
    paused: list[tuple[ChannelRef, str]] = field(default_factory=list)  # with the reason
    unserved: dict[str, int] = field(default_factory=dict)  # platform -> subscriptions, no credentials
    # Failed at planning, with why: the stored time zone cannot be loaded on this host.
    unusable_zone: list[tuple[ChannelRef, str]] = field(default_factory=list)
    # Skipped as missed (MISSED), with when each was due: by the planner, due more than its
    # catch-up window before this pass (paperbot was down); by the deliverer, planned but taken by
    # no deliverer within that window (`Deliverer._too_late`). Two kinds, as their cause differs.
    missed: list[tuple[ChannelRef, dt.datetime]] = field(default_factory=list)
    missed_unsent: list[tuple[ChannelRef, dt.datetime]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _EarlierReport:
    """The report before the newest, for channels whose time for it came after the newest."""

    day: dt.date
    arrived: dt.datetime
    planned: set[ChannelRef]  # channels whose digest of it (or week that held it) is in the outbox


@dataclass
class PostableChannels:
    """Whether a channel's ids fit their platform's shape (bot/ids.py). One stored before ids
    were checked (or written into the database by hand) is never posted to; it is logged once
    per process, and `paperbot subscriptions export` shows it for fixing."""

    _logged: set[ChannelRef] = field(default_factory=set)

    def __call__(self, ref: ChannelRef) -> bool:
        problem = channel_problem(ref)
        if problem is not None and ref not in self._logged:
            self._logged.add(ref)
            log.warning("not delivering to %s: %s", ref, problem)
        return problem is None


@dataclass
class Planner:
    archive: Archive
    store: SubscriptionStore
    outbox: Outbox
    # The platforms this process delivers digests to (the deliverer's publishers say which).
    platforms: Callable[[], Sequence[str]]
    postable: PostableChannels = field(default_factory=PostableChannels)
    catch_up: dt.timedelta = CATCH_UP
    # Whether a paused subscription is still planned, to be tried at its due digests (the
    # publisher's RetriesPaused, bot/ports.py); any other paused one is left alone.
    retries_paused: Callable[[Subscription], bool] = lambda _subscription: False
    _zones_logged: set[tuple[ChannelRef, str]] = field(default_factory=set)  # (channel, tz) said once

    async def plan(
        self,
        now: dt.datetime,
        *,
        day: dt.date | None = None,
        force: bool = False,
        notes: PlanNotes | None = None,
    ) -> int:
        """Create outbox rows for subscriptions whose digest of `day` (default: the newest
        report) has come due; how many were created. `force` treats every one as due now.
        `notes`, when given, gets why the others were left alone."""
        newest = day is None
        day = day or await self.archive.latest_report_date()
        if day is None:
            return 0
        arrived = await self.archive.report_ingested_at(day)
        if arrived is None:
            return 0
        if notes is not None:
            notes.day = day
        platforms = self.platforms()
        planned_already = await self.outbox.planned_channels(day)
        before = await self._report_before(day) if newest and not force else None
        # Channels whose weekly digest (keyed by their day, at or ahead of the report's date) held
        # the report already: a channel gone from weekly to daily is not sent it again.
        covered = await self.outbox.covered_by_week(day, arrived, later=newest) if not force else set()
        planned: list[Planned] = []
        subscriptions = await self.store.all()
        weekly = [s.channel for s in subscriptions if s.settings.cadence == "weekly" and s.interests]
        # Each weekly channel's digests of the last weeks (Week: what its next one holds), one query.
        history = await self.outbox.history(weekly, history_since(now.date() - WEEK)) if weekly else {}
        arrivals: dict[dt.date, dt.datetime] | None = None  # read once, if a weekly channel needs them
        for subscription in subscriptions:
            ref = subscription.channel
            if not subscription.interests:
                continue
            if ref.platform not in platforms:
                if notes is not None and ref.platform != "console":  # the demo's, never a service's
                    notes.unserved[ref.platform] = notes.unserved.get(ref.platform, 0) + 1
                continue
            if subscription.paused:
                # Said also of one still tried (RetriesPaused): its refused digests are counted as
                # skipped, and without this line `paperbot deliver` never said why.
                if notes is not None:
                    notes.paused.append((ref, subscription.paused_reason or ""))
                if not self.retries_paused(subscription):
                    continue
            if not self.postable(ref):
                continue
            try:
                load_zone(subscription.tz)
            except UnusableZoneError as exc:
                # This channel alone fails, loudly (a failed row: the notices find it and tell
                # the operator or its creator); every other channel is planned as usual.
                if ref not in planned_already:
                    planned.append(self._unusable_zone(ref, day, subscription.tz, exc, now))
                    if notes is not None:
                        notes.unusable_zone.append((ref, str(exc)))
                continue
            cadence = subscription.settings.cadence
            if cadence == "weekly":
                if arrivals is None:
                    arrivals = await self.archive.report_arrivals()
                week = self._plan_week(subscription, now, force, arrivals, history.get(ref, []), notes)
                if week is not None:
                    planned.append(week)
                    if notes is not None and not force:
                        await self._note_next_week(notes, subscription, week)
                continue
            if ref in planned_already or ref in covered:
                continue
            if cadence == "weekdays" and day.weekday() >= 5 and not force:
                if notes is not None:
                    notes.weekdays_only.append(ref)
                continue  # a Saturday's or Sunday's report: this channel takes weekdays only
            # A report that arrives after a channel's time is delivered as soon as it is here.
            due = max(due_at(day, subscription), arrived)
            superseded = self._superseded(subscription, before, arrived, now)
            if superseded is not None:  # first: the outbox posts a channel's digests in due order
                planned.append(superseded)
            if force:
                planned.append(Planned(ref, day, now))
            elif now >= due:
                planned.append(self._due(ref, day, due, now))
            elif notes is not None:
                notes.not_due.append((ref, due))
        if notes is not None:
            notes.missed.extend(
                (row.channel, row.due_at)
                for row in planned
                if row.skip_reason is not None and row.skip_reason.startswith(MISSED)
            )
        return await self.outbox.ensure(planned, now)

    async def _report_before(self, day: dt.date) -> _EarlierReport | None:
        found = await self.archive.report_before(day)
        if found is None:
            return None
        earlier, arrived = found
        # Its daily digests, and the weekly ones keyed that day that held it (covered_by_week).
        planned = await self.outbox.planned_channels(earlier)
        planned |= await self.outbox.covered_by_week(earlier, arrived, later=False)
        return _EarlierReport(earlier, arrived, planned)

    def _superseded(
        self,
        subscription: Subscription,
        before: _EarlierReport | None,
        newest_arrived: dt.datetime,
        now: dt.datetime,
    ) -> Planned | None:
        """The digest of the report before the newest, when that one never had its turn as the
        newest. A channel's time west of UTC falls on the next UTC day (23:30 in Los Angeles is
        07:30 UTC), after the next report came (~02:00 UTC): planning only the newest, such a
        channel got no digest of any report followed by another. Two reports archived together
        (both fetched by one poll after an outage, or one `paperbot ingest` of both) are the same
        case: the older was the newest for too short a time to be planned. A digest that was due
        a planning interval or more before the newest arrived had its turn then; it is not sent
        late now.

        Only a channel that was subscribed when the older digest was due by its date is owed it.
        A new installation's first poll archives two days at once, as does a backfill (`paperbot
        ingest FOLDER`); a channel subscribing after them was owed no digest of the older day, and
        got it beside the newest on its first morning."""
        # A report archived after the newest (a missing day filled in later) never was the newest:
        # it is not delivered, as before.
        if before is None or before.arrived > newest_arrived or subscription.channel in before.planned:
            return None
        if subscription.settings.cadence == "weekdays" and before.day.weekday() >= 5:
            return None
        owed_from = due_at(before.day, subscription)
        if subscription.subscribed_at is not None and subscription.subscribed_at > owed_from:
            return None
        due = max(owed_from, before.arrived)
        if newest_arrived - due >= PLAN_EVERY or due > now:
            return None
        return self._due(subscription.channel, before.day, due, now)

    async def _note_next_week(self, notes: PlanNotes, subscription: Subscription, week: Planned) -> None:
        """A weekly channel whose current week is planned already: it is due again next week."""
        if subscription.channel in await self.outbox.planned_channels(week.report_date, WEEK_KIND):
            notes.not_due.append((subscription.channel, due_at(week.report_date + WEEK, subscription)))

    def _unusable_zone(
        self, ref: ChannelRef, day: dt.date, tz: str, exc: UnusableZoneError, now: dt.datetime
    ) -> Planned:
        """The day's delivery, failed at once: without its zone the channel has no time. Logged
        once per process (the planner runs every minute; the row stops a daily channel's replan)."""
        if (ref, tz) not in self._zones_logged:
            self._zones_logged.add((ref, tz))
            log.error("not delivering to %s: %s (set its zone again: /paper schedule)", ref, exc)
        return Planned(ref, day, now, error=str(exc))

    def _due(self, ref: ChannelRef, day: dt.date, due: dt.datetime, now: dt.datetime) -> Planned:
        """A delivery that has come due, or a skipped one when it fell due too long ago."""
        if now - due > self.catch_up:
            reason = missed_reason(due, f"more than {self.catch_up} before paperbot ran")
            return Planned(ref, day, due, skip_reason=reason)
        return Planned(ref, day, due)

    def _plan_week(
        self,
        subscription: Subscription,
        now: dt.datetime,
        force: bool,
        arrivals: dict[dt.date, dt.datetime],
        history: Sequence[PlannedDigest],
        notes: PlanNotes | None,
    ) -> Planned | None:
        """A weekly channel's digest: due on its weekday at its time, keyed by that date, holding
        the reports since its digest before (Week); nothing when no report is new to it.

        A week whose time passed more than the catch-up window ago is not planned at all (a
        daily digest that late is recorded as skipped, and its report is lost to the channel):
        its reports are in the channel's next weekly digest, which is one digest cut to the
        channel's size however many reports it draws on, so nothing floods and nothing is lost.
        That is also the week a channel gets when it moves to a day that passed days ago (Monday
        to Friday on a Saturday): recorded as a skipped digest, it took the reports since Monday
        with it."""
        if force:
            end, due = now.astimezone(load_zone(subscription.tz)).date(), now
        else:
            end = last_week_end(subscription, now)
            due = due_at(end, subscription)
        # Missed, or a digest keyed after this week's (another cadence or day) held its reports, or
        # a daily one of the same date (a channel gone weekly that day) held the newest of them.
        later = any(row.report_date > end or (row.report_date == end and row.kind == DAY) for row in history)
        if (not force and now - due > self.catch_up) or later:
            if notes is not None:
                notes.not_due.append((subscription.channel, due_at(end + WEEK, subscription)))
            return None
        if not week_days(week_of(end, subscription, previous_digest(history, end)), arrivals):
            if notes is not None:
                notes.no_report_this_week.append(subscription.channel)
            return None
        return Planned(subscription.channel, end, due, kind=WEEK_KIND)
