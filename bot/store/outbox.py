"""The delivery outbox: who gets which day's digest, claimed with a lease, recorded once.

Every state change is one conditional statement, so concurrent workers (replicas, or
`paperbot deliver` run twice) cannot both own a delivery: a claim only takes rows that are due
and unowned (or whose owner's lease ran out), and a worker can only record results while it
still holds the claim. PostgreSQL skips rows another worker is claiming (SKIP LOCKED); SQLite
has one writer at a time, which serialises claims by itself.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.ids import is_personal
from bot.models import DELIVERY_STATUSES, FINISHED_STATUSES, ChannelRef, LastDigest
from bot.ports import PublishResult
from bot.store.database import as_utc
from bot.store.group_commit import GroupCommit
from bot.store.leases import claim_rows, renew_rows
from bot.store.limits import chunks
from bot.store.tables import deliveries as table
from bot.store.write_lock import lock_order

STATUSES = DELIVERY_STATUSES
# What a delivery holds (`deliveries.kind`, migration 0017): the report of its date, or a weekly
# channel's week keyed by its day (bot/ranking/weekly.py). One of each per channel and date.
Kind = Literal["day", "week"]
DAY: Kind = "day"
WEEK_KIND: Kind = "week"
_KEY = ("platform", "workspace", "channel", "report_date", "kind")
MAX_ATTEMPTS = 6
# Backoff after a failed attempt: 1, 2, 4, 8, 16 minutes (capped at an hour), with jitter so a
# platform outage does not end in every channel retrying in the same second.
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=1)
# A delivery's first two retries come sooner (after 10-20 s, then 20-40 s): what outlasts the
# client's own retries is mostly a short burst of 429s or 503s, and a channel taken over after a
# crash (30 s) whose attempts meet one should still settle within the minute or so after. Later
# retries back off as above (4, 8, 16 minutes), so the six attempts still span ~30 minutes.
FIRST_RETRY = dt.timedelta(seconds=20)
QUICK_RETRIES = 2
# A platform outage (a 5xx, a timeout, a dropped connection, a long Retry-After: PublishResult's
# `outage`) is waited out without using up attempts, since it says nothing about the channel: six
# attempts would end every digest of a half-hour Slack outage as failed. Its tries come 10-20 s
# apart at first, then further apart the longer the digest is overdue (half of that, with jitter),
# but never more than OUTAGE_RETRY_CAP apart, so a platform back up is met within minutes. What
# bounds them is the digest's worth: `finish`'s `outage_until` (the planner's catch-up window).
OUTAGE_RETRY_CAP = dt.timedelta(minutes=5)


# How a digest skipped because its time passed unsent begins its reason (the planner's, after
# downtime; the deliverer's, for one planned but not taken in its catch-up window): `history`
# tells it from a digest that had its turn.
MISSED = "missed: "

# How a delivery's reason says a moment, in UTC to the minute; `ended_by_outage` reads it back.
_MINUTE = "%Y-%m-%d %H:%M"


def utc_minute(moment: dt.datetime) -> str:
    """A UTC moment as delivery reasons and notices say it: `2026-11-20 21:00 UTC`."""
    return f"{moment:{_MINUTE}} UTC"


def missed_reason(due: dt.datetime, why: str) -> str:
    """The reason of a digest skipped because its time (`due`) passed unsent, as `history` knows it."""
    return f"{MISSED}due {utc_minute(due)}, {why}"


def _held_nothing() -> ColumnElement[bool]:
    """A digest that reached its channel with none of its reports: skipped as missed (MISSED),
    or failed with no part posted (its platform down past its time: `give_up`, `finish`; or out
    of attempts). Its reports are still the channel's next weekly digest's (`history`) and a
    daily digest's after a move to daily (`covered_by_week`): counted as held, an outage on a
    weekly channel's day lost the whole week."""
    # coalesce: a NULL error would make the whole test NULL, and `~` of it drop the row.
    missed = (table.c.status == "skipped") & func.coalesce(table.c.last_error, "").startswith(MISSED)
    return missed | ((table.c.status == "failed") & (table.c.next_part == 0))


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    channel: ChannelRef
    report_date: dt.date
    status: str
    due_at: dt.datetime
    attempts: int
    next_part: int
    parts: int | None
    posted: tuple[str, ...]
    papers: int | None
    last_error: str | None
    uncertain: bool  # claimed over an expired lease: parts may be up that were never recorded
    finished_at: dt.datetime | None = None
    claimed_by: str | None = None  # the worker holding the claim (status "claimed")
    lease_until: dt.datetime | None = None  # …until then, unless it renews it
    next_attempt_at: dt.datetime | None = None  # when a pending delivery is due (again)
    # The digest as decided before its first post (bot/delivery/decided.py); None until then.
    digest: dict[str, Any] | None = None
    kind: Kind = DAY  # what it holds: the report of its date, or the week keyed by it

    @property
    def key(self) -> str:
        """The name a platform message carries (metadata, footer) to be recognised later."""
        return f"d{self.id}"

    def to_json(self) -> dict[str, Any]:
        ref = self.channel
        return {
            "id": self.id,
            "platform": ref.platform,
            "workspace": ref.workspace,
            "channel": ref.channel,
            "personal": is_personal(ref),
            "date": self.report_date.isoformat(),
            "kind": self.kind,
            "status": self.status,
            "due_at": self.due_at.isoformat(),
            "attempts": self.attempts,
            "papers": self.papers,
            "parts": self.parts,
            "posted": len(self.posted),
            "error": self.last_error,
        }


def _delivery(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        channel=ChannelRef(row["platform"], row["workspace"], row["channel"]),
        report_date=row["report_date"],
        status=row["status"],
        due_at=as_utc(row["due_at"]),
        attempts=row["attempts"],
        next_part=row["next_part"],
        parts=row["parts"],
        posted=tuple(row["posted"] or ()),
        papers=row["papers"],
        last_error=row["last_error"],
        uncertain=bool(row["uncertain"]),
        finished_at=as_utc(row["finished_at"]) if row["finished_at"] else None,
        claimed_by=row["claimed_by"],
        lease_until=as_utc(row["lease_until"]) if row["lease_until"] else None,
        next_attempt_at=as_utc(row["next_attempt_at"]) if row["next_attempt_at"] else None,
        digest=row["digest"],
        kind=row["kind"],
    )


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with full jitter over the upper half of the window."""
    window: dt.timedelta = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    jitter: float = (rng or random).random()
    return window * (0.5 + 0.5 * jitter)


def retry_delay(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """How long a delivery waits after its `attempts`-th failed attempt (see FIRST_RETRY)."""
    if attempts <= QUICK_RETRIES:
        window: dt.timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
        return window * (0.5 + 0.5 * (rng or random).random())
    return backoff(attempts, rng)


# What `finish` adds to the error of a delivery waiting out an outage (`give_up` takes it off).
_WAITING_OUT = " (platform unavailable: tried again until "


_OUTAGE_ENDED = " (platform unavailable until "


def _too_late(error: str | None, until: dt.datetime, *, outage: bool) -> str:
    """The error of a delivery failed for good at `until`, the latest it is sent."""
    why = _OUTAGE_ENDED if outage else " (not tried again after "
    return f"{error}{why}{utc_minute(until)}; a digest is not sent later than that)"


def ended_by_outage(error: str | None) -> tuple[str, dt.datetime] | None:
    """For a delivery that failed because its platform stayed down past its time (`_too_late`'s
    error): the last try's error and that time; None for any other failure."""
    cause, found, rest = (error or "").rpartition(_OUTAGE_ENDED)
    if not found:
        return None
    try:
        until = dt.datetime.strptime(rest[:16], _MINUTE).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return cause, until


def outage_delay(overdue: dt.timedelta, rng: random.Random | None = None) -> dt.timedelta:
    """How long a delivery `overdue` past its due time waits after a platform outage (see
    OUTAGE_RETRY_CAP): the upper half of a window of half the overdue time, within
    FIRST_RETRY..OUTAGE_RETRY_CAP."""
    window: dt.timedelta = min(OUTAGE_RETRY_CAP, max(FIRST_RETRY, overdue / 2))
    return window * (0.5 + 0.5 * (rng or random).random())


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery the planner wants to exist."""

    channel: ChannelRef
    report_date: dt.date
    due_at: dt.datetime
    skip_reason: str | None = None  # recorded as skipped at once (e.g. missed during downtime)
    # Recorded as failed at once, never attempted (e.g. a time zone this host cannot load): the
    # notices tell of it as of any failed delivery.
    error: str | None = None
    kind: Kind = DAY  # what it holds: the report of its date, or the week keyed by it


@dataclass(frozen=True, slots=True)
class PlannedDigest:
    """A channel's digest as the outbox keeps it, whatever became of it: its key and when it
    fell due (a weekly digest holds what the one before it did not: bot/ranking/weekly.py)."""

    report_date: dt.date
    due_at: dt.datetime
    kind: Kind = DAY


# Recording an outcome: only the claim's owner may, and the claim is released in the same step.
# NULL next-attempt/finished parameters keep the row's values.
_RECORD = (
    update(table)
    .where(
        table.c.id == bindparam("b_id"),
        table.c.status == "claimed",
        table.c.claimed_by == bindparam("b_worker"),
    )
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        next_part=bindparam("b_next_part"),
        posted=bindparam("b_posted", type_=table.c.posted.type),
        parts=bindparam("b_parts"),
        papers=bindparam("b_papers"),
        last_error=bindparam("b_error"),
        uncertain=bindparam("b_uncertain"),
        next_attempt_at=func.coalesce(
            bindparam("b_next_attempt", type_=table.c.next_attempt_at.type), table.c.next_attempt_at
        ),
        finished_at=func.coalesce(
            bindparam("b_finished", type_=table.c.finished_at.type), table.c.finished_at
        ),
        claimed_by=None,
        lease_until=None,
        updated_at=bindparam("b_now"),
        # The decided digest serves only the attempts still to come (bot/delivery/decided.py):
        # kept while the delivery is pending again, dropped once it is done, so the table does
        # not keep a copy of every digest ever sent (~0.8 KB a paper).
        digest=case((bindparam("b_status") == "pending", table.c.digest), else_=null()),
    )
)

# Keep a delivery's decided digest while its worker holds the claim (Outbox.decide_many).
_DECIDE = (
    update(table)
    .where(
        table.c.id == bindparam("b_id"),
        table.c.status == "claimed",
        table.c.claimed_by == bindparam("b_worker"),
    )
    .values(digest=bindparam("b_digest", type_=table.c.digest.type), updated_at=bindparam("b_now"))
)


async def record_imported(
    conn: AsyncConnection, last: Mapping[ChannelRef, LastDigest], now: dt.datetime
) -> None:
    """Inside an import's transaction: each channel's last digest from the database it was
    exported from, as a finished delivery of that day unless this outbox has one. The planner
    plans one row per channel and day, so that day is not delivered to it again here; an
    installation moved between databases mid-day posted every morning digest twice."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(_KEY))
    rows: list[dict[str, Any]] = [
        {
            "platform": ref.platform,
            "workspace": ref.workspace,
            "channel": ref.channel,
            "report_date": digest.date,
            # Skipped, not copied: this outbox posted nothing of it (no parts, no message to find).
            "status": "skipped",
            "due_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "uncertain": False,
            "next_part": 0,
            "posted": [],
            "last_error": f"{digest.status} in the database this subscription was imported from",
            "created_at": now,
            "updated_at": now,
            "finished_at": now,
        }
        for ref, digest in sorted(last.items(), key=lambda item: lock_order(item[0]))
    ]
    for chunk in chunks(rows):
        await conn.execute(statement, list(chunk))


def _earlier_unfinished(
    worker: str, holding: Collection[int], now: dt.datetime, chosen: Select[Any] | None
) -> ColumnElement[bool]:
    """Whether the channel has an older day's digest another worker may post meanwhile: one
    waiting for its retry, held by a live claim that `worker` is not posting now (`holding`: the
    ids it is), or (once the claim's own rows are known, `chosen`) any unfinished one this claim
    does not take. Posting a channel's digests
    oldest first and never two at once is what one worker's turn per channel does
    (bot/delivery/deliverer.py, `_ChannelTurn`); this keeps the later one for that worker.
    Looked up by the index of unfinished rows (platform, workspace, channel, report_date:
    migration 0016), not through every earlier day of the channel."""
    earlier = table.alias("earlier")
    # Not one this worker is posting now (`holding`): a claim of its own that it stopped working
    # on (its heartbeat could not renew it) has an unknown outcome until it is taken over.
    someone_else = (
        or_(
            earlier.c.claimed_by.is_(None), earlier.c.claimed_by != worker, earlier.c.id.not_in(list(holding))
        )
        if holding
        else true()
    )
    if chosen is None:
        busy = or_(
            and_(earlier.c.status == "pending", earlier.c.next_attempt_at > now),
            and_(earlier.c.status == "claimed", earlier.c.lease_until >= now, someone_else),
        )
    else:
        busy = and_(
            or_(earlier.c.status == "pending", and_(earlier.c.status == "claimed", someone_else)),
            earlier.c.id.not_in(chosen),
        )
    return exists().where(
        earlier.c.platform == table.c.platform,
        earlier.c.workspace == table.c.workspace,
        earlier.c.channel == table.c.channel,
        earlier.c.report_date <= table.c.report_date,
        # Of a week and a day keyed the same date, the week first: it fell due before the day's
        # report came (covered_by_week).
        or_(
            earlier.c.report_date < table.c.report_date,
            and_(earlier.c.kind == WEEK_KIND, table.c.kind == DAY),
        ),
        # The partial index's own predicate, literals and all: SQLite uses a partial index only
        # for a query term that matches it.
        earlier.c.status.in_([literal_column("'pending'"), literal_column("'claimed'")]),
        busy,
    )


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # Outcomes of one pass arrive together: recorded a group per transaction, all through
        # one statement (compiled once, run as executemany).
        self._records = GroupCommit(engine, _RECORD)

    async def ensure(self, planned: Sequence[Planned], now: dt.datetime) -> int:
        """Create the deliveries that do not exist yet (never touching ones that do); how many new."""
        if not planned:
            return 0
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        rows: list[dict[str, Any]] = [
            {
                "platform": p.channel.platform,
                "workspace": p.channel.workspace,
                "channel": p.channel.channel,
                "report_date": p.report_date,
                "status": "failed" if p.error else "skipped" if p.skip_reason else "pending",
                "due_at": p.due_at,
                "next_attempt_at": p.due_at,
                "attempts": 0,
                "uncertain": False,
                "next_part": 0,
                "posted": [],
                "last_error": p.error or p.skip_reason,
                "created_at": now,
                "updated_at": now,
                "finished_at": now if p.error or p.skip_reason else None,
                "kind": p.kind,
            }
            for p in planned
        ]
        # executemany of one compiled statement: a multi-row VALUES of 1,000 rows took SQLAlchemy
        # longer to build than the database took to run.
        statement = (
            dialect.insert(table).on_conflict_do_nothing(index_elements=list(_KEY)).returning(table.c.id)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(statement, rows)
            return len(result.all())

    async def claim(
        self,
        worker: str,
        now: dt.datetime,
        *,
        limit: int,
        lease: dt.timedelta,
        platforms: Sequence[str] | None = None,
        holding: Collection[int] = (),
    ) -> list[Delivery]:
        """Take up to `limit` due deliveries for `worker` until `now + lease` (only on `platforms`:
        a process without Slack credentials must leave Slack deliveries to one that has them).
        `holding`: the deliveries (ids) `worker` is posting now, beside which it may take their
        channels' later digests (it posts them in turn)."""
        rows = await claim_rows(
            self.engine,
            table,
            worker,
            now,
            limit=limit,
            lease=lease,
            order_by=(table.c.due_at, table.c.id),
            platforms=platforms,
            ready=lambda chosen: ~_earlier_unfinished(worker, holding, now, chosen),
            # Evaluated on the old row: taking over a claim whose lease ran out means the
            # previous attempt may have posted parts it never recorded. A pending row keeps its
            # flag (a retry after a failure whose outcome is unknown, see `finish`).
            uncertain=case((table.c.status == "claimed", True), else_=table.c.uncertain),
        )
        return sorted((_delivery(row) for row in rows), key=lambda d: (d.due_at, d.id))

    async def finish(
        self,
        delivery: Delivery,
        worker: str,
        result: PublishResult,
        now: dt.datetime,
        *,
        posted: Sequence[str],
        papers: int | None = None,
        rng: random.Random | None = None,
        outage_until: dt.datetime | None = None,
    ) -> str:
        """Record the outcome and release the claim in one statement; the new status.

        A failure during a platform outage (`result.outage`) uses up no attempt: the delivery is
        tried again (OUTAGE_RETRY_CAP, and never before a Retry-After the platform sent) until
        `outage_until`, past which the digest is not worth sending late, and then fails for
        good. Without `outage_until` an outage counts as any failure."""
        # Attempts count publishes that returned, not claims: a worker killed before it could try
        # must not use up the retry budget of a delivery it never got to.
        attempts = delivery.attempts + 1
        next_attempt: dt.datetime | None = None
        error = result.error
        if result.status == "posted":
            status = "posted"
        elif result.status == "paused":
            status = "skipped"
        elif result.outage and outage_until is not None and now < outage_until:
            status = "pending"
            attempts = delivery.attempts
            wait = outage_delay(now - delivery.due_at, rng)
            if result.retry_after:
                wait = max(wait, dt.timedelta(seconds=result.retry_after))
            next_attempt = now + wait
            error = f"{error}{_WAITING_OUT}{utc_minute(outage_until)}, no attempt used)"
        elif result.outage and outage_until is not None:
            status = "failed"
            error = _too_late(error, outage_until, outage=True)
        elif attempts >= MAX_ATTEMPTS:
            status = "failed"
        else:
            status = "pending"
            next_attempt = now + retry_delay(attempts, rng)
        # A failed part may have been posted all the same (a timeout, a connection lost after
        # the request was sent): the retry asks the platform before posting anything again.
        uncertain = status == "pending"
        await self._record(
            delivery,
            worker,
            now,
            status=status,
            attempts=attempts,
            next_part=result.next_part,
            posted=posted,
            parts=result.parts,
            papers=papers,
            error=error,
            next_attempt=next_attempt,
            uncertain=uncertain,
        )
        return status

    async def decide(self, delivery: Delivery, worker: str, digest: dict[str, Any], now: dt.datetime) -> bool:
        """Keep the digest `delivery` is about to post (bot/delivery/decided.py), only while
        `worker` holds the claim; whether it still does (if not, it must post nothing)."""
        return delivery.id in await self.decide_many({delivery.id: digest}, worker, now)

    async def decide_many(
        self, digests: Mapping[int, dict[str, Any]], worker: str, now: dt.datetime
    ) -> set[int]:
        """`decide` for several deliveries (by id) in one transaction and one executemany; the
        ids whose claim `worker` still holds (only those may post), read in that transaction."""
        if not digests:
            return set()
        params = [
            {"b_id": delivery_id, "b_worker": worker, "b_digest": digest, "b_now": now}
            for delivery_id, digest in digests.items()
        ]
        held = (
            select(table.c.id)
            .where(table.c.id.in_(list(digests)), table.c.status == "claimed")
            .where(table.c.claimed_by == worker)
        )
        async with self.engine.begin() as conn:
            await conn.execute(_DECIDE, params)
            return set((await conn.execute(held)).scalars())

    async def give_up(self, delivery: Delivery, worker: str, now: dt.datetime, until: dt.datetime) -> str:
        """Fail a delivery for good without trying it again: it was claimed after `until`, the
        latest it is sent, having failed before. Its error says so (and, when no try used an
        attempt, that the platform was down until then); returned: the last try's error."""
        last = (delivery.last_error or "").split(_WAITING_OUT, 1)[0]
        outage = delivery.attempts == 0
        await self._record(
            delivery,
            worker,
            now,
            status="failed",
            # As `finish` counts the try that ends an outage: a failed delivery with no attempt
            # is one the planner failed (bot/delivery/loud_failures.py tells them apart).
            attempts=max(delivery.attempts, 1),
            next_part=delivery.next_part,
            posted=delivery.posted,
            parts=delivery.parts,
            papers=delivery.papers,
            error=_too_late(last, until, outage=outage),
            next_attempt=None,
            uncertain=False,
        )
        return last

    async def skip(self, delivery: Delivery, worker: str, reason: str, now: dt.datetime) -> None:
        await self._record_unattempted(delivery, worker, now, "skipped", error=reason, uncertain=False)

    async def hand_back(self, delivery: Delivery, worker: str, now: dt.datetime) -> None:
        """Return an unattempted claim to pending as it was (due, attempts and flags unchanged),
        for a channel whose older digest is left unfinished: the claim then holds it back until
        that one is done (`_earlier_unfinished`), for this worker as for any other."""
        await self._record_unattempted(
            delivery, worker, now, "pending", error=delivery.last_error, uncertain=delivery.uncertain
        )

    async def _record_unattempted(
        self,
        delivery: Delivery,
        worker: str,
        now: dt.datetime,
        status: str,
        *,
        error: str | None,
        uncertain: bool,
    ) -> None:
        """Record `status` for a claim that posted nothing this time: its attempts and parts as
        they were, its next attempt too (still due, for a pending one)."""
        await self._record(
            delivery,
            worker,
            now,
            status=status,
            attempts=delivery.attempts,
            next_part=delivery.next_part,
            posted=delivery.posted,
            parts=delivery.parts,
            papers=delivery.papers,
            error=error,
            next_attempt=None,
            uncertain=uncertain,
        )

    async def _record(
        self,
        delivery: Delivery,
        worker: str,
        now: dt.datetime,
        *,
        status: str,
        attempts: int,
        next_part: int,
        posted: Sequence[str],
        parts: int | None,
        papers: int | None,
        error: str | None,
        next_attempt: dt.datetime | None,
        uncertain: bool,
    ) -> None:
        """Write an outcome and release the claim, only while `worker` still holds it (a worker
        whose lease ran out and was taken over records nothing: the new owner decides)."""
        await self._records.execute(
            {
                "b_id": delivery.id,
                "b_worker": worker,
                "b_status": status,
                "b_attempts": attempts,
                "b_next_part": next_part,
                "b_posted": list(posted),
                "b_parts": parts,
                "b_papers": papers,
                "b_error": error,
                "b_uncertain": uncertain,
                "b_next_attempt": next_attempt,
                "b_finished": now if status != "pending" else None,
                "b_now": now,
            }
        )

    async def renew(
        self, deliveries: Sequence[Delivery], worker: str, now: dt.datetime, lease: dt.timedelta
    ) -> set[int]:
        """The heartbeat: extend `worker`'s claims to `now + lease`; the ids it still holds."""
        return await renew_rows(self.engine, table, [d.id for d in deliveries], worker, now + lease)

    async def unsettled(self) -> list[Delivery]:
        """Every delivery still to be done (pending, or claimed by some worker), due first."""
        query = (
            select(table)
            .where(table.c.status.in_(("pending", "claimed")))
            .order_by(table.c.next_attempt_at, table.c.id)
        )
        async with self.engine.connect() as conn:
            return [_delivery(row) for row in (await conn.execute(query)).mappings()]

    async def release(self, deliveries: Sequence[Delivery], worker: str, now: dt.datetime) -> int:
        """Give up claims at once (a graceful stop), for another worker to take over now. The
        lease is ended, not the claim: whoever takes a claim over an ended lease treats its
        outcome as unknown and asks the platform first (see `claim`)."""
        if not deliveries:
            return 0
        statement = (
            update(table)
            .where(
                table.c.id.in_([d.id for d in deliveries]),
                table.c.status == "claimed",
                table.c.claimed_by == worker,
            )
            .values(lease_until=now - dt.timedelta(microseconds=1), updated_at=now)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(statement)
        return max(0, int(result.rowcount or 0))

    async def last_digests(self) -> dict[ChannelRef, LastDigest]:
        """Each channel's newest finished delivery, its date and how it ended (`subscriptions
        export`: `record_imported` writes it on the other side)."""
        key = (table.c.platform, table.c.workspace, table.c.channel)
        newest = (
            select(*key, func.max(table.c.report_date).label("day"))
            .where(table.c.status.in_(FINISHED_STATUSES))
            .group_by(*key)
            .subquery()
        )
        query = select(*key, table.c.report_date, table.c.status).join(
            newest,
            and_(
                table.c.platform == newest.c.platform,
                table.c.workspace == newest.c.workspace,
                table.c.channel == newest.c.channel,
                table.c.report_date == newest.c.day,
            ),
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return {
                ChannelRef(platform, workspace, channel): LastDigest(day, status)
                for platform, workspace, channel, day, status in rows
            }

    async def history(
        self, channels: Collection[ChannelRef], since: dt.date
    ) -> dict[ChannelRef, list[PlannedDigest]]:
        """The digests of `channels` keyed `since` or later, whatever their status (a failed
        digest, or one skipped for a reason of the channel's, had its turn too), by channel,
        oldest first (a week before a day keyed the same date: it fell due before the day's report
        came); one query for them all. Not one that held nothing (`_held_nothing`: skipped as
        missed, or failed with no part posted), so a weekly digest after it still holds its
        reports (bot/ranking/weekly.py, Week)."""
        if not channels:
            return {}
        key = (table.c.platform, table.c.workspace, table.c.channel)
        found: dict[ChannelRef, list[PlannedDigest]] = {}
        async with self.engine.connect() as conn:
            for chunk in chunks(sorted({(ref.platform, ref.workspace, ref.channel) for ref in channels})):
                query = (
                    select(*key, table.c.report_date, table.c.due_at, table.c.kind)
                    .where(tuple_(*key).in_(list(chunk)), table.c.report_date >= since)
                    .where(~_held_nothing())
                    .order_by(table.c.report_date, table.c.due_at)
                )
                for platform, workspace, channel, day, due, kind in await conn.execute(query):
                    found.setdefault(ChannelRef(platform, workspace, channel), []).append(
                        PlannedDigest(day, as_utc(due), kind)
                    )
        return found

    async def covered_by_week(self, day: dt.date, arrived: dt.datetime, *, later: bool) -> set[ChannelRef]:
        """The channels with a weekly digest keyed `day` or after that fell due when the report of
        `day` (archived at `arrived`) was already here, so held it: a weekly digest is keyed by
        the channel's day, which can be ahead of the newest report's. Not one keyed `day` that
        fell due before the report came (Monday 09:00 in Shanghai is 01:00 UTC): a channel gone
        daily since is owed that report's daily digest. With `later` (`day` is the newest report's),
        any digest keyed after `day` counts (rows from before migration 0017 may be weeks read as
        days): a daily channel's never is, its digests are keyed by reports, none newer than the
        newest."""
        keyed: ColumnElement[bool] = (table.c.report_date == day) & (table.c.kind == WEEK_KIND)
        if later:
            keyed = or_(keyed, table.c.report_date > day)
        query = select(table.c.platform, table.c.workspace, table.c.channel).where(
            keyed, table.c.due_at >= arrived, ~_held_nothing()
        )
        async with self.engine.connect() as conn:
            return {ChannelRef(*row) for row in await conn.execute(query)}

    async def planned_channels(self, day: dt.date, kind: Kind = DAY) -> set[ChannelRef]:
        """The channels with a digest of `kind` keyed `day`, whatever became of it."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.platform, table.c.workspace, table.c.channel).where(
                    table.c.report_date == day, table.c.kind == kind
                )
            )
            return {ChannelRef(*row) for row in rows}

    async def list(
        self,
        *,
        day: dt.date | None = None,
        status: str | None = None,
        limit: int | None = 1000,
        since: dt.datetime | None = None,
    ) -> list[Delivery]:
        """The deliveries of `day` and `status` (any, when None), finished (or due, if not
        finished) at `since` or later when given: the newest `limit` of them (all with None),
        newest report date first, then in the order they were due. Newest means the latest report
        date and due time, so a cut keeps what an operator looks for first, today's."""
        query = select(table).order_by(table.c.report_date.desc(), table.c.due_at.desc(), table.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        if since is not None:
            query = query.where(func.coalesce(table.c.finished_at, table.c.due_at) >= since)
        if day is not None:
            query = query.where(table.c.report_date == day)
        if status is not None:
            query = query.where(table.c.status == status)
        async with self.engine.connect() as conn:
            rows = [_delivery(row) for row in (await conn.execute(query)).mappings()]
        return sorted(rows, key=lambda d: (-d.report_date.toordinal(), d.due_at, d.id))

    async def count(self, *, day: dt.date | None = None, status: str | None = None) -> int:
        """How many deliveries `list` with the same filters and no limit would give."""
        query = select(func.count()).select_from(table)
        if day is not None:
            query = query.where(table.c.report_date == day)
        if status is not None:
            query = query.where(table.c.status == status)
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def counts_by_platform(
        self, day: dt.date, *, due_since: dt.datetime | None = None
    ) -> dict[tuple[str, str], int]:
        """{(platform, status): deliveries} of report dates from `day` on, and of any date that
        fell due at `due_since` or later."""
        recent = table.c.report_date >= day
        if due_since is not None:
            recent = or_(recent, table.c.due_at >= due_since)
        query = (
            select(table.c.platform, table.c.status, func.count())
            .where(recent)
            .group_by(table.c.platform, table.c.status)
        )
        async with self.engine.connect() as conn:
            return {(platform, status): int(n) for platform, status, n in (await conn.execute(query)).all()}

    async def counts(self, day: dt.date | None = None) -> dict[str, int]:
        query = select(table.c.status, func.count()).group_by(table.c.status)
        if day is not None:
            query = query.where(table.c.report_date == day)
        async with self.engine.connect() as conn:
            return {status: int(n) for status, n in (await conn.execute(query)).all()}
