from __future__ import annotations

import datetime as dt
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports.sources.http import CachedResponse
from bot.store.http_cache import KEEP, DatabaseValidatorCache


async def test_validators_survive_a_new_cache_object(engine: AsyncEngine) -> None:
    url = "https://reports.test/2026-04-01.md"
    await DatabaseValidatorCache(engine).put(url, CachedResponse('"v1"', None, "body one"))
    await DatabaseValidatorCache(engine).put(
        url, CachedResponse('"v2"', "Wed, 01 Apr 2026 08:00:00 GMT", "body two")
    )
    cached = await DatabaseValidatorCache(engine).get(url)
    assert cached == CachedResponse('"v2"', "Wed, 01 Apr 2026 08:00:00 GMT", "body two")
    assert await DatabaseValidatorCache(engine).get("https://reports.test/other") is None


def _identity(moment: dt.datetime) -> dt.datetime:
    return moment


async def test_entries_older_than_two_weeks_are_dropped_as_new_ones_come(engine: AsyncEngine) -> None:
    """Every day's answer was kept for ever (the poller asks only for today's and yesterday's):
    over months, a body a day of dead weight in the database and its backups."""
    start = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)
    for n in range(20):
        day = start + dt.timedelta(days=n)
        cache = DatabaseValidatorCache(engine, clock=partial(_identity, day))
        await cache.put(f"https://reports.test/{day:%Y-%m-%d}.md", CachedResponse('"v"', None, "body"))
    kept = [
        n
        for n in range(20)
        if await DatabaseValidatorCache(engine).get(
            f"https://reports.test/{start + dt.timedelta(days=n):%Y-%m-%d}.md"
        )
    ]
    assert kept == list(range(19 - KEEP.days, 20))
