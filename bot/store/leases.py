"""Claiming work rows with a lease: what the delivery outbox and the notices queue share.

A row is claimable when it is pending and due, or claimed by a worker whose lease ran out. One
UPDATE … WHERE id IN (SELECT … LIMIT n) takes up to n of them for a worker; PostgreSQL skips rows
another worker is claiming at that moment (SKIP LOCKED), SQLite's single writer serialises.
Leases are short and renewed (`renew_rows`) while the work is in flight, so a worker that dies
stops renewing and its rows are claimable again one lease after its last renewal.

A queue may hold a row back for another (`Waits`: the outbox keeps a channel's later digest for
the worker posting its earlier one). The condition is asked of the rows picked and again of the
rows updated, given the ids this claim takes: SKIP LOCKED hides from the pick a row that another
claim is taking at that moment, which the first asking cannot see as taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

# A row's condition for being claimed beside `chosen` (the ids this claim takes; None while
# picking, when the claim's own rows are not known yet).
Waits = Callable[[Select[Any] | None], ColumnElement[bool]]


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
    ready: Waits | None = None,
    **values: Any,
) -> Sequence[RowMapping]:
    """Claim up to `limit` due rows of `table` for `worker` until `now + lease` (only rows whose
    `platform` is in `platforms`, when given, and which `ready` lets go), setting `values` too;
    the claimed rows."""
    claimable = or_(
        and_(table.c.status == "pending", table.c.next_attempt_at <= now),
        and_(table.c.status == "claimed", table.c.lease_until < now),
    )
    if platforms is not None:
        claimable = and_(claimable, table.c.platform.in_(list(platforms)))
    picked = select(table.c.id).where(claimable, *([ready(None)] if ready else [])).order_by(*order_by)
    picked = picked.limit(limit)
    if engine.dialect.name == "postgresql":
        picked = picked.with_for_update(skip_locked=True)
    # A CTE, evaluated once: PostgreSQL may re-run a `WHERE id IN (SELECT … LIMIT n FOR UPDATE
    # SKIP LOCKED)` subquery while it updates, each run skipping the rows the last one locked,
    # and then claims more than `limit` rows (seen: limit 1 took 2). MATERIALIZED keeps it apart.
    chosen = picked.cte("chosen")
    if engine.dialect.name == "postgresql":
        chosen = chosen.prefix_with("MATERIALIZED")
    statement = (
        update(table)
        .where(
            table.c.id.in_(select(chosen.c.id)), claimable, *([ready(select(chosen.c.id))] if ready else [])
        )
        .values(status="claimed", claimed_by=worker, lease_until=now + lease, updated_at=now, **values)
        .returning(*table.c)
    )
    async with engine.begin() as conn:
        return (await conn.execute(statement)).mappings().all()


async def renew_rows(
    engine: AsyncEngine, table: Table, ids: Sequence[int], worker: str, until: dt.datetime
) -> set[int]:
    """Extend `worker`'s claims on rows `ids` to `until`; the ids it still held (a row taken
    over by another worker after its lease ran out, or already recorded, is left alone)."""
    if not ids:
        return set()
    statement = (
        update(table)
        .where(table.c.id.in_(list(ids)), table.c.status == "claimed", table.c.claimed_by == worker)
        .values(lease_until=until)
        .returning(table.c.id)
    )
    async with engine.begin() as conn:
        return set((await conn.execute(statement)).scalars().all())
