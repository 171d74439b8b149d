"""HTTP fetching for remote report sources: timeouts, retries with backoff, conditional GETs.

httpx retries only failed connections and sets a 5 s default timeout for everything; reports
come from servers that rate-limit (429) and hiccup (5xx), so status-based retries honouring
`Retry-After` live here, and so do `ETag`/`Last-Modified` validators, because httpx has no
HTTP cache. Every fetch is bounded (bot/reports/fetch_limits.py): bodies by size, streamed and
counted, and the whole fetch, retries included, by a deadline. A host that does not resolve
fails at once: DNS answers "no such name" the same way on every retry.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from bot import __version__
from bot.errors import SourceError
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES, FETCH_DEADLINE, ReportTooLarge, check_size
from bot.text import without_unsafe

log = logging.getLogger(__name__)

# Per operation; the total per fetch is FETCH_DEADLINE (httpx has no total timeout).
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
USER_AGENT = f"paperbot/{__version__} (+https://github.com/paperbot)"
MAX_ATTEMPTS = 4
BACKOFF_BASE = 1.0  # seconds; doubled each attempt, with jitter
MAX_RETRY_AFTER = 120.0  # a server asking for longer is treated as a failure of this run
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Refusals whose body says why (a bad parameter, missing credentials): read this much of it.
_SAYS_WHY = frozenset({400, 401, 403, 422})
ERROR_BODY_BYTES = 4096
ERROR_SAID_CHARS = 200

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """What a conditional GET needs to remember about a URL."""

    etag: str | None
    last_modified: str | None
    body: str
    # None when the cache does not keep it (the database's does not): the body is then sniffed.
    content_type: str | None = None


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
    """A fetched body; `not_modified` when the server answered 304 and the cached body is used.
    `content_type` is the 200 answer's Content-Type, which decides JSON from markdown."""

    url: str
    text: str
    not_modified: bool
    content_type: str | None = None


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


_RATE_LIMIT_RESET = re.compile(r";\s*t=(\d+)")


def rate_limit_reset_seconds(value: str | None) -> float | None:
    """Seconds until the quota resets, from a `RateLimit` header (IETF draft
    `draft-ietf-httpapi-ratelimit-headers`): the Hugging Face Hub answers a 429 with
    `RateLimit: "api";r=0;t=172` and no Retry-After, over 5-minute fixed windows. Retrying after
    1, 2 and 4 s only spent three more requests of an empty quota."""
    found = _RATE_LIMIT_RESET.search(value or "")
    return float(found.group(1)) if found else None


class HttpFetcher:
    """GETs text with retries and validators. Owns its client unless one is passed in."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        cache: ValidatorCache | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Sleep = asyncio.sleep,
        max_bytes: int = DEFAULT_MAX_REPORT_BYTES,
        deadline: float = FETCH_DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._owns_client = client is None
        self.clock = clock
        # Per host: when a server that asked for a longer wait than one fetch may take
        # (Retry-After over MAX_RETRY_AFTER) may be asked again. The poller asks every 10
        # minutes; without this it asked again each time, whatever the server had said. With
        # the header that said so (Retry-After, or the Hub's RateLimit).
        self._not_before: dict[str, tuple[float, str]] = {}
        self.client = client or new_client()
        self.cache = cache or MemoryValidatorCache()
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.max_bytes = max_bytes
        self.deadline = deadline

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    async def get_text(self, url: str, params: dict[str, str] | None = None) -> FetchResult | None:
        """The body at `url`, or None on 404 (not published yet). Raises SourceError otherwise,
        ReportTooLarge for a body over `max_bytes`; the whole call ends within `deadline`."""
        key = str(httpx.URL(url, params=params))
        self._check_not_before(key)
        cached = await self.cache.get(key)
        headers = {}
        if cached and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        try:
            async with asyncio.timeout(self.deadline):
                response, body = await self._get_with_retries(key, headers, self.clock() + self.deadline)
        except TimeoutError:
            raise SourceError(f"{key}: no complete answer within {self.deadline:g} s") from None
        if response.status_code == 304 and cached is not None:
            return FetchResult(key, cached.body, not_modified=True, content_type=cached.content_type)
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            raise SourceError(f"{key}: {status}{error_said(body)}")
        text = body.decode(response.encoding or "utf-8", errors="replace")
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        content_type = response.headers.get("Content-Type")
        if etag or modified:
            cached = CachedResponse(etag=etag, last_modified=modified, body=text, content_type=content_type)
            await self.cache.put(key, cached)
        return FetchResult(key, text, not_modified=False, content_type=content_type)

    def _check_not_before(self, url: str) -> None:
        """Refuse, without a request, to ask a host that asked to be left alone until later."""
        host = httpx.URL(url).host
        until, header = self._not_before.get(host, (0.0, ""))
        left = until - self.clock()
        if left > 0:
            raise SourceError(
                f"{url}: not asked: {host} asked to retry later ({header}), {left:.0f} s from now"
            )
        self._not_before.pop(host, None)

    async def _get_with_retries(
        self, url: str, headers: dict[str, str], ends: float
    ) -> tuple[httpx.Response, bytes]:
        """`ends`: when the whole fetch must be over (the `deadline`, on `clock`)."""
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            wait: float | None
            try:
                response, body = await self._get_once(url, headers)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
                if _is_name_resolution_failure(exc):
                    raise SourceError(f"{url}: cannot resolve the host name ({last_problem})") from None
                wait = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response, body
                last_problem = f"HTTP {response.status_code}"
                header = "Retry-After"
                wait = retry_after_seconds(response.headers.get(header))
                if wait is None and response.status_code == 429:
                    header = "RateLimit"
                    wait = rate_limit_reset_seconds(response.headers.get(header))
                # A wait past what this fetch may take, or past its deadline (which would end it
                # mid-sleep, as "no complete answer"): fail now, and leave the host alone till then.
                if wait is not None and (wait > MAX_RETRY_AFTER or self.clock() + wait >= ends):
                    self._not_before[httpx.URL(url).host] = (self.clock() + wait, header)
                    raise SourceError(f"{url}: {last_problem}, server asks to retry after {wait:.0f} s")
            if attempt == self.max_attempts:
                break
            if wait is None:
                wait = BACKOFF_BASE * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            log.warning("GET %s failed (%s); retry %d in %.1f s", url, last_problem, attempt, wait)
            await self.sleep(wait)
        raise SourceError(f"{url}: failed after {self.max_attempts} attempts ({last_problem})")

    async def _get_once(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """One GET; the body only of a 200, streamed and refused past `max_bytes`."""
        async with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code in _SAYS_WHY:
                return response, await _head_of(response, ERROR_BODY_BYTES)
            if response.status_code != 200:
                return response, b""
            check_size(url, _content_length(response), self.max_bytes)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    # Decoded bytes are counted, so a small compressed body that inflates past
                    # the limit is refused too.
                    raise ReportTooLarge(url, self.max_bytes)
            return response, bytes(body)


async def _head_of(response: httpx.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])


def error_said(body: bytes) -> str:
    """`: <reason>` from an error answer's JSON body (the Hugging Face Hub answers `{"error":
    "…"}`, other APIs `{"message": "…"}`), or "" when it holds none: a bare "HTTP 400 Bad
    Request" does not say which part of the request was refused."""
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return ""
    said = next(
        (
            data[key]
            for key in ("error", "message")
            if isinstance(data, dict) and isinstance(data.get(key), str)
        ),
        "",
    )
    # The server's words reach a terminal and the operator's notice: no escape sequence or
    # bidirectional override of theirs goes along (bot.text.UNSAFE, as for report text).
    said = " ".join(without_unsafe(said).split())
    return f": {said[:ERROR_SAID_CHARS]}" if said else ""


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


def _is_name_resolution_failure(exc: BaseException) -> bool:
    """Whether a transport error comes from DNS (httpx wraps httpcore wraps socket.gaierror)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
