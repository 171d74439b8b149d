"""Claiming work rows with a lease: what the delivery outbox and the notices queue share.

A row is claimable when it is pending and due, or claimed by a worker whose lease ran out. One
UPDATE … WHERE id IN (SELECT … LIMIT n) takes up to n of them for a worker; PostgreSQL skips rows
another worker is claiming at that moment (SKIP LOCKED), SQLite's single writer serialises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine


async def claim_rows(
    engine: AsyncEngine,
    table: Table,
    worker: str,
    now: dt.datetime,
    *,
    limit: int,
    lease: dt.timedelta,
    order_by: Sequence[ColumnElement[Any]],
    platforms: Sequence[str] | None = None,
    **values: Any,
) -> Sequence[RowMapping]:
    """Claim up to `limit` due rows of `table` for `worker` until `now + lease` (only rows whose
    `platform` is in `platforms`, when given), setting `values` too; the claimed rows."""
    claimable = or_(
        and_(table.c.status == "pending", table.c.next_attempt_at <= now),
        and_(table.c.status == "claimed", table.c.lease_until < now),
    )
    if platforms is not None:
        claimable = and_(claimable, table.c.platform.in_(list(platforms)))
    picked = select(table.c.id).where(claimable).order_by(*order_by).limit(limit)
    if engine.dialect.name == "postgresql":
        picked = picked.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()), claimable)
        .values(status="claimed", claimed_by=worker, lease_until=now + lease, updated_at=now, **values)
        .returning(*table.c)
    )
    async with engine.begin() as conn:
        return (await conn.execute(statement)).mappings().all()
