"""HTTP fetching for remote report sources: timeouts, retries with backoff, conditional GETs.

httpx retries only failed connections and sets a 5 s default timeout for everything; reports
come from servers that rate-limit (429) and hiccup (5xx), so status-based retries honouring
`Retry-After` live here, and so do `ETag`/`Last-Modified` validators, because httpx has no
HTTP cache.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from bot import __version__
from bot.errors import SourceError

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
USER_AGENT = f"paperbot/{__version__} (+https://github.com/paperbot)"
MAX_ATTEMPTS = 4
BACKOFF_BASE = 1.0  # seconds; doubled each attempt, with jitter
MAX_RETRY_AFTER = 120.0  # a server asking for longer is treated as a failure of this run
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """What a conditional GET needs to remember about a URL."""

    etag: str | None
    last_modified: str | None
    body: str


class ValidatorCache(Protocol):
    async def get(self, url: str) -> CachedResponse | None: ...

    async def put(self, url: str, response: CachedResponse) -> None: ...


class MemoryValidatorCache:
    """A process-local ValidatorCache (tests, one-off commands)."""

    def __init__(self) -> None:
        self._entries: dict[str, CachedResponse] = {}

    async def get(self, url: str) -> CachedResponse | None:
        return self._entries.get(url)

    async def put(self, url: str, response: CachedResponse) -> None:
        self._entries[url] = response


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched body; `not_modified` when the server answered 304 and the cached body is used."""

    url: str
    text: str
    not_modified: bool


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}, follow_redirects=True)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpFetcher:
    """GETs text with retries and validators. Owns its client unless one is passed in."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        cache: ValidatorCache | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._owns_client = client is None
        self.client = client or new_client()
        self.cache = cache or MemoryValidatorCache()
        self.max_attempts = max_attempts
        self.sleep = sleep

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def get_text(self, url: str, params: dict[str, str] | None = None) -> FetchResult | None:
        """The body at `url`, or None on 404 (not published yet). Raises SourceError otherwise."""
        key = str(httpx.URL(url, params=params))
        cached = await self.cache.get(key)
        headers = {}
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        response = await self._get_with_retries(key, headers)
        if response.status_code == 304 and cached is not None:
            return FetchResult(key, cached.body, not_modified=True)
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise SourceError(f"{key}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if etag or modified:
            await self.cache.put(key, CachedResponse(etag=etag, last_modified=modified, body=response.text))
        return FetchResult(key, response.text, not_modified=False)

    async def _get_with_retries(self, url: str, headers: dict[str, str]) -> httpx.Response:
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            wait: float | None
            try:
                response = await self.client.get(url, headers=headers)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
                wait = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                last_problem = f"HTTP {response.status_code}"
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise SourceError(f"{url}: {last_problem}, server asks to retry after {wait:.0f} s")
            if attempt == self.max_attempts:
                break
            if wait is None:
                wait = BACKOFF_BASE * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            log.warning("GET %s failed (%s); retry %d in %.1f s", url, last_problem, attempt, wait)
            await self.sleep(wait)
        raise SourceError(f"{url}: failed after {self.max_attempts} attempts ({last_problem})")
