"""Notices, stored so that each is sent once: asked for by any number of replicas, kept once
(unique per kind, subject and recipient), then claimed with a lease, sent, and recorded.

The same pattern as the delivery outbox (bot/store/outbox.py): `add` is INSERT … ON CONFLICT DO
NOTHING, so only the first asker gets the row back (and logs it); a sender claims due rows with
a lease (SKIP LOCKED on PostgreSQL), and only the holder of a claim may record its outcome. A
sender that dies holding a claim loses nothing: the lease runs out and another sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Recipient
from bot.store.database import as_utc
from bot.store.leases import claim_rows
from bot.store.outbox import backoff, outage_delay
from bot.store.tables import notices as table

STATUSES = ("pending", "claimed", "sent", "failed")
# A notice that still cannot be sent after this many tries (about 15 minutes of backoff) is
# given up: it is in the log already, and a notice about a notice helps nobody.
MAX_ATTEMPTS = 5
# A platform outage uses no try (NotifyResult.outage): the notice about a digest that failed
# because Slack was down for hours would otherwise be given up while Slack is still down, and the
# operator never told. It is tried again (at most OUTAGE_RETRY_CAP apart) for this long after it
# was asked for, then given up: a day-old notice is news nobody can act on any more.
OUTAGE_PATIENCE = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class NewNotice:
    """A notice someone wants sent."""

    kind: str
    subject: str
    recipient: Recipient
    text: str
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    kind: str
    subject: str
    recipient: Recipient
    locale: str
    text: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _notice(row: RowMapping) -> Notice:
    return Notice(
        id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        recipient=Recipient.parse(row["recipient"]),
        locale=row["locale"],
        text=row["text"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=as_utc(row["created_at"]),
        sent_at=as_utc(row["sent_at"]) if row["sent_at"] else None,
    )


class NoticeStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, notices: Sequence[NewNotice], now: dt.datetime) -> list[NewNotice]:
        """Keep the notices not asked for before (by anyone); the ones that are new.

        A notice for the log only is recorded as sent at once: whoever added it logs it."""
        if not notices:
            return []
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        rows: list[dict[str, Any]] = [
            {
                "kind": n.kind,
                "subject": n.subject,
                "recipient": str(n.recipient),
                "platform": n.recipient.platform,
                "locale": n.locale,
                "text": n.text,
                "status": "sent" if n.recipient.log_only else "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
                "sent_at": now if n.recipient.log_only else None,
            }
            for n in notices
        ]
        statement = (
            dialect.insert(table)
            .on_conflict_do_nothing(index_elements=["kind", "subject", "recipient"])
            .returning(table.c.kind, table.c.subject, table.c.recipient)
        )
        async with self.engine.begin() as conn:
            added = {tuple(row) for row in (await conn.execute(statement, rows)).all()}
        return [n for n in notices if (n.kind, n.subject, str(n.recipient)) in added]

    async def claim_once(self, kind: str, subject: str, now: dt.datetime) -> bool:
        """Whether this caller is the first ever to claim (kind, subject): for things done once
        across every replica that need no sending (a log line)."""
        added = await self.add([NewNotice(kind, subject, Recipient(Recipient.LOG_ONLY), "")], now)
        return bool(added)

    async def known(self, kind: str, subjects: Iterable[str]) -> set[str]:
        """Which of `subjects` already have a notice of `kind` (to any recipient)."""
        wanted = list(subjects)
        if not wanted:
            return set()
        query = select(table.c.subject).where(table.c.kind == kind, table.c.subject.in_(wanted))
        async with self.engine.connect() as conn:
            return {row[0] for row in await conn.execute(query)}

    async def claim(
        self,
        worker: str,
        now: dt.datetime,
        *,
        limit: int,
        lease: dt.timedelta,
        platforms: Sequence[str],
    ) -> list[Notice]:
        """Take up to `limit` due notices to `platforms` (the ones this process can post to)."""
        rows = await claim_rows(
            self.engine,
            table,
            worker,
            now,
            limit=limit,
            lease=lease,
            order_by=(table.c.created_at, table.c.id),
            platforms=platforms,
        )
        return sorted((_notice(row) for row in rows), key=lambda n: (n.created_at, n.id))

    async def finish(
        self,
        notice: Notice,
        worker: str,
        now: dt.datetime,
        *,
        error: str | None = None,
        permanent: bool = False,
        outage: bool = False,
    ) -> str:
        """Record an attempt (sent when `error` is None) and release the claim; the new status,
        or "lost" when the claim had been taken over meanwhile (the new owner decides). A failure
        during a platform `outage` uses no try until OUTAGE_PATIENCE after the notice was asked for."""
        attempts = notice.attempts + 1
        waiting_out = outage and not permanent and now < notice.created_at + OUTAGE_PATIENCE
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": error,
            "claimed_by": None,
            "lease_until": None,
            "updated_at": now,
        }
        if error is None:
            values |= {"status": "sent", "sent_at": now}
        elif waiting_out:
            overdue = now - notice.created_at
            values |= {
                "status": "pending",
                "attempts": notice.attempts,
                "next_attempt_at": now + outage_delay(overdue),
            }
        elif permanent or attempts >= MAX_ATTEMPTS:
            values |= {"status": "failed"}
        else:
            values |= {"status": "pending", "next_attempt_at": now + backoff(attempts)}
        statement = (
            update(table)
            .where(table.c.id == notice.id, table.c.status == "claimed", table.c.claimed_by == worker)
            .values(**values)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(statement)
        return str(values["status"]) if result.rowcount else "lost"

    async def list(
        self, *, kind: str | None = None, status: str | None = None, limit: int = 1000
    ) -> list[Notice]:
        query = select(table).order_by(table.c.created_at, table.c.id).limit(limit)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if status is not None:
            query = query.where(table.c.status == status)
        async with self.engine.connect() as conn:
            return [_notice(row) for row in (await conn.execute(query)).mappings()]
