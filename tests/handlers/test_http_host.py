"""PAPERBOT_HTTP_HOST: the address the HTTP server binds, every IPv4 interface unless chosen."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.errors import PaperbotError
from bot.runtime.composition import App
from bot.runtime.config import ConfigurationError, Settings, load_settings
from handlers import service
from handlers.ops import serve


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@asynccontextmanager
async def serving(host: str, port: int) -> AsyncIterator[None]:
    application = web.Application()
    application.router.add_get("/healthz", _ok)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, port, stop, host=host))
    try:
        for _ in range(200):  # until it listens (or fails)
            if task.done():
                task.result()
            if await answers(host, port):
                break
            await asyncio.sleep(0.01)
        yield
    finally:
        stop.set()
        await task


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def answers(host: str, port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def healthz(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    async with aiohttp.ClientSession() as session, session.get(f"http://{shown}:{port}/healthz") as response:
        return await response.text()


async def test_binds_only_the_chosen_loopback_address() -> None:
    port = free_port()
    async with serving("127.0.0.2", port):
        assert await healthz("127.0.0.2", port) == "ok\n"
        assert not await answers("127.0.0.1", port)


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback on this machine")
async def test_binds_an_ipv6_address() -> None:
    port = free_port("::1")
    async with serving("::1", port):
        assert await healthz("::1", port) == "ok\n"
        assert not await answers("127.0.0.1", port)


async def test_the_default_listens_on_every_ipv4_interface() -> None:
    port = free_port()
    async with serving(Settings().http_host, port):
        assert await healthz("127.0.0.1", port) == "ok\n"
        assert await healthz("127.0.0.2", port) == "ok\n"


async def test_a_taken_port_names_the_port_variable() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PaperbotError) as failed:
            async with serving("127.0.0.1", port):
                pass
    assert str(failed.value).startswith(f"cannot listen on port {port}:")
    assert "PAPERBOT_HTTP_PORT" in str(failed.value)


def test_the_setting_defaults_to_every_ipv4_interface_and_empty_means_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PAPERBOT_HTTP_HOST", raising=False)
    assert load_settings().http_host == "0.0.0.0"
    monkeypatch.setenv("PAPERBOT_HTTP_HOST", "")
    assert load_settings().http_host == "0.0.0.0"
    for given, kept in [
        ("127.0.0.2", "127.0.0.2"),
        ("::1", "::1"),
        ("[::1]", "::1"),
        (" localhost ", "localhost"),
    ]:
        monkeypatch.setenv("PAPERBOT_HTTP_HOST", given)
        assert load_settings().http_host == kept


@pytest.mark.parametrize("given", ["every interface", "http://127.0.0.1", "127.0.0.1:3000", "-lan"])
def test_an_address_that_cannot_be_bound_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("PAPERBOT_HTTP_HOST", given)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert str(refused.value).startswith("invalid PAPERBOT_HTTP_HOST:")


async def test_the_service_serves_on_the_configured_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bound: list[tuple[str, int]] = []

    async def recording_serve(
        _application: web.Application, port: int, stop: asyncio.Event, *, host: str = "0.0.0.0"
    ) -> None:
        bound.append((host, port))
        stop.set()

    monkeypatch.setattr(service, "serve", recording_serve)
    settings = Settings.model_validate(
        {
            "PAPERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'host.db'}",
            "PAPERBOT_HTTP_HOST": "127.0.0.2",
            "PAPERBOT_HTTP_PORT": 4321,
        }
    )
    async with App.start(settings=settings) as app:
        stop = asyncio.Event()
        assert await service.run_service(app, io.StringIO(), stop) == 0
    assert bound == [("127.0.0.2", 4321)]
