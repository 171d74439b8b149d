"""Use cases shared by the chat commands, the console and the CLI.

Each function takes what it needs (the archive, the subscription store, the taxonomy) and
returns plain values; wording and markup are the caller's business.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.chat.subscribing import (
    format_time,
    merge_interests,
    parse_cadence,
    parse_digest_setting,
    parse_locale,
    parse_schedule,
    remove_interests,
)
from bot.delivery.planner import due_at, last_week_end, previous_digest, week_day_from, week_of
from bot.errors import BadInputError, LocalisedInputError
from bot.i18n import t
from bot.models import (
    ChannelRef,
    DigestSettings,
    Interests,
    Locale,
    Subscription,
)
from bot.ranking.digest import DEFAULT_DIGEST_SIZE, Digest, build_digest
from bot.ranking.tuning import Tuning
from bot.ranking.weekly import WEEK, Week, week_days, week_report
from bot.store.archive import Archive
from bot.store.outbox import WEEK_KIND, PlannedDigest
from bot.store.subscriptions import Edit, SubscribedElsewhere, SubscriptionStore
from bot.topics.resolve import resolve_terms, split_terms
from bot.topics.taxonomy import Taxonomy
from bot.zones import zone_label


@dataclass(frozen=True, slots=True)
class Change:
    """A subscription after a change, and what the change actually did."""

    subscription: Subscription | None
    changed: Interests  # topics and keywords added or removed
    created: bool = False
    resumed: bool = False  # a paused subscription is active again
    # The workspace whose abandoned subscription of this shared channel the new one replaced.
    took_over_from: str | None = None


# Whether paperbot is installed in a workspace (the edge asks its installations); see `subscribe`.
Installed = Callable[[str], Awaitable[bool]]


async def subscribe(
    store: SubscriptionStore,
    taxonomy: Taxonomy,
    channel: ChannelRef,
    terms: str,
    *,
    user: str | None = None,
    default_tz: str = "UTC",
    default_locale: Locale = "en",
    installed: Installed | None = None,
) -> Change:
    """Add topics and keywords to a channel (creating its subscription on first use).

    One channel, one digest: a channel shared with other workspaces (Slack Connect, an
    Enterprise Grid org) that one of them subscribed is refused (`subscribe.elsewhere`), or
    `subscribe.elsewhere_paused` when that subscription is paused, so the reply says what is
    true. Unless `installed` says paperbot is installed in none of those workspaces any more
    (uninstalled, its tokens revoked): no one there can resume or change it, so this
    workspace's subscription takes its place (`Change.took_over_from`). Without `installed`
    (an edge that cannot tell) the refusal stands."""
    _refuse_all(terms)
    wanted = resolve_terms(terms, taxonomy)

    def edit(current: Subscription | None) -> Subscription:
        if current is None:
            if not wanted:
                raise LocalisedInputError("subscribe.only_exclusions")
            return Subscription(
                channel=channel, interests=wanted, tz=default_tz, locale=default_locale, created_by=user
            )
        # Subscribing again is how a paused channel (bot removed, channel archived) comes back:
        # whoever fixed the cause says so by subscribing.
        merged = merge_interests(current.interests, wanted)
        return replace(current, interests=merged, paused=False, paused_reason=None)

    took_over_from = None
    try:
        before, after = await store.change(channel, edit)
    except SubscribedElsewhere as elsewhere:
        # One channel, one digest: a second subscription made from another workspace that sees
        # the same channel would post every digest into it twice (the store checks it in the
        # transaction that would create it, so two workspaces at once cannot both pass).
        if installed is None or not await _abandoned(elsewhere.others, installed):
            raise _refusal(elsewhere.others) from None
        try:
            # The store replaces them only if they are still as read: an owner who reinstalled
            # and resumed meanwhile keeps the channel.
            before, after = await store.change(channel, edit, replacing=elsewhere.others)
        except SubscribedElsewhere as again:
            raise _refusal(again.others) from None
        took_over_from = elsewhere.others[0].channel.workspace
    assert after is not None  # edit never stores nothing
    if before is None:
        return Change(after, wanted, created=True, took_over_from=took_over_from)
    changed = remove_interests(after.interests, before.interests)
    return Change(after, changed, resumed=before.paused, took_over_from=took_over_from)


async def _abandoned(others: Sequence[Subscription], installed: Installed) -> bool:
    """Whether paperbot is installed in none of the workspaces that hold `others`."""
    for other in others:
        if await installed(other.channel.workspace):
            return False
    return True


def _refusal(others: Sequence[Subscription]) -> LocalisedInputError:
    """The refusal of a second subscription, true to the first one's state."""
    owner = others[0]
    key = "subscribe.elsewhere_paused" if owner.paused else "subscribe.elsewhere"
    return LocalisedInputError(key, workspace=owner.channel.workspace)


# What `/paper unsubscribe` takes for the whole subscription, in place of topics.
UNSUBSCRIBE_ALL = frozenset({"all", "*", "全部", "所有"})


async def unsubscribe(
    store: SubscriptionStore, taxonomy: Taxonomy, channel: ChannelRef, terms: str
) -> Change:
    """Remove topics and keywords; `all` ends the subscription (removing the last topic keeps
    the channel's settings for its next subscription)."""
    if terms.strip().casefold() in UNSUBSCRIBE_ALL:
        current = await store.get(channel)
        if current is not None:
            await store.delete(channel)
        return Change(None, current.interests if current else Interests())
    unwanted = resolve_terms(terms, taxonomy)

    def edit(current: Subscription | None) -> Subscription | None:
        if current is None:
            return None
        # Removing the last topic keeps the channel's time, zone, language, cadence, settings and
        # exclusions (no digest comes while it follows nothing): swapping one topic for another,
        # unsubscribe then subscribe, must not cost them. `all` is how they are forgotten.
        return replace(current, interests=remove_interests(current.interests, unwanted))

    before, after = await store.change(channel, edit)
    if before is None or after is None:
        return Change(None, Interests())
    return Change(after, remove_interests(before.interests, after.interests))


def _refuse_all(terms: str) -> None:
    """`subscribe all` / `exclude all`: the word `unsubscribe` takes for everything is no topic
    here, and as a keyword it would take in (or leave out) every paper that says it; quoted
    (`"all"`), it is the keyword. Among other terms too: `subscribe all, agents` followed every
    paper saying "all". `*` has no quoted form (a keyword needs a letter or digit), so its
    refusal offers none."""
    for term in split_terms(terms):
        if not term.quoted and term.text.casefold() in UNSUBSCRIBE_ALL:
            key = (
                "error.all_is_no_topic"
                if any(c.isalnum() for c in term.text)
                else "error.all_is_no_topic.symbol"
            )
            raise LocalisedInputError(key, word=term.text)


async def exclude(store: SubscriptionStore, taxonomy: Taxonomy, channel: ChannelRef, terms: str) -> Change:
    """Exclude topics and keywords (written with or without a minus); the channel must be
    subscribed. An excluded term that was followed stops being followed."""
    _refuse_all(terms)

    def edit(current: Subscription | None) -> Subscription:
        current = _required(current, channel)
        if not current.interests:
            # Its last topic removed (settings kept): exclusions narrow a subscription it has
            # not got, and "excluding that would leave this channel following nothing:
            # unsubscribe instead" told it to do what it had done.
            raise NotSubscribedError(f"{channel} follows nothing")
        merged = merge_interests(current.interests, _as_exclusions(terms, taxonomy))
        if not merged:
            raise LocalisedInputError("error.exclude_everything")
        return replace(current, interests=merged)

    before, after = await _subscribed_change(store, channel, edit)
    return Change(after, remove_interests(after.interests, before.interests))


def _as_exclusions(terms: str, taxonomy: Taxonomy) -> Interests:
    """Every typed term as an exclusion, written with a minus or not (`exclude`, `include`)."""
    typed = resolve_terms(terms, taxonomy)
    return Interests(
        excluded_topics=(*typed.topics, *typed.excluded_topics),
        excluded_keywords=(*typed.keywords, *typed.excluded_keywords),
    )


async def include(store: SubscriptionStore, taxonomy: Taxonomy, channel: ChannelRef, terms: str) -> Change:
    """Stop excluding topics and keywords (they are not followed by that: subscribe for that)."""

    def edit(current: Subscription | None) -> Subscription:
        current = _required(current, channel)
        return replace(
            current, interests=remove_interests(current.interests, _as_exclusions(terms, taxonomy))
        )

    before, after = await _subscribed_change(store, channel, edit)
    return Change(after, remove_interests(before.interests, after.interests))


async def _subscribed_change(
    store: SubscriptionStore, channel: ChannelRef, edit: Edit
) -> tuple[Subscription, Subscription]:
    """The subscription before and after `edit`, which raises for a channel not subscribed."""
    before, after = await store.change(channel, edit)
    assert before is not None
    assert after is not None
    return before, after


async def set_schedule(store: SubscriptionStore, channel: ChannelRef, schedule: str) -> Subscription:
    """Set the channel's delivery time and time zone, each when `schedule` names it (see
    parse_schedule); the channel must be subscribed."""

    def edit(current: Subscription) -> Subscription:
        time, tz = parse_schedule(schedule)
        return replace(current, time=current.time if time is None else time, tz=tz or current.tz)

    return await _edit_subscribed(store, channel, edit)


async def set_language(store: SubscriptionStore, channel: ChannelRef, language: str) -> Subscription:
    return await _edit_subscribed(
        store, channel, lambda current: replace(current, locale=parse_locale(language))
    )


class NotSubscribedError(BadInputError):
    """The command needs a subscription and the channel has none."""


def _required(current: Subscription | None, channel: ChannelRef) -> Subscription:
    if current is None:
        raise NotSubscribedError(f"{channel} is not subscribed")
    return current


async def _edit_subscribed(
    store: SubscriptionStore, channel: ChannelRef, edit: Callable[[Subscription], Subscription]
) -> Subscription:
    """`edit` applied, under the store's lock, to the channel's subscription, which must exist
    (NotSubscribedError before `edit` runs); the subscription as it is now."""
    _, after = await _subscribed_change(store, channel, lambda current: edit(_required(current, channel)))
    return after


class NoReportError(BadInputError):
    """No report in the archive for the date asked (or none at all)."""

    def __init__(self, day: dt.date | None) -> None:
        self.day = day
        super().__init__(f"no report for {day} in the archive" if day else "the archive holds no report")


@dataclass(frozen=True, slots=True)
class ShownWeek:
    """The weekly delivery `/paper digest` shows a weekly channel, and when it falls due."""

    week: Week
    due: dt.datetime
    coming: bool  # not due yet: what it holds so far

    def note(self, subscription: Subscription, locale: str, *, empty: bool = False) -> str:
        """`This channel's weekly digest of Monday 2026-12-14, 09:00 (Asia/Shanghai).`; `empty`:
        that it holds no report (yet, when it is still coming)."""
        key = "digest.week." + ("coming" if self.coming else "past") + (".empty" if empty else "")
        return t(
            key,
            locale,
            weekday=t(f"weekday.{self.week.end.weekday()}", locale),
            date=self.week.end.isoformat(),
            time=format_time(subscription.time),
            tz=zone_label(subscription.tz),
        )


async def shown_week(
    archive: Archive,
    subscription: Subscription,
    day: dt.date | None,
    now: dt.datetime,
    *,
    latest: bool = False,
    history: Sequence[PlannedDigest] = (),
) -> ShownWeek | None:
    """The weekly delivery that comes on the channel's day on or after `day`; with `latest`
    (`/paper digest latest`), the newest one delivered (delivered_week_end); without either, the
    next one when reports have come for it already, else the newest one delivered. Its reports
    are the planner's (Week: those its digest before did not hold, by `history`, the channel's
    digests in the outbox), so what is shown is what the channel got or will get, not the seven
    days before a date. None, without a day, when no delivery has held or will hold a report but
    the archive has some: reports archived long after their date (a backfill older than REACH,
    the console's sample) are in no delivery, and the seven days ending on the newest are shown
    instead (channel_digest without a week)."""
    if day is not None:
        end = week_day_from(day, subscription)
        # A week of the channel's day that never went out, since the channel was on another
        # day then (Monday to Friday on a Tuesday: no Friday's digest held the Wednesday before):
        # the delivery that held it, when one did.
        sent = any(row.report_date == end and row.kind == WEEK_KIND for row in history)
        if not sent and due_at(end, subscription) <= now:
            arrivals = await archive.report_arrivals()
            end = held_by(day, subscription, history, arrivals, now) or end
    else:
        arrivals = await archive.report_arrivals()
        end = last_week_end(subscription, now) + WEEK
        filling = bool(week_days(_week(end, subscription, history, now), arrivals))
        if latest or not filling:
            delivered = delivered_week_end(subscription, now, arrivals, history)
            if delivered is None and arrivals and not filling:
                return None
            end = delivered or end - WEEK
    due = due_at(end, subscription)
    return ShownWeek(_week(end, subscription, history, now), due, coming=due > now)


def held_by(
    day: dt.date,
    subscription: Subscription,
    history: Sequence[PlannedDigest],
    arrivals: Mapping[dt.date, dt.datetime],
    now: dt.datetime,
) -> dt.date | None:
    """The key of the channel's weekly delivery, come by `now`, that held the report of `day` (for
    a day without a report, whose week spans it); None when none has."""
    arrived = arrivals.get(day)
    for row in history:  # oldest first
        if row.kind != WEEK_KIND or row.report_date < day or row.due_at > now:
            continue
        week = _week(row.report_date, subscription, history, now)
        if week.holds(day, arrived) if arrived is not None else week.after < day:
            return row.report_date
    return None


def _week(
    end: dt.date, subscription: Subscription, history: Sequence[PlannedDigest], now: dt.datetime
) -> Week:
    """The reports the channel's weekly delivery of `end` holds, after its digest before it: the
    newest in `history`, or for a week after the next (its week before still to come) the week
    before as it will be."""
    previous = previous_digest(history, end)
    if due_at(end - WEEK, subscription) > now:
        previous = None
    return week_of(end, subscription, previous)


def delivered_week_end(
    subscription: Subscription,
    now: dt.datetime,
    arrivals: Mapping[dt.date, dt.datetime],
    history: Sequence[PlannedDigest] = (),
) -> dt.date | None:
    """The key of the weekly subscription's newest delivery that has come by `now` and held a
    report (the planner sends none for a week without one), or None when none did. Not the
    week of the newest report's date: a report dated on the channel's day, or the week's
    reports late after an outage, came after that day's delivery and are in the next one. A
    digest in `history` keyed later than the channel's day now is (it moved from Monday to
    Friday midweek: Monday's went out, no Friday's yet) is that newest delivery; a daily one
    (it was daily until today) is not a week."""
    end = last_week_end(subscription, now)
    weeks = (row.report_date for row in history if row.due_at <= now and row.kind == WEEK_KIND)
    planned = max(weeks, default=None)
    if planned is not None and planned >= end:
        return planned
    oldest = min(arrivals, default=None)
    while oldest is not None and end >= oldest:
        if week_days(_week(end, subscription, history, now), arrivals):
            return end
        end -= WEEK
    return None


@dataclass(frozen=True, slots=True)
class CalendarWeek:
    """A week as people name it, Monday to Sunday (ISO 8601): `last week`, `2026-W48`."""

    monday: dt.date

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def name(self) -> str:
        """`2026-W48`: how `/paper digest` names it again (the more line)."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    def values(self) -> dict[str, str]:
        """The week's placeholders in the catalogue's `digest.calendar_week…` messages."""
        return {"week": self.name, "monday": self.monday.isoformat(), "sunday": self.sunday.isoformat()}

    def delivery_day(self, subscription: Subscription) -> dt.date:
        """A day whose weekly delivery (shown_week) is the one holding most of this week: the
        channel's day on or after the week's Thursday (a Monday channel's next Monday holds
        Tuesday to Sunday, a Friday channel's Friday Monday to Friday)."""
        return week_day_from(self.monday + dt.timedelta(days=3), subscription)

    def check_begun(self, today: dt.date) -> None:
        """Raise the bilingual `not begun` error for a week after the one `today` is in."""
        if self.monday > today:
            raise LocalisedInputError("digest.calendar_week.future", **self.values())


async def channel_digest(
    archive: Archive,
    taxonomy: Taxonomy,
    interests: Interests,
    *,
    day: dt.date | None = None,
    locale: str = "en",
    limit: int | None = DEFAULT_DIGEST_SIZE,
    settings: DigestSettings | None = None,
    tuning: Tuning | None = None,
    week: Week | None = None,
    seven_days: bool = False,
) -> Digest:
    """The digest a channel with `interests` gets from the report of `day` (default: the newest),
    re-ranked by the channel's votes when `tuning` holds them; for a weekly channel, from the
    reports `week` holds (shown_week), or without one the seven days ending `day`; with
    `seven_days`, any channel's of the seven days ending `day`, ranked together as a weekly
    digest is (`/paper digest last week` in a daily channel)."""
    weekly = seven_days or (settings is not None and settings.cadence == "weekly")
    if weekly and week is not None:
        day = week.end
        report = await week_report(archive, week.end, week)
    else:
        day = day or await archive.latest_report_date()
        report = (await week_report(archive, day) if weekly else await archive.report(day)) if day else None
    if report is None:
        raise NoReportError(day)
    # Matching a large day (10,000 papers) takes seconds of CPU: off the event loop, so other
    # commands are acknowledged meanwhile.
    return await asyncio.to_thread(
        build_digest,
        report,
        interests,
        taxonomy,
        locale=locale,
        limit=limit,
        settings=settings,
        tuning=tuning,
    )


async def set_cadence(store: SubscriptionStore, channel: ChannelRef, text: str) -> Subscription:
    """Daily, weekdays, or weekly on a day; the channel must be subscribed."""
    return await _change_settings(store, channel, parse_cadence(text))


async def set_digest_setting(
    store: SubscriptionStore, channel: ChannelRef, name: str, value: str
) -> Subscription:
    """Change one digest setting (`size`, `min-upvotes`, `order`, in English or Chinese); the
    channel must be subscribed. Raises BadInputError naming what is accepted."""
    return await _change_settings(store, channel, parse_digest_setting(name, value))


async def _change_settings(
    store: SubscriptionStore, channel: ChannelRef, fields: dict[str, Any]
) -> Subscription:
    return await _edit_subscribed(
        store, channel, lambda current: replace(current, settings=replace(current.settings, **fields))
    )
