"""Bounded inputs: oversized files and bodies are refused before they are read, a fetch has an
overall deadline, and a host that does not resolve fails without retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.errors import SourceError
from bot.reports.fetch_limits import DEFAULT_MAX_REPORT_BYTES, ReportTooLarge
from bot.reports.sources.http import HttpFetcher
from bot.reports.sources.local import LocalSource, read_report_file
from tests.bot.reports.sources.test_http import Sleeps

URL = "http://reports.test/report-2026-04-01.md"
MB = 1024 * 1024


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk (and no time) to make: `truncate -s`."""
    with path.open("wb") as file:
        file.truncate(size)
    return path


async def test_a_300_mb_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "report-2026-04-01.md", 300 * MB)
    with pytest.raises(ReportTooLarge, match=r"report is 300\.0 MB, over the 20\.0 MB limit"):
        await LocalSource(path).read()


async def test_a_folder_source_applies_its_limit(tmp_path: Path) -> None:
    sparse_file(tmp_path / "2026-04-01.md", 4096)
    source = LocalSource(tmp_path, max_bytes=2048)
    with pytest.raises(ReportTooLarge, match="4,096 bytes, over the 2,048 bytes limit"):
        await source.fetch(dt.date(2026, 4, 1))


def test_a_file_without_a_size_is_cut_off_past_the_limit() -> None:
    """A pipe or a device reports size 0; reading stops one byte past the limit."""
    with pytest.raises(ReportTooLarge, match="over the 4,096 bytes limit"):
        read_report_file(Path("/dev/zero"), max_bytes=4096)


def fetcher_for(handler: httpx.MockTransport, **kwargs: object) -> HttpFetcher:
    client = httpx.AsyncClient(transport=handler)
    return HttpFetcher(client, sleep=Sleeps(), **kwargs)  # type: ignore[arg-type]


async def megabytes(count: int, streamed: list[int]) -> AsyncIterator[bytes]:
    """A body of `count` MB, noting in `streamed` each megabyte the client pulled."""
    for _ in range(count):
        streamed.append(MB)
        yield b"x" * MB


async def test_a_body_whose_length_is_over_the_limit_is_not_read() -> None:
    streamed: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Length": str(300 * MB)}, content=megabytes(300, streamed)
        )

    fetcher = fetcher_for(httpx.MockTransport(handler))
    with pytest.raises(ReportTooLarge, match=r"report is 300\.0 MB, over the 20\.0 MB limit"):
        await fetcher.get_text(URL)
    assert streamed == []


async def test_a_body_without_a_length_is_cut_off_past_the_limit() -> None:
    streamed: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=megabytes(300, streamed))  # chunked: no Content-Length

    fetcher = fetcher_for(httpx.MockTransport(handler))
    with pytest.raises(ReportTooLarge, match=r"report is over the 20\.0 MB limit"):
        await fetcher.get_text(URL)
    assert len(streamed) <= DEFAULT_MAX_REPORT_BYTES // MB + 2


async def test_a_host_that_does_not_resolve_fails_at_once() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        try:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    fetcher = fetcher_for(httpx.MockTransport(handler))
    with pytest.raises(SourceError, match="cannot resolve the host name"):
        await fetcher.get_text(URL)
    assert calls == 1
    assert isinstance(fetcher.sleep, Sleeps)
    assert fetcher.sleep.calls == []


async def test_other_connection_errors_are_still_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fetcher = fetcher_for(httpx.MockTransport(handler))
    with pytest.raises(SourceError, match="failed after 4 attempts"):
        await fetcher.get_text(URL)


@pytest.fixture
async def dripping_server() -> AsyncIterator[str]:
    """A loopback server that sends its body one byte at a time, forever, a little apart:
    every read is quick, so httpx's read timeout never fires."""
    stop = asyncio.Event()

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        while not stop.is_set():
            await response.write(b"#")
            await asyncio.sleep(0.05)
        return response

    app = web.Application()
    app.router.add_get("/report.md", drip)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/report.md"
    stop.set()
    await runner.cleanup()


async def test_a_dripping_server_cannot_hold_a_fetch_past_its_deadline(dripping_server: str) -> None:
    fetcher = HttpFetcher(deadline=0.5)
    try:
        with pytest.raises(SourceError, match=r"no complete answer within 0\.5 s"):
            await fetcher.get_text(dripping_server)
    finally:
        await fetcher.aclose()


async def test_every_client_has_explicit_timeouts() -> None:
    fetcher = HttpFetcher()
    timeout = fetcher.client.timeout
    await fetcher.aclose()
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 20.0, 10.0, 5.0)
