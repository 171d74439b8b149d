from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import SourceError
from bot.reports.sources.http import CachedResponse, HttpFetcher, MemoryValidatorCache, retry_after_seconds

URL = "https://reports.test/report-2026-04-01.md"


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def fetcher(sleeps: Sleeps) -> HttpFetcher:
    return HttpFetcher(sleep=sleeps)


@respx.mock
async def test_429_is_retried_after_the_servers_delay(fetcher: HttpFetcher, sleeps: Sleeps) -> None:
    route = respx.get(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, text="body")]
    )
    result = await fetcher.get_text(URL)
    assert result is not None
    assert result.text == "body"
    assert route.call_count == 2
    assert sleeps.calls == [7.0]


@respx.mock
async def test_5xx_then_success_backs_off(fetcher: HttpFetcher, sleeps: Sleeps) -> None:
    respx.get(URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, text="ok")]
    )
    result = await fetcher.get_text(URL)
    assert result is not None
    assert result.text == "ok"
    assert len(sleeps.calls) == 2
    assert 0.5 <= sleeps.calls[0] <= 1.5  # first backoff: 1 s ± jitter
    assert 1.0 <= sleeps.calls[1] <= 3.0  # doubled


@respx.mock
async def test_retries_exhausted_is_a_source_error(fetcher: HttpFetcher, sleeps: Sleeps) -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(500))
    with pytest.raises(SourceError, match=r"failed after 4 attempts \(HTTP 500\)"):
        await fetcher.get_text(URL)
    assert route.call_count == 4
    assert len(sleeps.calls) == 3


@respx.mock
async def test_transport_timeouts_are_retried(fetcher: HttpFetcher) -> None:
    respx.get(URL).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.Response(200)]
    )
    result = await fetcher.get_text(URL)
    assert result is not None


@respx.mock
async def test_retry_after_beyond_the_cap_fails_at_once(fetcher: HttpFetcher, sleeps: Sleeps) -> None:
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(SourceError, match="retry after 3600 s"):
        await fetcher.get_text(URL)
    assert sleeps.calls == []


@respx.mock
async def test_404_means_not_published(fetcher: HttpFetcher) -> None:
    respx.get(URL).mock(return_value=httpx.Response(404))
    assert await fetcher.get_text(URL) is None


@respx.mock
async def test_other_4xx_is_an_error_naming_the_url(fetcher: HttpFetcher) -> None:
    respx.get(URL).mock(return_value=httpx.Response(403))
    with pytest.raises(SourceError, match=f"{URL}: HTTP 403 Forbidden"):
        await fetcher.get_text(URL)


@respx.mock
async def test_a_hub_429_waits_for_the_quota_to_reset(sleeps: Sleeps) -> None:
    """The Hub answers 429 with `RateLimit: "api";r=0;t=<seconds>` and no Retry-After (its
    rate-limits documentation): the fetch retried after 1, 2 and 4 s, inside the same empty
    5-minute window, and failed. It now waits for the reset, or, past what one fetch may wait,
    fails at once and leaves the host alone until then."""
    now = [0.0]
    fetcher = HttpFetcher(sleep=sleeps, clock=lambda: now[0])
    limited = httpx.Response(
        429, headers={"RateLimit": '"api";r=0;t=40', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}
    )
    route = respx.get(URL).mock(side_effect=[limited, httpx.Response(200, text="ok")])
    assert await fetcher.get_text(URL) is not None
    assert sleeps.calls == [40.0]
    route.mock(return_value=httpx.Response(429, headers={"RateLimit": '"api";r=0;t=172'}))
    with pytest.raises(SourceError, match="server asks to retry after 172 s"):
        await fetcher.get_text(URL)
    assert sleeps.calls == [40.0]
    assert route.call_count == 3
    now[0] += 100  # the next poll: the header that asked is named, not one the Hub never sent
    with pytest.raises(SourceError, match=r"asked to retry later \(RateLimit\), 72 s from now"):
        await fetcher.get_text(URL)
    assert route.call_count == 3
    await fetcher.aclose()


@respx.mock
async def test_a_long_retry_after_is_honoured_by_the_fetches_that_follow(sleeps: Sleeps) -> None:
    """A 429 asking for an hour failed the fetch (right), and the poller's next fetch, 10 minutes
    later, asked again, and again every 10 minutes: the server's Retry-After was honoured by no
    one. The host is now left alone until then; other hosts are asked as usual."""
    now = [1000.0]
    fetcher = HttpFetcher(sleep=sleeps, clock=lambda: now[0])
    route = respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(SourceError, match="server asks to retry after 3600 s"):
        await fetcher.get_text(URL)
    now[0] += 600  # the next poll
    with pytest.raises(
        SourceError, match=r"not asked: reports\.test asked to retry later \(Retry-After\), 3000 s from now"
    ):
        await fetcher.get_text(URL)
    assert route.call_count == 1
    other = respx.get("https://mirror.test/r.md").mock(return_value=httpx.Response(200, text="ok"))
    assert await fetcher.get_text("https://mirror.test/r.md") is not None
    now[0] += 3000
    route.mock(return_value=httpx.Response(200, text="back"))
    result = await fetcher.get_text(URL)
    assert result is not None
    assert result.text == "back"
    assert (route.call_count, other.call_count) == (2, 1)
    await fetcher.aclose()


@respx.mock
async def test_a_wait_past_the_fetch_s_deadline_fails_at_once(sleeps: Sleeps) -> None:
    """A Retry-After within MAX_RETRY_AFTER but past what is left of the fetch's deadline: the
    fetch slept into its deadline and failed as "no complete answer within 30 s", though the
    server had answered, and the next fetch asked again before the time the server had named."""
    now = [0.0]
    fetcher = HttpFetcher(sleep=sleeps, clock=lambda: now[0], deadline=30)
    route = respx.get(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "60"}))
    with pytest.raises(SourceError, match="HTTP 503, server asks to retry after 60 s"):
        await fetcher.get_text(URL)
    assert (sleeps.calls, route.call_count) == ([], 1)
    now[0] += 20
    with pytest.raises(SourceError, match=r"not asked: .*\(Retry-After\), 40 s from now"):
        await fetcher.get_text(URL)
    assert route.call_count == 1
    await fetcher.aclose()


@respx.mock
async def test_a_refusal_says_why_when_its_body_does(fetcher: HttpFetcher) -> None:
    """The Hugging Face Hub answers an invalid parameter with 400 and `{"error": "…"}`: the line
    said only "HTTP 400 Bad Request", not which part of the request was refused."""
    respx.get(URL).mock(return_value=httpx.Response(400, json={"error": "Invalid date: 2026-13-01"}))
    with pytest.raises(SourceError, match=f"^{URL}: HTTP 400 Bad Request: Invalid date: 2026-13-01$"):
        await fetcher.get_text(URL)
    # The server's words reach a terminal: its escape sequences and bidi overrides do not.
    hostile = {"error": "Invalid\x1b]0;owned\x07 date\u202e: 2026-13-01"}
    respx.get(URL).mock(return_value=httpx.Response(400, json=hostile))
    with pytest.raises(SourceError, match=f"^{URL}: HTTP 400 Bad Request: Invalid]0;owned date: 2026-13-01$"):
        await fetcher.get_text(URL)
    respx.get(URL).mock(return_value=httpx.Response(401, text="<html>" + "x" * 10_000))
    with pytest.raises(SourceError, match=f"^{URL}: HTTP 401 Unauthorized$"):
        await fetcher.get_text(URL)


@respx.mock
async def test_etag_is_stored_and_sent_and_304_reuses_the_body(sleeps: Sleeps) -> None:
    cache = MemoryValidatorCache()
    fetcher = HttpFetcher(cache=cache, sleep=sleeps)
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(
                200, text="v1", headers={"ETag": '"abc"', "Last-Modified": "Wed, 01 Apr 2026 08:00:00 GMT"}
            ),
            httpx.Response(304),
        ]
    )
    first = await fetcher.get_text(URL)
    second = await fetcher.get_text(URL)
    assert first is not None
    assert second is not None
    assert (first.not_modified, second.not_modified, second.text) == (False, True, "v1")
    assert "If-None-Match" not in route.calls[0].request.headers
    assert route.calls[1].request.headers["If-None-Match"] == '"abc"'
    assert route.calls[1].request.headers["If-Modified-Since"] == "Wed, 01 Apr 2026 08:00:00 GMT"
    assert await cache.get(URL) == CachedResponse(
        '"abc"', "Wed, 01 Apr 2026 08:00:00 GMT", "v1", content_type="text/plain; charset=utf-8"
    )
    # The 304 answers with the type of the body it stands for, which decides JSON from markdown.
    assert first.content_type == second.content_type == "text/plain; charset=utf-8"


@respx.mock
async def test_requests_carry_timeouts_and_user_agent(fetcher: HttpFetcher) -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(200))
    await fetcher.get_text(URL)
    request = route.calls[0].request
    assert request.headers["User-Agent"].startswith("paperbot/")
    assert request.extensions["timeout"] == {"connect": 5.0, "read": 20.0, "write": 10.0, "pool": 5.0}


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 01 Apr 2026 08:00:30 GMT", now=1775030400.0) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
