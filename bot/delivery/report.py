"""What `paperbot deliver` says after its pass: what it did, and why the rest was not done.

Nothing is ever left silently: a delivery another deliverer holds (until when), one waiting for
its retry or its time, a channel that is paused (and why), subscriptions of a platform this
process has no credentials for. `settle` is `--wait`: it waits until the claims other
deliverers hold are settled, taking over any whose lease runs out on the way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.delivery.deliverer import Deliverer
from bot.delivery.planner import CATCH_UP, PlanNotes
from bot.models import ChannelRef
from bot.store.outbox import MAX_ATTEMPTS, Delivery, utc_minute

SHOWN = 5  # channels named per line; the rest are counted
POLL = dt.timedelta(seconds=2)  # how often `--wait` looks at the claims it waits for
# What a process needs to deliver a platform's digests (README, Configuration).
CREDENTIALS = {
    "slack": "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID for many workspaces)",
    "discord": "DISCORD_TOKEN",
}
PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "console"}


def count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


def channel_name(ref: ChannelRef) -> str:
    return f"{ref.platform}:{ref.workspace}/{ref.channel}"


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    """A UTC time, with the date only when it is not today's."""
    moment = moment.astimezone(dt.UTC)
    return f"{moment:%H:%M:%S} UTC" if moment.date() == now.date() else utc_minute(moment)


def _names(refs: Sequence[ChannelRef]) -> str:
    shown = ", ".join(channel_name(ref) for ref in refs[:SHOWN])
    return shown + (f" and {len(refs) - SHOWN} more" if len(refs) > SHOWN else "")


@dataclass(frozen=True, slots=True)
class Unsettled:
    """The deliveries this process could not finish now, as the outbox has them."""

    held: list[Delivery]  # claimed by another deliverer whose lease still runs
    waiting: list[Delivery]  # pending, due later (a retry after a failure)
    # Pending and due, but after an earlier digest of the same channel that is not done yet: a
    # channel's digests go out oldest first (bot/store/outbox.py, `_earlier_unfinished`).
    behind: list[Delivery] = field(default_factory=list)
    # Platforms configured here but unreachable this pass: (why, their open deliveries).
    unavailable: dict[str, tuple[str, int]] = field(default_factory=dict)


async def unsettled(deliverer: Deliverer, now: dt.datetime) -> Unsettled:
    """The open deliveries on the platforms `deliverer` serves (the others are told apart, as
    subscriptions without credentials)."""
    served = set(deliverer.digest_platforms)
    open_rows = await deliverer.outbox.unsettled()
    rows = [row for row in open_rows if row.channel.platform in served]
    held = [
        row
        for row in rows
        if row.status == "claimed"
        and row.claimed_by != deliverer.worker
        and row.lease_until is not None
        and row.lease_until >= now
    ]
    waiting = [
        row
        for row in rows
        if row.status == "pending" and row.next_attempt_at is not None and row.next_attempt_at > now
    ]
    unavailable = {
        platform: (why, sum(1 for row in open_rows if row.channel.platform == platform))
        for platform, why in deliverer.unavailable.items()
    }
    oldest: dict[ChannelRef, dt.date] = {}
    for row in rows:
        oldest[row.channel] = min(oldest.get(row.channel, row.report_date), row.report_date)
    retries = {row.id for row in waiting}
    behind = [
        row
        for row in rows
        if row.status == "pending" and row.id not in retries and row.report_date > oldest[row.channel]
    ]
    return Unsettled(held, waiting, behind, unavailable)


def _missed(missed: Sequence[tuple[ChannelRef, dt.datetime]], why: str, now: dt.datetime) -> list[str]:
    """One line for a kind of missed digest, however many channels: when they were due, why
    they were skipped, and the first channels (oldest due first)."""
    if not missed:
        return []
    ordered = sorted(missed, key=lambda item: item[1])
    first, last = _when(ordered[0][1], now), _when(ordered[-1][1], now)
    due = first if first == last else f"{first} to {last}"
    return [
        f"  {count(len(ordered), 'digest')} missed, skipped and not sent late: due {due}, {why} "
        f"({_names([ref for ref, _ in ordered])})"
    ]


def describe(
    outcomes: dict[str, int],
    notes: PlanNotes,
    open_: Unsettled,
    now: dt.datetime,
    *,
    catch_up: dt.timedelta = CATCH_UP,
) -> list[str]:
    """The lines `paperbot deliver` prints: its outcomes first, then each reason for the rest.
    `catch_up`: the deliverer's window, after which a digest due is skipped as missed."""
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items())) or "nothing due"
    lines = [f"delivery pass: {summary}"]
    for platform, (why, waiting) in sorted(open_.unavailable.items()):
        # An outage, not a failure: nothing was claimed, so no attempt was used up.
        name = PLATFORM_NAMES.get(platform, platform)
        lines.append(
            f"  {name} unavailable ({why}): {count(waiting, f'{name} digest')} left pending, none "
            f"failed or lost; the next pass that reaches {name} posts them (run deliver again later)"
        )
    # What downtime cost, said apart from the other skips ("N skipped" alone named no channel).
    lines += _missed(notes.missed, f"more than {catch_up} before paperbot ran (it was down)", now)
    lines += _missed(
        notes.missed_unsent,
        f"planned but taken by no deliverer within {catch_up} of it "
        "(every deliverer stopped, or its platform unreachable)",
        now,
    )
    if notes.day is None:
        lines.append("  nothing to deliver: the archive holds no report (paperbot ingest SOURCE)")
    by_worker: dict[str, list[Delivery]] = {}
    for row in open_.held:
        by_worker.setdefault(row.claimed_by or "?", []).append(row)
    for worker, rows in sorted(by_worker.items()):
        until = max(row.lease_until or now for row in rows)
        lines.append(
            f"  {count(len(rows), 'delivery', 'deliveries')} held by another deliverer ({worker}) "
            f"until {_when(until, now)}, renewed while it works: {_names([row.channel for row in rows])} "
            "(--wait waits for them)"
        )
    for row in open_.waiting[:SHOWN]:
        assert row.next_attempt_at is not None
        # No attempt used: it waits out a platform outage (the error says until when).
        tried = f"attempt {row.attempts} of {MAX_ATTEMPTS} failed" if row.attempts else "last try failed"
        lines.append(
            f"  retry of {channel_name(row.channel)} not due until {_when(row.next_attempt_at, now)} "
            f"({tried}: {row.last_error or 'unknown error'})"
        )
    if len(open_.waiting) > SHOWN:
        lines.append(f"  … and {count(len(open_.waiting) - SHOWN, 'more retry', 'more retries')}")
    if open_.behind:
        lines.append(
            f"  {count(len(open_.behind), 'digest')} held back until an earlier digest of its channel "
            f"is done: {_names([row.channel for row in open_.behind])}"
        )
    if notes.not_due:
        upcoming = sorted(notes.not_due, key=lambda item: item[1])
        first_ref, first_due = upcoming[0]
        lines.append(
            f"  {count(len(upcoming), 'channel')} not due until their time, the next "
            f"{channel_name(first_ref)} at {_when(first_due, now)}: {_names([ref for ref, _ in upcoming])} "
            "(--now delivers them now)"
        )
    if notes.weekdays_only:
        lines.append(
            f"  {count(len(notes.weekdays_only), 'channel')} not due: weekdays only, and the "
            f"{notes.day} report is a weekend's: {_names(notes.weekdays_only)}"
        )
    if notes.no_report_this_week:
        lines.append(
            f"  {count(len(notes.no_report_this_week), 'weekly channel')} with no report in their week: "
            f"{_names(notes.no_report_this_week)}"
        )
    for ref, reason in notes.paused[:SHOWN]:
        lines.append(f"  {channel_name(ref)} is paused: {reason or 'no reason recorded'}")
    if len(notes.paused) > SHOWN:
        lines.append(f"  … and {count(len(notes.paused) - SHOWN, 'more paused channel')}")
    for ref, why in notes.unusable_zone[:SHOWN]:
        lines.append(f"  {channel_name(ref)} failed, nothing posted: {why} (/paper schedule sets a zone)")
    if len(notes.unusable_zone) > SHOWN:
        more = count(len(notes.unusable_zone) - SHOWN, "more channel")
        lines.append(f"  … and {more} with an unusable time zone")
    for platform, n in sorted(notes.unserved.items()):
        name = PLATFORM_NAMES.get(platform, platform)
        needs = CREDENTIALS.get(platform, "its credentials")
        lines.append(
            f"  {count(n, f'{name} subscription')} not delivered: no {name} credentials in this "
            f"process (set {needs})"
        )
    return lines


async def settle(
    deliverer: Deliverer,
    *,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    poll: dt.timedelta = POLL,
    on_wait: Callable[[Unsettled], None] | None = None,
    notes: PlanNotes | None = None,
) -> dict[str, int]:
    """`deliver --wait`: wait until no other deliverer holds a claim on a served platform. A
    holder that finishes settles its claim; one that dies stops renewing, and its claims are
    taken over here (asking the platform first) once their lease runs out. The outcomes of
    what this process delivered while waiting. `on_wait` hears each wait that begins; `notes`, of
    the digests skipped as missed on the way."""
    outcomes: dict[str, int] = {}
    waited = False
    while not deliverer.stopping:  # SIGTERM: stop waiting (the claims' holders settle them)
        open_ = await unsettled(deliverer, clock())
        if not open_.held:
            if waited:
                # A claim settled while the last pass ran: what waited behind it (a channel's later
                # digest) goes now, as does a claim whose lease has run out since that pass.
                _add(outcomes, await deliverer.deliver_due(notes=notes))
            return outcomes
        if on_wait is not None and not waited:
            on_wait(open_)
        waited = True
        await sleep(poll.total_seconds())
        _add(outcomes, await deliverer.deliver_due(notes=notes))
    return outcomes


def _add(outcomes: dict[str, int], more: dict[str, int]) -> None:
    for status, n in more.items():
        outcomes[status] = outcomes.get(status, 0) + n
