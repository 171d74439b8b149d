"""Shared fixtures: databases (SQLite always, PostgreSQL when configured) and a network guard."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.archive import Archive
from bot.store.database import create_engine
from bot.store.migrate import migrate

FIXTURES = Path(__file__).parent / "fixtures"
REPORTS = FIXTURES / "reports"
SHARED_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "report-2026-02-03.md"
POSTGRES_URL = os.environ.get("PAPERBOT_TEST_POSTGRES_URL")

_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0", ""}


class NetworkAccessError(AssertionError):
    """A test tried to reach a host other than this machine."""


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Fail loudly when anything in a test resolves or connects to a non-loopback host."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def host_of(address: Any) -> str:
        return str(address[0]) if isinstance(address, tuple) else ""

    def check(address: Any) -> None:
        host = host_of(address)
        if isinstance(address, tuple) and host not in _LOCAL_HOSTS and not host.startswith("127."):
            raise NetworkAccessError(f"test tried to reach {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check((host.decode() if isinstance(host, bytes) else str(host), 0))
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


def _database_params() -> list[Any]:
    postgres = pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="PAPERBOT_TEST_POSTGRES_URL is not set"),
    )
    return ["sqlite", postgres]


@pytest.fixture(params=_database_params())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database: a SQLite file, or a fresh schema in the test PostgreSQL."""
    if request.param == "sqlite":
        db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        await migrate(db)
        yield db
        await db.dispose()
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(db)
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
def archive(engine: AsyncEngine) -> Archive:
    return Archive(engine)


@pytest.fixture
def reference_report() -> str:
    """The real sample report from ../shared, when this checkout has it beside it."""
    if not SHARED_REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    return SHARED_REFERENCE.read_text(encoding="utf-8")


def settings_variables() -> set[str]:
    """Every environment variable paperbot reads: each Settings field's first alias."""
    from pydantic import AliasChoices

    from bot.config import Settings

    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), field
        names.add(str(alias.choices[0]))
    return names


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No paperbot variable from the developer's shell, and no stray .env file, reaches Settings."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
