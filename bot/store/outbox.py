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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import ChannelRef
from bot.ports import PublishResult
from bot.store.database import as_utc
from bot.store.tables import deliveries as table

STATUSES = ("pending", "claimed", "posted", "failed", "skipped")
MAX_ATTEMPTS = 6
# Backoff after a failed attempt: 1, 2, 4, 8, 16 minutes (capped at an hour), with jitter so a
# platform outage does not end in every channel retrying in the same second.
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=1)


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
            "date": self.report_date.isoformat(),
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
    )


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with full jitter over the upper half of the window."""
    window: dt.timedelta = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    jitter: float = (rng or random).random()
    return window * (0.5 + 0.5 * jitter)


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery the planner wants to exist."""

    channel: ChannelRef
    report_date: dt.date
    due_at: dt.datetime
    skip_reason: str | None = None  # recorded as skipped at once (e.g. missed during downtime)


class Outbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

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
                "status": "skipped" if p.skip_reason else "pending",
                "due_at": p.due_at,
                "next_attempt_at": p.due_at,
                "attempts": 0,
                "uncertain": False,
                "next_part": 0,
                "posted": [],
                "last_error": p.skip_reason,
                "created_at": now,
                "updated_at": now,
                "finished_at": now if p.skip_reason else None,
            }
            for p in planned
        ]
        statement = (
            dialect.insert(table)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["platform", "workspace", "channel", "report_date"])
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(statement)
        return max(0, int(result.rowcount or 0))

    async def claim(
        self,
        worker: str,
        now: dt.datetime,
        *,
        limit: int,
        lease: dt.timedelta,
        platforms: Sequence[str] | None = None,
    ) -> list[Delivery]:
        """Take up to `limit` due deliveries for `worker` until `now + lease` (only on `platforms`:
        a process without Slack credentials must leave Slack deliveries to one that has them)."""
        claimable = or_(
            and_(table.c.status == "pending", table.c.next_attempt_at <= now),
            and_(table.c.status == "claimed", table.c.lease_until < now),
        )
        if platforms is not None:
            claimable = and_(claimable, table.c.platform.in_(list(platforms)))
        picked = select(table.c.id).where(claimable).order_by(table.c.due_at, table.c.id).limit(limit)
        if self.engine.dialect.name == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        statement = (
            update(table)
            .where(table.c.id.in_(picked.scalar_subquery()), claimable)
            .values(
                status="claimed",
                claimed_by=worker,
                lease_until=now + lease,
                # Evaluated on the old row: taking over a claim whose lease ran out means the
                # previous attempt may have posted parts it never recorded.
                uncertain=case((table.c.status == "claimed", True), else_=False),
                updated_at=now,
            )
            .returning(*table.c)
        )
        async with self.engine.begin() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return sorted((_delivery(row) for row in rows), key=lambda d: (d.due_at, d.id))

    async def finish(
        self,
        delivery: Delivery,
        worker: str,
        result: PublishResult,
        now: dt.datetime,
        *,
        posted: Sequence[str],
        rng: random.Random | None = None,
    ) -> str:
        """Record the outcome and release the claim in one statement; the new status."""
        # Attempts count publishes that returned, not claims: a worker killed before it could try
        # must not use up the retry budget of a delivery it never got to.
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "posted": list(posted),
            "next_part": result.next_part,
            "last_error": result.error,
            "attempts": attempts,
        }
        if result.status == "posted":
            status = "posted"
            values["finished_at"] = now
        elif result.status == "paused":
            status = "skipped"
            values["finished_at"] = now
        elif attempts >= MAX_ATTEMPTS:
            status = "failed"
            values["finished_at"] = now
        else:
            status = "pending"
            values["next_attempt_at"] = now + backoff(attempts, rng)
        values.update(status=status, claimed_by=None, lease_until=None)
        await self._owned_update(delivery, worker, **values)
        return status

    async def skip(self, delivery: Delivery, worker: str, reason: str, now: dt.datetime) -> None:
        await self._owned_update(
            delivery,
            worker,
            status="skipped",
            last_error=reason,
            finished_at=now,
            claimed_by=None,
            lease_until=None,
        )

    async def _owned_update(self, delivery: Delivery, worker: str, **values: Any) -> bool:
        values.setdefault("updated_at", dt.datetime.now(dt.UTC))
        statement = (
            update(table)
            .where(table.c.id == delivery.id, table.c.status == "claimed", table.c.claimed_by == worker)
            .values(**values)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def planned_channels(self, day: dt.date) -> set[ChannelRef]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.platform, table.c.workspace, table.c.channel).where(table.c.report_date == day)
            )
            return {ChannelRef(*row) for row in rows}

    async def list(
        self, *, day: dt.date | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Delivery]:
        query = select(table).order_by(table.c.report_date.desc(), table.c.due_at, table.c.id).limit(limit)
        if day is not None:
            query = query.where(table.c.report_date == day)
        if status is not None:
            query = query.where(table.c.status == status)
        async with self.engine.connect() as conn:
            return [_delivery(row) for row in (await conn.execute(query)).mappings()]

    async def counts(self, day: dt.date | None = None) -> dict[str, int]:
        query = select(table.c.status, func.count()).group_by(table.c.status)
        if day is not None:
            query = query.where(table.c.report_date == day)
        async with self.engine.connect() as conn:
            return {status: int(n) for status, n in (await conn.execute(query)).all()}
