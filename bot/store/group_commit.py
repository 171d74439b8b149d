"""Group commit: one statement's many parameter sets from concurrent tasks, one transaction.

A delivery pass records hundreds of outcomes within a second, each a one-row UPDATE. As separate
transactions they queue for SQLite's single write lock (and its busy handler sleeps while they
wait) or cost PostgreSQL a commit each, and SQLAlchemy compiles each statement anew. Here the
statement is fixed and only its parameters vary: the first writer opens a transaction and runs
every parameter set queued meanwhile as one executemany; writers that arrive during that
transaction go in the next one. Each caller returns only after the commit, so "recorded" keeps
meaning "durable".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("paperbot.store")


@dataclass(slots=True)
class _Pending:
    params: Mapping[str, Any]
    done: asyncio.Future[None]


@dataclass
class GroupCommit:
    engine: AsyncEngine
    statement: Executable
    _queue: list[_Pending] = field(default_factory=list)
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def execute(self, params: Mapping[str, Any]) -> None:
        """Run the statement with `params` in the next group transaction; return once committed."""
        pending = _Pending(params, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        async with self._writing:
            # A previous group may have taken this one along while we waited.
            if not pending.done.done():
                batch, self._queue = self._queue, []
                try:
                    await self._write(batch)
                finally:
                    # Cancelled mid-write: the others taken along must not wait forever.
                    for other in batch:
                        if not other.done.done():
                            other.done.set_exception(RuntimeError("the group write was interrupted"))
        await pending.done

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(self.statement, [p.params for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                return
            # One bad parameter set must not fail the others: write each on its own.
            log.warning("a group of %d writes failed (%s); writing them one by one", len(batch), exc)
            for pending in batch:
                await self._write([pending])
            return
        for pending in batch:
            pending.done.set_result(None)
