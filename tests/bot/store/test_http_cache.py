from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports.sources.http import CachedResponse
from bot.store.http_cache import DatabaseValidatorCache


async def test_validators_survive_a_new_cache_object(engine: AsyncEngine) -> None:
    url = "https://reports.test/2026-04-01.md"
    await DatabaseValidatorCache(engine).put(url, CachedResponse('"v1"', None, "body one"))
    await DatabaseValidatorCache(engine).put(
        url, CachedResponse('"v2"', "Wed, 01 Apr 2026 08:00:00 GMT", "body two")
    )
    cached = await DatabaseValidatorCache(engine).get(url)
    assert cached == CachedResponse('"v2"', "Wed, 01 Apr 2026 08:00:00 GMT", "body two")
    assert await DatabaseValidatorCache(engine).get("https://reports.test/other") is None
