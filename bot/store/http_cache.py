"""Conditional-GET validators kept in the database, so every replica and every run share them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports.sources.http import CachedResponse
from bot.store.tables import http_cache

# How long a stored response is kept: past it, a fetch of that URL is a plain GET again.
KEEP = dt.timedelta(days=14)


class DatabaseValidatorCache:
    """A `ValidatorCache` backed by the `http_cache` table.

    The table has no column for the Content-Type, and one is not worth a migration: a cached
    body comes back without it, and JSON is then told from markdown by its first character."""

    def __init__(
        self, engine: AsyncEngine, *, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ) -> None:
        self.engine = engine
        self.clock = clock

    async def get(self, url: str) -> CachedResponse | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(http_cache).where(http_cache.c.url == url))).one_or_none()
        if row is None:
            return None
        return CachedResponse(etag=row.etag, last_modified=row.last_modified, body=row.body)

    async def put(self, url: str, response: CachedResponse) -> None:
        now = self.clock()
        values = {
            "url": url,
            "etag": response.etag,
            "last_modified": response.last_modified,
            "body": response.body,
            "stored_at": now,
        }
        try:
            async with self.engine.begin() as conn:
                # The poller asks for the newest two days' reports only, so an entry older
                # than KEEP is never used again; kept, one body a day (a day of the Hugging
                # Face API is 100–300 kB) grew the table by tens of megabytes a year.
                await conn.execute(delete(http_cache).where(http_cache.c.stored_at < now - KEEP))
                await conn.execute(delete(http_cache).where(http_cache.c.url == url))
                await conn.execute(insert(http_cache).values(**values))
        except IntegrityError:
            pass  # another replica stored the same URL at the same moment: its copy is as good
